"""Put the judge's verdicts into an autograded notebook, where feedback and formgrader show them.

Each grade cell's output becomes its verdict (so feedback shows it right under
the check it belongs to), the XOR training curves go under the grade cell the
assignment's description names, with a caption, and a report cell at the top
says what happened to the submission as a whole.  Before the hand-graded cell
the description names (``explain_before``) goes a read-only cell recorded by the
grader: the student's own XOR run, retrained in the sandbox from the seed their
notebook prints, with ``explain_xor``'s table and plot and the epoch-error curve,
so the person grading Problem 5 sees them whatever the student saved.  The curves
and the recorded run are drawn from the judge's probe (``judge.Probe``: the calls
and the reply as the judge weighed them), from the calls whose kind says so
(``harness.calls.KINDS``: ``curve``, ``explanation``).  Hidden
inputs never appear: verdict messages quote only the notebook's own examples.  The
scores themselves go to the gradebook in ``byhand_grader.record``.
"""

import base64
import functools
import io
import math
import re
import textwrap
from dataclasses import dataclass

import nbformat

from .harness import calls as harness_calls
from .report import lost_points

REPORT_CELL_ID = "byhand-grader-report"
EXPLAIN_CELL_ID = "byhand-grader-explain"
#: Verdict lines are wrapped to this width (a feedback page, formgrader, a terminal).
WIDTH = 100
#: The caption under the XOR curves from the grader's starts.
CURVES_CAPTION = (
    "*Solid lines: your `xor_forward` and `xor_grads` trained (with the grader's update) from "
    "each of the grader's starting points; dashed lines: a correct implementation from the "
    "same start. When your functions are correct, each dashed line lies exactly under its "
    "solid one and cannot be seen; where they part, your run departs from a correct one.*"
)


def verdict_text(cell, mistakes=None, width=WIDTH):
    """The grade cell's output: its score and, for each failed check, why, then the hint of
    the mistakes it recognised (``mistakes``: the assignment's ``Catalogue``; none without).

    What every failed check of the cell says alike (the diagnosis, the notebook's own
    example, the hints) is said once, after the part that differs; lines wrap at ``width``.
    """
    head = (
        f"Autograder: {cell.score:g} / {cell.points:g} points "
        f"({cell.passed} of {cell.total} hidden checks passed)"
    )
    if cell.total == 0:
        head = f"Autograder: 0 / {cell.points:g} points (the checks could not run)"
    items, shared = _shared_tail([f.message for f in cell.failures])
    each = [mistakes.hints(f.codes) if mistakes is not None else [] for f in cell.failures]
    apart = len(set(map(tuple, each))) > 1 and len(items) == len(each)
    lines = [head]
    for item, hints in zip(items, each if apart else [[]] * len(items)):
        lines.append(_wrap(f"  - {item}", "    ", width))
        lines += [_wrap(f"    {HINT}{h}", "      ", width) for h in hints]
    if shared:
        lines.append(_wrap(f"  {shared}", "  ", width))
    if not apart and mistakes is not None:
        lines += [_wrap(f"  {HINT}{h}", "    ", width) for h in hint_lines(cell, mistakes)]
    return "\n".join(lines) + "\n"


#: How a hint begins, under the failed checks whose mistake it is about.
HINT = "Hint: "


def hint_lines(cell, mistakes):
    """The hints of a grade cell's failed checks (``mistakes``: the assignment's catalogue),
    once each, in the order of the checks."""
    return list(dict.fromkeys(h for f in cell.failures for h in mistakes.hints(f.codes)))


def _wrap(text, indent, width):
    return textwrap.fill(
        text, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )


_SENTENCE_END = re.compile(r"(?<=\.) ")


def _shared_tail(messages):
    """``(items, shared)``: the messages without the sentences they all end with, and those
    sentences once, introduced (None when nothing is shared)."""
    if len(messages) < 2:
        return messages, None
    if len(set(messages)) == 1:
        return [f"{messages[0]} (all {len(messages)} failed checks say this)"], None
    split = [_SENTENCE_END.split(m) for m in messages]
    n = 0
    while all(len(s) > n + 1 for s in split) and len({tuple(s[-n - 1 :]) for s in split}) == 1:
        n += 1
    if n == 0:
        return messages, None
    return (
        [" ".join(s[:-n]) for s in split],
        f"All {len(messages)} of these: " + " ".join(split[0][-n:]),
    )


@dataclass
class Curve:
    """The student's epoch errors in one XOR training run from a grader's start, and a
    correct implementation's from the same start when the call carries them."""

    epoch_errors: list
    errors_every: int = 1  #: ``epoch_errors[n]`` is epoch ``1 + n * errors_every``'s
    reference_errors: list = None  #: the call's ``reference_errors``, sampled alike


def curves(probe):
    """A ``Curve`` per training run of ``probe`` (calls of a ``curve`` kind) that ran."""
    found = []
    for cid in probe.reply.calls:  # in the order the harness ran them
        call, got = probe.calls[cid], probe.got(cid)
        if got.get("ok") and harness_calls.KINDS[call["kind"]].curve:
            found.append(
                Curve(
                    got["value"]["epoch_errors"],
                    int(call.get("errors_every", 1)),
                    call.get("reference_errors"),
                )
            )
    return found


def recorded_run(probe):
    """``(call, reply)`` of ``probe``'s call of an ``explanation`` kind (the student's own
    runs, replayed), or None if it has none."""
    return next(
        (
            (call, probe.got(cid) or {"ok": False, "error": "it was never reached"})
            for cid, call in probe.calls.items()
            if harness_calls.KINDS[call["kind"]].explanation
        ),
        None,
    )


def annotate(path, result, assignment, probe=None):
    """Put the verdicts into an autograded notebook (idempotent).

    ``probe``: the judge's (``judge.Probe``), where the training curves and the student's
    own runs come from; None when nothing of the student's ran.
    """
    runs = curves(probe) if probe is not None else []
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.get("id") not in (REPORT_CELL_ID, EXPLAIN_CELL_ID)]
    by_id = {c.grade_id: c for c in result.cells}
    for cell in nb.cells:
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in by_id:
            cell.outputs = [
                nbformat.v4.new_output(
                    "stream",
                    name="stdout",
                    text=verdict_text(by_id[grade_id], assignment.mistakes),
                )
            ]
            if grade_id == assignment.curves_under and runs:
                cell.outputs += [_curve_output(runs), _markdown_output(CURVES_CAPTION)]
    if probe is not None:
        _insert_explanation(nb, result, assignment, recorded_run(probe))
    nb.cells.insert(
        0, nbformat.v4.new_markdown_cell(report_markdown(result, assignment), id=REPORT_CELL_ID)
    )
    nbformat.write(nb, path)


def report_markdown(result, assignment):
    lines = [f"## Grader's report: {result.auto_score:g} automatic points ({result.status})", ""]
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
            lines.append(
                f"* {p.column} ({p.title}) is graded by hand: pending until the person "
                "grading it enters its points."
            )
    return "\n".join(lines)


def _insert_explanation(nb, result, assignment, recorded):
    """The grader's recording of the student's own XOR run (``recorded``: the call and its
    reply, or None), before ``explain_before``."""
    if not assignment.explain_before or recorded is None:
        return
    at = next(
        (
            n
            for n, c in enumerate(nb.cells)
            if (c.metadata.get("nbgrader") or {}).get("grade_id") == assignment.explain_before
        ),
        None,
    )
    if at is None:
        return
    cell = nbformat.v4.new_code_cell(
        "# Recorded by the grader, not by the student: the student's own XOR run, rerun from\n"
        "# the SEED their notebook prints, with explain_xor's table and plot (read-only)",
        id=EXPLAIN_CELL_ID,
        outputs=explanation_outputs(*recorded, result.student),
    )
    cell.metadata.update(
        {"editable": False, "deletable": False, "byhand": {"recorded_by": "grader"}}
    )
    nb.cells.insert(at, cell)


@dataclass
class RecordedRun:
    """One of the student's own XOR runs that the "explain" call replayed, numbers only."""

    attempt: int  #: 0 for the notebook's SEED, n for ``student_seed(STUDENT_ID, attempt=n)``
    seed: int
    rows: list  #: ``explain_xor``'s table: per pattern, its target, ``h``, the terms, ``yhat``
    params: dict  #: the parameters the table was computed with, as lists of floats
    tracked: int = None  #: epochs it followed a correct run for, or None: trained throughout
    errors: list = None  #: the epoch errors drawn under the table
    update: str = "yours"  #: whose update trained it: "yours" or "the grader's"


def read_runs(call, explanation):
    """Each run of an ``explanation`` reply as a ``RecordedRun``, or None where the
    sandbox's record of it cannot be read.

    The reply is plain data from the sandbox: only numbers are read from it (checked,
    ``_number``), so nothing the student's code returned reaches markdown or a comment.
    """
    from byhand.data import PATTERNS, Y_XOR
    from byhand.explain import TERMS
    from byhand.xor import PARAM_NAMES

    targets = Y_XOR.flatten().tolist()
    value = explanation.get("value") if explanation.get("ok") else None
    runs = []
    for n, run in enumerate((value.get("runs") or []) if isinstance(value, dict) else []):
        try:
            seed = int(run["seed"])
            rows = [
                {
                    "pattern": PATTERNS[i],
                    "target": targets[i],
                    **{k: _number(row[k]) for k in ("h", *TERMS, "net_y", "yhat")},
                }
                for i, row in enumerate(run["rows"][:4])
            ]
            params = {k: [_number(v) for v in run["params"][k]][:3] for k in PARAM_NAMES}
            tracked = int(_number(run["tracked"])) if run.get("tracked") else None
            reference = next(s for s in call["seeds"] if s["seed"] == seed)
            errors = [_number(e) for e in (reference["errors"] if tracked else run["epoch_errors"])]
            update = "yours" if run.get("update") == "yours" else "the grader's"
        except (KeyError, TypeError, ValueError, IndexError, StopIteration):
            runs.append(None)
            continue
        runs.append(RecordedRun(n, seed, rows, params, tracked, errors, update))
    return runs


def explanation_outputs(call, explanation, student):
    """The outputs of the recorded cell: per run, a heading, the table, the plots, captions.

    ``call`` is the "explain" call (``grader_tests/<a>/probes.py``) and ``explanation`` the
    harness's reply, plain data from the sandbox read by ``read_runs`` (numbers only), and
    the student's error text goes into plain-text output, never into markdown.
    """
    if not explanation.get("ok"):
        return [
            _markdown_output(
                "**Recorded by the grader.** Your XOR run could not be "
                "reproduced in the grader's sandbox:"
            ),
            nbformat.v4.new_output(
                "stream", name="stdout", text=f"{explanation.get('error') or 'no reason given'}\n"
            ),
        ]
    value = explanation.get("value") or {}
    outputs = []
    runs = value.get("runs") or []
    for run in read_runs(call, explanation):
        if run is None:
            outputs.append(
                _markdown_output(
                    "**Recorded by the grader.** The sandbox's record of "
                    "this run could not be read."
                )
            )
            continue
        n, seed, rows, tracked = run.attempt, run.seed, run.rows, run.tracked
        update = "their sgd_update" if run.update == "yours" else "the grader's update"
        attempt = "SEED" if n == 0 else f"student_seed(STUDENT_ID, attempt={n})"
        why = "" if n == 0 else ", because the run before it did not compute XOR"
        how = (
            f"followed a correct implementation's run to within {call['track_atol']:g} for "
            f"the first {int(tracked)} epochs, so the rest is that run's (the student's "
            f"`xor_forward` at its final parameters gives the table)"
            if tracked
            else f"were trained for all {int(call['epochs'])} epochs"
        )
        outputs.append(
            _markdown_output(
                f"**Recorded by the grader** (not the student's saved output): the student's own "
                f"`xor_forward` and `xor_grads`, with {update}, from {attempt} = {seed}{why} "
                f"(`student_seed({student!r}, attempt={n})`, the seed the notebook prints for this "
                f"student id); they {how}. `explain_xor` on the result:"
            )
        )
        outputs.append(
            nbformat.v4.new_output(
                "stream", name="stdout", text=_explain_text(run.params, rows) + "\n"
            )
        )
        outputs += [
            _figure_output(_explain_figure(rows)),
            _markdown_output(
                f"*Left: the hidden activation h on each pattern (on above the dashed 0.5 line). "
                f"Right: the four terms of net_y per pattern and their sum (black dot); the output is "
                f"on where the sum is above 0. From the grader's rerun with seed {seed}.*"
            ),
        ]
        every = int(call.get("errors_every", 1))
        sampled = f" (one epoch in {every}, a plot's worth)" if every > 1 else ""
        outputs += [
            _figure_output(_curve_figure(run.errors, seed, every)),
            _markdown_output(
                f"*The summed squared error of each epoch of the same run (seed {seed}){sampled}: "
                "the curve the student's notebook draws under Problem 4 when it runs with this seed"
                + (", as a correct implementation's run gives it" if tracked else "")
                + ".*"
            ),
        ]
    last = runs[-1] if runs and isinstance(runs[-1], dict) else None
    if last and not last.get("tracked") and len(runs) < len(call["seeds"]):
        outputs.append(
            _markdown_output(
                "*This run did not follow a correct implementation's, so the grader replayed it "
                "once, from SEED: the notebook's further attempts "
                "(`student_seed(STUDENT_ID, attempt=1)`, ...) were not rerun.*"
            )
        )
    if value.get("note"):
        outputs.append(
            nbformat.v4.new_output("stream", name="stdout", text=f"note: {value['note']}\n")
        )
    return outputs


def _number(v):
    """A float from the sandbox's data, or ValueError (a string, a list, a bool...)."""
    if type(v) not in (int, float):
        raise ValueError(f"not a number: {type(v).__name__}")
    return float(v)


def _explain_text(params, rows):
    from byhand.explain import explain_text

    return explain_text(params, rows)


def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _explain_figure(rows):
    _agg()
    from byhand.explain import plot_explanation

    return plot_explanation(rows, show=False)


def _curve_figure(errors, seed, errors_every):
    _agg()
    from byhand.plotting import plot_epoch_errors

    finite = [e if math.isfinite(e) else float("nan") for e in errors]
    return plot_epoch_errors(
        {"XOR network": finite},
        f"One hidden unit learning XOR (seed {seed})",
        show=False,
        errors_every=errors_every,
    )


def _figure_output(fig, dpi=80):
    plt = _agg()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return nbformat.v4.new_output(
        "display_data",
        data={"image/png": base64.b64encode(buf.getvalue()).decode(), "text/plain": "<Figure>"},
    )


def _markdown_output(text):
    return nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": text})


def _curve_output(curves):
    """A PNG of the student's epoch-error curves from the grader's starts, beside the reference."""
    png = _curve_png(
        tuple(
            (tuple(c.epoch_errors), c.errors_every, tuple(c.reference_errors or ())) for c in curves
        )
    )
    return nbformat.v4.new_output("display_data", data={"image/png": png})


@functools.lru_cache(maxsize=8)
def _curve_png(curves):
    """The base64 PNG of ``((epoch_errors, errors_every, reference_errors), ...)``.  Kept:
    every correct answer trains from the same starts to the same curves, so a worker draws
    that picture once.

    The reference is a correct run's, computed by the assignment's hidden code (the call's
    ``reference_errors``), drawn as far as the student's run got; the grader's own code
    holds no closed-form gradient, and taking them by autograd was a second of CPU in every
    grading process."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from byhand.training import recorded_epochs

    fig, ax = plt.subplots(figsize=(6, 3.2))
    for n, (errors, every, reference) in enumerate(curves):
        epochs = recorded_epochs(len(errors), every)
        (line,) = ax.plot(epochs, errors, label=f"yours, start {n + 1}")
        if not reference:
            continue
        ref = reference[: len(errors)]
        ax.plot(
            recorded_epochs(len(ref), every),
            ref,
            ls="--",
            color=line.get_color(),
            label=f"reference, start {n + 1}",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("summed squared error")
    ax.set_ylim(bottom=0)
    ax.set_title("XOR training from the grader's starting points")
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()
