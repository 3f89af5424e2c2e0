"""Merge the judge's results into nbgrader's gradebook and autograded notebooks.

After this, formgrader, ``nbgrader export`` and ``nbgrader generate_feedback``
all show the judge's score for every autograded cell.  The verdicts go into
the autograded notebook as the output of their grade cell (so feedback shows
them right under the check they belong to), with a report cell at the top
for what happened to the submission as a whole.  Hidden inputs never appear:
verdict messages quote only the notebook's own examples.
"""

import base64
import io

import nbformat

from .assignment import load_assignment
from .report import lost_points, write_report_csv

REPORT_CELL_ID = "byhand-grader-report"


def merge_results(course, results):
    """Write scores to the gradebook, verdicts to the notebooks; save the report CSVs."""
    from nbgrader.api import Gradebook

    from .nbgrader_run import scripts_on_path
    scripts_on_path()
    with Gradebook(course.db_url) as gb:
        for r in results:
            for cell in r.cells:
                try:
                    grade = gb.find_grade(cell.grade_id, r.assignment, r.assignment, r.student)
                except Exception:
                    r.reasons.append(f"the gradebook has no cell {cell.grade_id}")
                    r.status = "failed"
                    continue
                grade.auto_score = cell.score
                grade.needs_manual_grade = False
            gb.db.commit()
    descriptions = {a: load_assignment(course, a) for a in sorted({r.assignment for r in results})}
    for r in results:
        path = course.autograded_notebook(r.student, r.assignment)
        if path.exists():
            annotate(path, r, descriptions[r.assignment])
    for a, desc in descriptions.items():
        write_report_csv([r for r in results if r.assignment == a], desc, course.report_csv(a))


def verdict_text(cell):
    """The grade cell's output: its score and, for each failed check, why."""
    head = (f"Autograder: {cell.score:g} / {cell.points:g} points "
            f"({cell.passed} of {cell.total} hidden checks passed)")
    if cell.total == 0:
        head = f"Autograder: 0 / {cell.points:g} points (the checks could not run)"
    return "\n".join([head] + [f"  - {f.message}" for f in cell.failures]) + "\n"


def annotate(path, result, assignment):
    """Put the verdicts into an autograded notebook (idempotent)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.get("id") != REPORT_CELL_ID]
    by_id = {c.grade_id: c for c in result.cells}
    for cell in nb.cells:
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in by_id:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text=verdict_text(by_id[grade_id]))]
            if grade_id == assignment.curves_under and result.curves:
                cell.outputs.append(_curve_output(result.curves))
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(report_markdown(result, assignment),
                                                     id=REPORT_CELL_ID))
    nbformat.write(nb, path)


def report_markdown(result, assignment):
    lines = [f"## Grader's report: {result.auto_score:g} automatic points "
             f"({result.status})", ""]
    for reason in result.reasons:
        lines.append(f"* **{reason}**")
    for note in result.notes:
        lines.append(f"* {note}")
    if not result.reasons and not result.notes:
        lines.append("* Every answer cell ran.")
    lost = lost_points(result, assignment, width=10_000)
    lines += [f"* Points lost in {item}" for item in lost]
    lines.append("* The verdict of each check is printed under its grade cell below.")
    for p in assignment.problems:
        if p.manual_cells:
            lines.append(f"* {p.column} ({p.title}) is graded by hand.")
    return "\n".join(lines)


def _curve_output(curves):
    """A PNG of the student's epoch-error curves from the grader's starts, beside the reference."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .reference_curves import reference_curve
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for n, curve in enumerate(curves):
        errors = curve.epoch_errors
        line, = ax.plot(range(1, len(errors) + 1), errors, label=f"yours, start {n + 1}")
        ref = reference_curve(curve.seed, len(errors))
        ax.plot(range(1, len(ref) + 1), ref, ls="--", color=line.get_color(),
                label=f"reference, start {n + 1}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("summed squared error")
    ax.set_ylim(bottom=0)
    ax.set_title("XOR training from the grader's starting points")
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return nbformat.v4.new_output("display_data",
                                  data={"image/png": base64.b64encode(buf.getvalue()).decode()})
