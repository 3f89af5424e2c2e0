"""How did an XOR run end: solved, slow, or stuck?  And how often does each happen?

A correct implementation still fails to learn XOR from some random starts
(course-spec).  ``describe_xor_run`` tells a student which case their run is
and what to try; ``show_luck`` prints the rates measured over many seeded runs
by the instructor's ``byhand luck`` (stored in ``byhand/luck_results.json``), so
the notebook's "about one run in ten" is a number the repo produces, not a quote.
``classify_runs`` holds the definitions both use.
"""

import json
from pathlib import Path

import torch

from .data import PATTERNS, Y_XOR

LUCK_RESULTS = Path(__file__).with_name("luck_results.json")

#: The thresholds behind ``classify_runs`` (see its docstring).
SOLVED_MARGIN = 0.5
SLOW_BAND = 0.2  # slow: every output within 0.2 of 0.5
STUCK_ERROR = 0.9  # stuck: some pattern wrong by more than 0.9


def classify_runs(yhat, targets=Y_XOR):
    """Sort runs by outcome from their final outputs ``yhat`` (N, 4) on 00, 01, 10, 11.

    Definitions (course-spec, "What is known to go wrong"); ``err = |yhat - y|``:

    * ``solved``: every output within 0.5 of its target (on the right side of 0.5);
      ``within_0.2`` and ``within_0.1``: every output within that distance.
    * ``stuck``: not solved, and some pattern is *confidently wrong*:
      ``err > 0.9``, so ``yhat (1 - yhat) < 0.09`` there (measured: 1e-4 to
      2e-3, the output is 0.000 or 1.000) and the gradient through that output
      is nearly gone.  These runs sit in a saturated flat region and more
      epochs do not rescue them (the CLI measures it,
      ``solved_after_more_epochs``).  Course-spec names the patterns 01, 10
      and 11; measured, 00 (output 1.000 there) also occurs, about 1 stuck
      run in 40, with the same behaviour, so it counts as stuck too
      (``stuck_pattern`` in the CLI's results gives the split).
    * ``slow``: not solved, not stuck, and every output within 0.2 of 0.5
      (measured: within 0.11), so the epoch error is near 4 x 0.25 = 1.0: the
      plateau at the start of training that the run has not yet left; most
      solve given 4x the epochs.  (A stuck run's epoch error is *also* near
      1.0, one pattern wrong by 1, so the epoch error alone cannot tell slow
      from stuck; the outputs can.)
    * ``other``: unsolved runs that are neither (part-way off the plateau).

    Returns a dict of boolean ``(N,)`` masks; ``slow``, ``stuck`` and ``other``
    partition the unsolved runs.
    """
    y = targets.reshape(1, -1).to(yhat.dtype)
    err = (yhat - y).abs()
    worst = err.max(dim=1).values
    solved = worst < SOLVED_MARGIN
    stuck = ~solved & (err > STUCK_ERROR).any(dim=1)
    slow = ~solved & ~stuck & ((yhat - 0.5).abs() < SLOW_BAND).all(dim=1)
    return {
        "solved": solved,
        "within_0.2": worst < 0.2,
        "within_0.1": worst < 0.1,
        "unsolved": ~solved,
        "slow": slow,
        "stuck": stuck,
        "other": ~solved & ~slow & ~stuck,
    }


def xor_outcome(yhat, y=None):
    """``"solved"``, ``"slow"``, ``"stuck"`` or ``"other"`` for final outputs ``yhat`` (4, 1).

    The definitions are ``classify_runs``'s, the ones the measured rates use,
    so a student's run is named exactly as the statistics name it.
    """
    y = Y_XOR if y is None else y
    masks = classify_runs(torch.as_tensor(yhat, dtype=torch.float64).reshape(1, -1), y)
    for name in ("solved", "stuck", "slow"):
        if bool(masks[name][0]):
            return name
    return "other"


def describe_xor_run(run, y=None):
    """Print what happened in an XOR run and what to try next; return the outcome."""
    y = Y_XOR if y is None else y
    outcome = xor_outcome(run.yhat, y)
    err = (run.yhat.flatten() - y.flatten()).abs()
    last = run.epoch_errors[-1]
    if outcome == "solved":
        print(
            f"solved: every output is on the right side of 0.5 (worst error "
            f"{float(err.max()):.3f}; last epoch error {last:.3f})."
        )
    elif outcome == "stuck":
        bad = [PATTERNS[i] for i in range(len(err)) if err[i] > STUCK_ERROR]
        print(
            f"stuck: pattern(s) {', '.join(bad)} confidently wrong (error above "
            f"{STUCK_ERROR}). There the logistic slope yhat(1 - yhat) is nearly 0, so "
            "the gradient is too; more epochs will not help. If your gradient checks "
            "pass, this is an unlucky start: try another SEED."
        )
    else:
        print(
            f"{outcome}: not solved yet, but no output is confidently wrong (last epoch "
            f"error {last:.3f}). Runs like this usually solve XOR with more epochs: "
            "try EPOCHS_XOR = 32000, or another SEED."
        )
    return outcome


def load_luck(path=LUCK_RESULTS):
    """The stored simulation results (a dict), as written by ``byhand luck``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def show_luck(path=LUCK_RESULTS):
    """Print how often a correct implementation ends solved, slow or stuck on XOR.

    The rates come with 95% Wilson intervals, and the slow and stuck runs are
    followed for 4x more epochs, which is what tells them apart.
    """
    xor = load_luck(path)["xor"]
    out, more = xor["outcomes"], xor["solved_after_more_epochs"]
    n = out["solved"]["runs"]
    print(
        f"{n} seeded runs of a correct implementation, {xor['epochs']} epochs, "
        f"alpha = {xor['alpha']}:"
    )
    rows = (
        ("solved", "solved: every output within 0.5 of its target"),
        ("within_0.2", "  ... and every output within 0.2"),
        ("within_0.1", "  ... and every output within 0.1"),
        ("slow", "slow: undecided, every output near 0.5"),
        ("stuck", "stuck: an output confidently wrong"),
    )
    for key, label in rows:
        r = out[key]
        lo, hi = r["wilson95"]
        print(
            f"  {label:<48}{100 * r['rate']:6.1f}%   (95% interval {100 * lo:.1f} to "
            f"{100 * hi:.1f}%)"
        )
    print(
        f"given {more['epochs']} epochs instead, {100 * more['slow']['rate']:.0f}% of the slow "
        f"runs solve XOR, and {100 * more['stuck']['rate']:.0f}% of the stuck ones."
    )
