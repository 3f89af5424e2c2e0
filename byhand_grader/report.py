"""The grade table and ``autograded/report-<a>.csv``: what an instructor reads after grading.

One row per submission: the points per problem (the columns of the
assignment's description), the automatic total, the status and, in a few
words, why points were lost.  Every word comes from typed results (a
``Failure``'s summary, a reason, a note); nothing here parses message text or
grade-cell ids.
"""

import csv


def problem_scores(result, assignment):
    """``{column: (score, points)}`` of the autograded problems, in the description's order."""
    out = {}
    for cell in result.cells:
        column = assignment.problem_of(cell.grade_id).column
        s, p = out.get(column, (0.0, 0.0))
        out[column] = (s + cell.score, p + cell.points)
    return {c: out[c] for c in assignment.columns if c in out}


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
    if len(lost) > 1 and all(line.endswith("not attempted (the stub raises NotImplementedError)")
                             for line in lost):
        lost = ["nothing attempted: every answer is still the stub"]
    return "; ".join(result.reasons + lost)


def format_table(results, assignment):
    """The grade table a tired instructor reads: one row per submission."""
    if not results:
        return "no submissions found under submitted/"
    maxes = {}
    for r in results:
        for c, (_, p) in problem_scores(r, assignment).items():
            maxes[c] = p
    problems = [c for c in assignment.columns if c in maxes]
    name_w = max(7, *(len(r.student) for r in results))
    cols = {p: f"{p}/{maxes[p]:g}" for p in problems}
    widths = {p: max(8, len(cols[p]) + 2) for p in problems}
    head = f"{'student':<{name_w}}  " + "".join(f"{cols[p]:>{widths[p]}}" for p in problems)
    head += f"{'auto/' + format(sum(maxes.values()), 'g'):>9}  status"
    lines = [head, "-" * len(head)]
    for r in results:
        ps = problem_scores(r, assignment)
        because = why(r, assignment)
        lines.append(f"{r.student:<{name_w}}  "
                     + "".join(f"{ps.get(p, (0, 0))[0]:>{widths[p]}g}" for p in problems)
                     + f"{r.auto_score:>9g}  {r.status}" + (f": {because}" if because else ""))
    return "\n".join(lines)


def write_report_csv(results, assignment, path):
    """The table as CSV, with the whole reasons and notes (nothing cut)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    problems = list(assignment.columns)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *problems, "auto_score", "max_auto", "status", "reasons", "notes"])
        for r in results:
            ps = problem_scores(r, assignment)
            w.writerow([r.student, *[f"{ps[p][0]:g}" if p in ps else "" for p in problems],
                        f"{r.auto_score:g}", f"{r.max_auto:g}",
                        r.status, " | ".join(r.reasons), " | ".join(r.notes)])
