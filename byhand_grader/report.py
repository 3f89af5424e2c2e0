"""The grade table and ``autograded/report-<a>.csv``: what an instructor reads after grading.

One row per student: the points per problem (the columns of the
assignment's description), the automatic total, the status and, in a few
words, why points were lost.  A problem graded by hand reads ``pending``
until someone grades it; a student the gradebook knows who submitted nothing
reads ``missing``; a submission the grader failed on shows no points at all
(nothing of it was recorded).  Every word comes from typed results (a
``Failure``'s summary, a reason, a note, a flag, a mistake's code); nothing here
parses message text or grade-cell ids.  The CSV's last column, ``mistakes``, holds the
catalogue's codes of each problem's failed checks (``P1:factor-2-missing;
P4:dh-missing-w2, trains-differently``; ``grader_tests/<a>/mistakes.py`` names each).
"""

import csv

from .mistakes import codes_text

#: What the table prints where there are no points to show.
NO_POINTS = "-"
PENDING = "pending"


def problem_scores(result, assignment):
    """``{column: (score, points)}`` of the autograded problems, in the description's order."""
    out = {}
    for cell in result.cells:
        column = assignment.problem_of(cell.grade_id).column
        s, p = out.get(column, (0.0, 0.0))
        out[column] = (s + cell.score, p + cell.points)
    return {c: out[c] for c in assignment.columns if c in out}


def manual_scores(result, assignment):
    """``{column: score or None}`` of the hand-graded problems (None: not graded yet)."""
    out = {}
    for p in assignment.problems:
        if p.manual_cells:
            scores = [result.manual.get(g) for g in p.manual_cells]
            out[p.column] = None if any(s is None for s in scores) else sum(scores)
    return out


def lost_points(result, assignment, width=90):
    """One short line per problem that lost points: the first summary its checks gave."""
    out, seen = [], set()
    for cell in result.cells:
        column = assignment.problem_of(cell.grade_id).column
        if cell.score < cell.points and column not in seen and cell.total:
            seen.add(column)
            msg = cell.failures[0].summary if cell.failures else "checks could not run"
            msg = msg if len(msg) <= width else msg[: width - 3] + "..."
            out.append(f"{column}: {msg}")
    return out


def why(result, assignment, width=90):
    """The reasons, then the points lost, as one line for the table."""
    lost = lost_points(result, assignment, width)
    if len(lost) > 1 and all(
        line.endswith("not attempted (the stub raises NotImplementedError)") for line in lost
    ):
        lost = ["nothing attempted: every answer is still the stub"]
    return "; ".join(result.reasons + lost)


def flag_details(value):
    """A flag's details as words: a list joined by commas, ``""`` for a bare ``True``."""
    if value is True:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def flag_text(result):
    """The flags as one line: ``name: details; ...``."""
    parts = []
    for name, value in sorted(result.flags.items()):
        details = flag_details(value)
        parts.append(f"{name}: {details}" if details else name)
    return "; ".join(parts)


def columns(results, assignment):
    """``[(column, heading)]`` of the table, autograded and hand-graded, in the description's order."""
    maxes = {}
    for r in results:
        for c, (_, p) in problem_scores(r, assignment).items():
            maxes[c] = p
    out = []
    for p in assignment.problems:
        if p.column in maxes:
            out.append((p.column, f"{p.column}/{maxes[p.column]:g}"))
        elif p.manual_cells and any(r.manual_points for r in results):
            points = max(r.manual_points.get(p.column, 0) for r in results)
            out.append((p.column, f"{p.column}/{points:g}"))
    return out, sum(maxes.values())


def cells_of(result, assignment, cols):
    """The row's text per column: points, ``pending``, or ``-`` (no points to show)."""
    if result.failed or result.status == "missing":
        return {c: NO_POINTS for c, _ in cols}, NO_POINTS
    auto = problem_scores(result, assignment)
    manual = manual_scores(result, assignment)
    out = {}
    for c, _ in cols:
        if c in auto:
            out[c] = f"{auto[c][0]:g}"
        elif c in manual:
            out[c] = PENDING if manual[c] is None else f"{manual[c]:g}"
        else:
            out[c] = NO_POINTS
    return out, f"{result.auto_score:g}"


def format_table(results, assignment):
    """The grade table a tired instructor reads: one row per student."""
    if not results:
        return "no submissions found under submitted/"
    cols, total_max = columns(results, assignment)
    name_w = max(7, *(len(r.student) for r in results))
    widths = {c: max(8, len(h) + 2) for c, h in cols}
    head = f"{'student':<{name_w}}  " + "".join(f"{h:>{widths[c]}}" for c, h in cols)
    head += f"{'auto/' + format(total_max, 'g'):>9}  status"
    lines = [head, "-" * len(head)]
    for r in results:
        cells, total = cells_of(r, assignment, cols)
        because = why(r, assignment)
        lines.append(
            f"{r.student:<{name_w}}  "
            + "".join(f"{cells[c]:>{widths[c]}}" for c, _ in cols)
            + f"{total:>9}  {r.status}"
            + (f": {because}" if because else "")
        )
    return "\n".join(lines)


def write_report_csv(results, assignment, path, keep_others=False):
    """Everything the table shows, uncut, plus the notes and the flags.

    ``keep_others``: the run graded some students only (``--student``): the rows of the
    others stay as the last run wrote them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    cols, _ = columns(results, assignment)
    head = [
        "student",
        *[c for c, _ in cols],
        "auto_score",
        "max_auto",
        "status",
        "reasons",
        "points_lost",
        "notes",
        "flags",
        "mistakes",
    ]
    rows = {}
    if keep_others and path.is_file():
        with open(path, newline="", encoding="utf-8") as f:
            old = csv.reader(f)
            if next(old, None) == head:
                rows = {row[0]: row for row in old if row}
    for r in results:
        cells, total = cells_of(r, assignment, cols)
        rows[r.student] = [
            r.student,
            *[cells[c] for c, _ in cols],
            total,
            NO_POINTS if r.failed or r.status == "missing" else f"{r.max_auto:g}",
            r.status,
            " | ".join(r.reasons),
            " | ".join(lost_points(r, assignment, width=10_000)),
            " | ".join(r.notes),
            flag_text(r),
            codes_text(r, assignment),
        ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows[s] for s in sorted(rows))
