"""Small classes made by hand: ``StudentResult``s whose checks and mistake codes a test chooses."""

from byhand_grader.results import CellGrade, Failure, StudentResult


def cell(grade_id, points, checks, codes=()):
    """A ``CellGrade`` of ``checks`` ({name: passed}); every failed check carries ``codes``
    (a tuple, or a dict {check name: codes})."""
    failures = []
    for name, ok in checks.items():
        if not ok:
            mine = codes.get(name, ()) if isinstance(codes, dict) else codes
            failures.append(Failure(f"{name} failed", f"{name} failed", tuple(mine) or ("other",)))
    passed = sum(map(bool, checks.values()))
    total = len(checks)
    return CellGrade(
        grade_id,
        points,
        round(points * passed / total, 2) if total else 0.0,
        passed,
        total,
        failures,
        dict(checks),
    )


def student(name, *cells, status="graded", **fields):
    """A ``StudentResult`` of assignment partb."""
    return StudentResult(name, "partb", status=status, cells=list(cells), **fields)
