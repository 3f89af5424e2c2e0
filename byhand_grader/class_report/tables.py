"""The class report's figures as CSV files, one row per thing, beside the page.

Each file holds what one section of the page shows, uncut, with headers an instructor
reads in a spreadsheet: ``mistakes.csv``, ``checks.csv``, ``distribution.csv``,
``statuses.csv``, ``flags.csv``, ``problem5.csv``.  A regrade's impact is not copied:
``autograded/regrade-<a>.csv`` is already a table.
"""

import csv

from .problem5 import NOT_RECORDED


def _n(x):
    return "" if x is None else f"{x:g}"


def _share(x):
    return "" if x is None else f"{x:.3f}"


def mistakes_rows(report):
    yield ["code", "mistake", "students", "share of graded submissions", "where", "who", "hint"]
    for m in report.mistakes:
        yield [
            m.code,
            m.name,
            m.count,
            _share(m.share),
            "; ".join(f"{c}: {k}" for c, k in m.where.items()),
            "; ".join(m.students),
            m.hint or "",
        ]


def checks_rows(report):
    yield [
        "grade cell",
        "check",
        "students",
        "passed",
        "difficulty (share passed)",
        "discrimination",
        "discrimination note",
        "health",
    ]
    for c in report.checks:
        yield [
            c.grade_id,
            c.name,
            c.students,
            c.passed,
            _share(c.difficulty),
            "" if c.discrimination is None else f"{c.discrimination:.3f}",
            c.undefined or "",
            " | ".join(c.health),
        ]


def distribution_rows(report):
    yield ["part", "kind", "title", "points", "score", "students"]
    for d in report.distributions:
        for score, count in d.counts.items():
            yield [d.part, d.kind, d.title, _n(d.points), _n(score), count]
        if d.pending:
            yield [d.part, d.kind, d.title, _n(d.points), "pending", d.pending]


def statuses_rows(report):
    yield ["student", "status", "reasons"]
    for status, students in report.statuses.items():
        for s in students:
            yield [s, status, " | ".join(report.reasons.get(s, []))]


def flags_rows(report):
    yield ["student", "flag", "details"]
    yield from ([s, f, d] for s, f, d in report.flags)


def problem5_rows(report):
    p5 = report.problem5
    if not p5.applies:
        return
    yield ["student", "family", "own seed learned XOR"] + (
        [f"{p5.column} score"] if p5.column else []
    )
    for student, (family, learned) in p5.runs.items():
        yield [
            student,
            family or "",
            NOT_RECORDED if learned is None else ("yes" if learned else "no"),
        ] + ([_n(p5.graded[student]) if student in p5.graded else "pending"] if p5.column else [])


#: file name -> the rows it holds
TABLES = {
    "mistakes.csv": mistakes_rows,
    "checks.csv": checks_rows,
    "distribution.csv": distribution_rows,
    "statuses.csv": statuses_rows,
    "flags.csv": flags_rows,
    "problem5.csv": problem5_rows,
}


def write_tables(report, folder):
    """Write every table that has rows into ``folder`` (one left over from an earlier
    report is removed); return their paths, in ``TABLES``' order."""
    paths = []
    for name, rows in TABLES.items():
        path = folder / name
        rows = list(rows(report))
        if not rows:
            path.unlink(missing_ok=True)
            continue
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        paths.append(path)
    return paths
