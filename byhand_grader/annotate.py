"""Put the judge's verdicts into an autograded notebook, where feedback and formgrader show them.

Each grade cell's output becomes its verdict (so feedback shows it right under
the check it belongs to), the XOR training curves go under the grade cell the
assignment's description names, and a report cell at the top says what
happened to the submission as a whole.  Hidden inputs never appear: verdict
messages quote only the notebook's own examples.  The scores themselves go to
the gradebook in ``byhand_grader.record``.
"""

import base64
import io

import nbformat

from .report import lost_points

REPORT_CELL_ID = "byhand-grader-report"


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
            lines.append(f"* {p.column} ({p.title}) is graded by hand: pending until the person "
                         "grading it enters its points.")
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
