"""How did an XOR run end: solved, slow, or stuck?  And how often does each happen?

A correct implementation still fails to learn XOR from some random starts
(course-spec).  ``describe_xor_run`` tells a student which case their run is
and what to try; ``show_luck`` prints the rates measured over many seeded runs
by ``python -m byhand.luck`` (stored in ``byhand/luck_results.json``), so the
notebook's "about one run in ten" is a number the repo produces, not a quote.
"""

import json
from pathlib import Path

import torch

#: Solved: every output on the right side of 0.5, i.e. within 0.5 of its target.
SOLVED_WITHIN = 0.5
#: Stuck: some output is confidently wrong, this far or more from its target; there
#: yhat (1 - yhat) < 0.1 and the error surface is flat, so training crawls.
STUCK_WRONG_BY = 0.9

LUCK_RESULTS = Path(__file__).with_name("luck_results.json")


def xor_outcome(yhat, y):
    """``"solved"``, ``"stuck"`` or ``"slow"`` for final outputs ``yhat`` (4, 1) against ``y``."""
    err = (torch.as_tensor(yhat).flatten() - torch.as_tensor(y).flatten()).abs()
    if bool((err < SOLVED_WITHIN).all()):
        return "solved"
    if bool((err >= STUCK_WRONG_BY).any()):
        return "stuck"
    return "slow"


def describe_xor_run(run, y=None):
    """Print what happened in an XOR run and what to try next; return the outcome."""
    from .data import PATTERNS, Y_XOR
    y = Y_XOR if y is None else y
    outcome = xor_outcome(run.yhat, y)
    err = (run.yhat.flatten() - y.flatten()).abs()
    last = run.epoch_errors[-1]
    if outcome == "solved":
        print(f"solved: every output is on the right side of 0.5 (worst error "
              f"{float(err.max()):.3f}; last epoch error {last:.3f}).")
    elif outcome == "stuck":
        bad = [PATTERNS[i] for i in range(len(err)) if err[i] >= STUCK_WRONG_BY]
        print(f"stuck: pattern(s) {', '.join(bad)} confidently wrong (error above "
              f"{STUCK_WRONG_BY}). There the logistic slope yhat(1 - yhat) is nearly 0, so "
              "the gradient is too; more epochs will not help. If your gradient checks "
              "pass, this is an unlucky start: try another SEED.")
    else:
        print(f"slow: not solved yet, but no output is confidently wrong (last epoch "
              f"error {last:.3f}). Runs like this usually solve XOR with more epochs: "
              "try EPOCHS_XOR = 32000, or another SEED.")
    return outcome


def load_luck(path=LUCK_RESULTS):
    """The stored simulation results (a dict), as written by ``python -m byhand.luck``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def show_luck(path=LUCK_RESULTS):
    """Print how often a correct implementation ends solved, slow or stuck on XOR."""
    xor = load_luck(path)["xor"]
    n = xor["runs"]
    print(f"{n} seeded runs of a correct implementation, {xor['epochs']} epochs, "
          f"alpha = {xor['alpha']}:")
    for key, label in (("solved", "solved (every output within 0.5 of its target)"),
                       ("within_0.2", "every output within 0.2"),
                       ("within_0.1", "every output within 0.1"),
                       ("slow", "not solved, slow (no output confidently wrong)"),
                       ("stuck", "not solved, stuck (an output confidently wrong)")):
        rate = xor[key]
        print(f"  {label:<50} {100 * rate:5.1f}%  (about 1 run in {1 / rate:.0f})"
              if rate > 0 else f"  {label:<50}   0.0%")
