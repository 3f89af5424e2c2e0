"""Merge the judge's results into nbgrader's gradebook and autograded notebooks.

After this, formgrader, ``nbgrader export`` and ``nbgrader generate_feedback``
all show the judge's score for every autograded cell.  The verdicts go into
the autograded notebook as the output of their grade cell (so feedback shows
them right under the check they belong to), with a report cell at the top
for what happened to the submission as a whole.  Hidden inputs never appear:
verdict messages quote only the notebook's own examples.
"""

import base64
import csv
import io
from pathlib import Path

import nbformat

from .course import ROOT

REPORT_CELL_ID = "byhand-grader-report"


def problem_of(grade_id):
    """The column a grade cell counts in: ``p4_xor_grads_...`` -> ``P4``, ``mlp_build_...`` -> ``mlp_build``."""
    parts = grade_id.split("_")
    if parts[0][:1] == "p" and parts[0][1:].isdigit():
        return parts[0].upper()
    return "_".join(parts[:2])


def merge_results(results, root=ROOT):
    """Write scores to the gradebook, verdicts to the notebooks; save the report CSVs."""
    from nbgrader.api import Gradebook

    from .nbgrader_run import scripts_on_path
    scripts_on_path()
    root = Path(root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for r in results:
            for cell in r["cells"]:
                try:
                    grade = gb.find_grade(cell["grade_id"], r["assignment"], r["assignment"],
                                          r["student"])
                except Exception:
                    r["reasons"].append(f"the gradebook has no cell {cell['grade_id']}")
                    r["status"] = "failed"
                    continue
                grade.auto_score = cell["score"]
                grade.needs_manual_grade = False
            gb.db.commit()
    for r in results:
        path = root / "autograded" / r["student"] / r["assignment"] / f"{r['assignment']}.ipynb"
        if path.exists():
            annotate(path, r)
    for assignment in sorted({r["assignment"] for r in results}):
        write_report_csv([r for r in results if r["assignment"] == assignment],
                         root / "autograded" / f"report-{assignment}.csv")


def verdict_text(cell):
    """The grade cell's output: its score and, for each failed check, why."""
    head = (f"Autograder: {cell['score']:g} / {cell['points']:g} points "
            f"({cell['passed']} of {cell['total']} hidden checks passed)")
    if cell["total"] == 0:
        head = f"Autograder: 0 / {cell['points']:g} points (the checks could not run)"
    return "\n".join([head] + [f"  - {m}" for m in cell["messages"]]) + "\n"


def annotate(path, result):
    """Put the verdicts into an autograded notebook (idempotent)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.get("id") != REPORT_CELL_ID]
    by_id = {c["grade_id"]: c for c in result["cells"]}
    for cell in nb.cells:
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in by_id:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text=verdict_text(by_id[grade_id]))]
            if grade_id.endswith("xor_learns") and result.get("curves"):
                cell.outputs.append(_curve_output(result["curves"]))
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(report_markdown(result), id=REPORT_CELL_ID))
    nbformat.write(nb, path)


def report_markdown(result):
    lines = [f"## Grader's report: {result['auto_score']:g} automatic points "
             f"({result['status']})", ""]
    for reason in result["reasons"]:
        lines.append(f"* **{reason}**")
    for note in result["notes"]:
        lines.append(f"* {note}")
    if not result["reasons"] and not result["notes"]:
        lines.append("* Every answer cell ran.")
    lost = lost_points(result, width=10_000)
    lines += [f"* Points lost in {item}" for item in lost]
    lines.append("* The verdict of each check is printed under its grade cell below.")
    lines.append("* Problem 5 is graded by hand.")
    return "\n".join(lines)


def _curve_output(curves):
    """A PNG of the student's epoch-error curves from the grader's starts, beside the reference."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .reference_curves import reference_curve
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for n, (cid, errors) in enumerate(curves):
        seed = int(cid.rsplit("/", 1)[1])
        line, = ax.plot(range(1, len(errors) + 1), errors, label=f"yours, start {n + 1}")
        ref = reference_curve(seed, len(errors))
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


def problem_scores(result):
    """``{problem: (score, points)}`` from a result's grade cells (P1, P2, ...)."""
    out = {}
    for cell in result["cells"]:
        prob = problem_of(cell["grade_id"])
        s, p = out.get(prob, (0.0, 0.0))
        out[prob] = (s + cell["score"], p + cell["points"])
    return out


def write_report_csv(results, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    problems = sorted({p for r in results for p in problem_scores(r)})
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *problems, "auto_score", "max_auto", "status", "reasons", "notes"])
        for r in results:
            ps = problem_scores(r)
            w.writerow([r["student"], *[f"{ps.get(p, (0, 0))[0]:g}" for p in problems],
                        f"{r['auto_score']:g}", f"{sum(c['points'] for c in r['cells']):g}",
                        r["status"], " | ".join(r["reasons"]), " | ".join(r["notes"])])


def lost_points(result, width=90):
    """One short line per problem that lost points: the first reason its checks gave."""
    out, seen = [], set()
    for cell in result["cells"]:
        prob = problem_of(cell["grade_id"])
        if cell["score"] < cell["points"] and prob not in seen and cell["total"]:
            seen.add(prob)
            msg = cell["messages"][0] if cell["messages"] else "checks could not run"
            if "NotImplementedError" in msg:
                msg = "not attempted (the stub raises NotImplementedError)"
            elif "there is no function named" in msg and "; " in msg:
                msg = msg.split("; ", 1)[1]          # the cell that failed to define it
            msg = msg.split(". ")[0].split(" (was it")[0]
            msg = msg if len(msg) <= width else msg[: width - 3] + "..."
            out.append(f"{prob}: {msg}")
    return out


def format_table(results):
    """The grade table a tired instructor reads: one row per submission."""
    if not results:
        return "no submissions found under submitted/"
    problems = sorted({p for r in results for p in problem_scores(r)})
    maxes = {p: problem_scores(results[0])[p][1] for p in problems}
    name_w = max(7, *(len(r["student"]) for r in results))
    cols = {p: f"{p}/{maxes[p]:g}" for p in problems}
    widths = {p: max(8, len(cols[p]) + 2) for p in problems}
    head = f"{'student':<{name_w}}  " + "".join(f"{cols[p]:>{widths[p]}}" for p in problems)
    total_max = sum(maxes.values())
    head += f"{'auto/' + format(total_max, 'g'):>9}  status"
    lines = [head, "-" * len(head)]
    for r in results:
        ps = problem_scores(r)
        lost = lost_points(r)
        if len(lost) > 1 and all("not attempted" in x for x in lost):
            lost = ["nothing attempted: every answer is still the stub"]
        why = "; ".join(r["reasons"] + lost)
        lines.append(f"{r['student']:<{name_w}}  "
                     + "".join(f"{ps.get(p, (0, 0))[0]:>{widths[p]}g}" for p in problems)
                     + f"{r['auto_score']:>9g}  {r['status']}" + (f": {why}" if why else ""))
    return "\n".join(lines)
