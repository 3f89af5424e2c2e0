"""Screen the XOR starts the autograder trains a student's network from.

A correct Problem 4 implementation fails to learn XOR from about 1 random
start in 10 (course-spec, "What is known to go wrong"), so the grader does not
use random starts: it owns the initial parameters and the pattern orders
(a seed, drawn as ``init_xor(gen)`` then ``epoch_orders(gen, EPOCHS)``) and uses
only seeds on which the reference solves XOR *robustly*.

The check is short, to keep grading cheap (the student's own Python code
trains at about 60 us a step, so one run is most of a submission's grading time):
``EPOCHS`` = 1000 epochs, not the notebook's 8000, from the first ``K`` = 1
screened start; it passes when the student's run has every output within
``WITHIN`` = 0.5 of its target (solved: on the right side of 0.5) on at least
``REQUIRED`` = 1 of them.  The JSON carries these (``epochs``, ``k``,
``required``, ``within``, ``alpha``) for the grader to read.

Why one start, not 2 of 3?  Without assuming that a student's runs fail
independently, "at least m of K" fails a correct implementation with probability
at most ``K p / (K - m + 1)`` (Markov), ``p`` a run's failure rate: 1.5 p for 2 of
3, p for 1 of 1.  So one start gives the stronger assumption-free bound for the
same measured ``p`` at a third of the training; it still catches the same 8 of
the 9 bugs ``benchmarks/fairness.py`` runs (docs/grading/fairness.md says which).

Why 1000 epochs, not the 2000 it was?  Half the training is half of a correct
submission's grading in the harness, and what was measured at 2000 holds at 1000:
no false fail in 3,031,040 runs of correct variants from the grader's start (the
largest deviation from the reference 8.9e-6 against the tolerance 0.02) and the
same 8 of 9 bugs caught there (``benchmarks/fairness.py``).  Fewer epochs leave
fewer robust starts: the screen keeps 6.2% of candidates at 1000 epochs, 22% at
1500 and 40% at 2000, so it screens about 1300 candidates for its 64.

Why not "within 0.2"?  Almost no run is there yet: over candidates
100000..100511 the reference has every output within 0.2 on 0 of 512 at 1000,
1500 and 2000 epochs, 3 at 2500, 8% at 3000 and 36% at 4000 (83% at 8000).
At 1000 epochs 27% pass the screen with a margin of 0.5 (solved), 6.2% with
0.45.  So the check asks for "solved" and the screen keeps only starts the
reference solves with ``SCREEN_MARGIN`` = 0.45, i.e. a headroom of 0.05 (10x
``SCREEN_DEVIATION``) below the check's 0.5.
``python grader_tests/partb/xor_starts.py --rates 1000 1500 2000 --margin 0.2``
reproduces these rates.  A seed is robust when, at ``EPOCHS`` epochs:

* the reference (float32, the course's closed-form gradients from
  ``grader_tests/partb/reference_rules.py``) ends with every output within
  ``SCREEN_MARGIN`` of its target, and
* so does every perturbation in ``SCREEN_VARIANTS``, which model what a correct
  student implementation may legitimately do differently: float64, other
  algebraic forms of the same forward pass, gradient and update (other
  rounding), and a ~1e-6 jitter of the starting point (rounding differences
  accumulated anywhere); and
* each perturbation's final outputs stay within ``SCREEN_DEVIATION`` of the
  reference's, so a check that compares a student's outputs with the
  reference's (``reference_yhat`` in the JSON) has room to spare.

``python grader_tests/partb/xor_starts.py`` screens candidate seeds from
``FIRST_CANDIDATE`` upwards (away from the small seeds the notebooks use) and
writes the first ``N_STARTS`` robust ones to ``grader_tests/partb/xor_starts.json``,
with each start's initial parameters (to detect a changed random stream) and
the reference's final outputs.  Same torch, same bytes.
``python grader_tests/partb/xor_starts.py --rates 1500 2000`` only prints the
screen's pass rate at those epoch counts (how E was chosen); ``--margin``
changes the screen margin for that.
``benchmarks/fairness.py`` measures how often correct and buggy variants
pass the check built on these starts.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
# so that `python grader_tests/partb/xor_starts.py` finds grader_tests
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from byhand.data import Y_XOR  # noqa: E402
from byhand_grader.simulate import (  # noqa: E402
    ALPHA,
    draw_xor_starts,
    Rule,
    simulate_xor,
    xor_forward,
)
from grader_tests.partb.reference_rules import XOR_RULE  # noqa: E402  (closed form, grader-only)

JSON_PATH = Path(__file__).resolve().parent / "xor_starts.json"

#: The check (written into the JSON): train EPOCHS epochs from the first K starts,
#: pass when every output is within WITHIN of its target on at least REQUIRED of them.
EPOCHS = 1000
K = 1
REQUIRED = 1
WITHIN = 0.5

N_STARTS = 64
FIRST_CANDIDATE = 100_000
BLOCK = 128  # candidates screened per batch
SCREEN_MARGIN = 0.45  # every output within 0.45 of its target, in every variant
SCREEN_DEVIATION = 0.005  # every variant's outputs within 0.005 of the reference's
JITTER = 1e-6  # std of the start jitter (float32 spacing near 1 is 1.2e-7)
N_SCREEN_JITTERS = 4


# ---------------------------------------------------------------------------
# correct variants: same maths, other arithmetic


def forward_reordered(p, x0, x1):
    """The forward pass summed in another order, with ``g`` written out as ``1 / (1 + exp(-net))``."""
    net_h = p["b0"] + (p["w3"] * x0 + p["w4"] * x1)
    h = 1 / (1 + torch.exp(-net_h))
    net_y = (p["b1"] + p["w2"] * h) + (p["w0"] * x0 + p["w1"] * x1)
    yhat = 1 / (1 + torch.exp(-net_y))
    return {"net_h": net_h, "h": h, "net_y": net_y, "yhat": yhat}


def grads_expanded(p, f, x0, x1, y):
    """``d_y = 2 (yhat - y)(yhat - yhat^2)``, ``d_h = d_y (w2 (h - h^2))``: products grouped otherwise."""
    yhat, h = f["yhat"], f["h"]
    d_y = 2 * (yhat - y) * (yhat - yhat * yhat)
    d_h = d_y * (p["w2"] * (h - h * h))
    return {
        "w3": x0 * d_h,
        "w4": x1 * d_h,
        "b0": d_h,
        "w0": x0 * d_y,
        "w1": x1 * d_y,
        "w2": h * d_y,
        "b1": d_y,
    }


def grads_grouped(p, f, x0, x1, y):
    """``d_y = ((yhat - y) 2)(yhat (1 - yhat))``, ``d_h = (d_y w2 h)(1 - h)``."""
    yhat, h = f["yhat"], f["h"]
    d_y = ((yhat - y) * 2) * (yhat * (1 - yhat))
    d_h = (d_y * p["w2"] * h) * (1 - h)
    return {
        "w3": d_h * x0,
        "w4": d_h * x1,
        "b0": d_h,
        "w0": d_y * x0,
        "w1": d_y * x1,
        "w2": d_y * h,
        "b1": d_y,
    }


def update_fused(p, g, alpha):
    """``torch.add(param, grad, alpha=-alpha)``: one fused operation, other rounding."""
    return {k: torch.add(p[k], g[k], alpha=-alpha) for k in p}


RULE_EXPANDED = Rule(forward_reordered, grads_expanded)
RULE_GROUPED = Rule(xor_forward, grads_grouped, update_fused)


def jittered(params, gen, scale=JITTER):
    """The starting parameters plus Gaussian noise of std ``scale`` (float32)."""
    return {k: v + scale * torch.randn(v.shape, generator=gen) for k, v in params.items()}


#: name -> (rule, dtype, jitter seed or None).  The screen runs every one of them.
SCREEN_VARIANTS = {
    "float64": (XOR_RULE, torch.float64, None),
    "expanded_forms": (RULE_EXPANDED, torch.float32, None),
    "grouped_forms_fused_update": (RULE_GROUPED, torch.float32, None),
    **{f"jitter_{j}": (XOR_RULE, torch.float32, j) for j in range(N_SCREEN_JITTERS)},
}


def run_variant(params, orders, rule, dtype, jitter_seed, alpha=ALPHA):
    """Final outputs (N, 4), float64, of one variant from the given starts."""
    if jitter_seed is not None:
        params = jittered(params, torch.Generator().manual_seed(jitter_seed))
    return simulate_xor(params, orders, alpha, dtype, rule=rule)["yhat"].double()


def worst_error(yhat):
    """Largest ``|yhat - y|`` over the four patterns, per run."""
    return (yhat - Y_XOR.reshape(1, -1).double()).abs().max(dim=1).values


# ---------------------------------------------------------------------------
# the screen


def screen_block(seeds, epochs=EPOCHS, margin=SCREEN_MARGIN):
    """Screen some seeds; return one record per seed with its verdict and reason."""
    params, orders = draw_xor_starts(seeds, epochs)
    ref = run_variant(params, orders, XOR_RULE, torch.float32, None)
    ok = worst_error(ref) < margin
    reason = ["" if good else f"reference not within {margin:g}" for good in ok.tolist()]
    deviation = torch.zeros(len(seeds), dtype=torch.float64)
    for name, (rule, dtype, jitter_seed) in SCREEN_VARIANTS.items():
        yhat = run_variant(params, orders, rule, dtype, jitter_seed)
        dev = (yhat - ref).abs().max(dim=1).values
        deviation = torch.maximum(deviation, dev)
        bad = (worst_error(yhat) >= margin) | (dev >= SCREEN_DEVIATION)
        for i in torch.nonzero(ok & bad).flatten().tolist():
            reason[i] = (
                f"{name}: worst error {float(worst_error(yhat)[i]):.3f}, deviation {float(dev[i]):.2g}"
            )
        ok &= ~bad
    records = []
    for i, seed in enumerate(seeds):
        records.append(
            {
                "seed": int(seed),
                "robust": bool(ok[i]),
                "reason": reason[i],
                "init": {k: [round(v, 6) for v in params[k][i].tolist()] for k in params},
                "reference_yhat": [round(v, 6) for v in ref[i].tolist()],
                "reference_worst_error": round(float(worst_error(ref)[i]), 6),
                "max_variant_deviation": float(f"{float(deviation[i]):.3g}"),
            }
        )
    return records


def screen(
    n_starts=N_STARTS, first=FIRST_CANDIDATE, block=BLOCK, epochs=EPOCHS, margin=SCREEN_MARGIN
):
    """Screen candidates ``first, first + 1, ...`` until ``n_starts`` robust seeds are found."""
    kept, rejected, seed = [], [], first
    while len(kept) < n_starts:
        for rec in screen_block(range(seed, seed + block), epochs, margin):
            if rec["robust"] and len(kept) < n_starts:
                kept.append({k: v for k, v in rec.items() if k not in ("robust", "reason")})
            elif not rec["robust"]:
                rejected.append({"seed": rec["seed"], "reason": rec["reason"]})
        seed += block
    last = kept[-1]["seed"]
    rejected = [r for r in rejected if r["seed"] < last]
    return {
        "about": (
            "XOR starts for the autograder: seed s means gen = torch.Generator()."
            "manual_seed(s); params = byhand.xor.init_xor(gen); orders = "
            "byhand.training.epoch_orders(gen, epochs). Screened by "
            "grader_tests/partb/xor_starts.py; do not edit by hand."
        ),
        "alpha": ALPHA,
        "epochs": epochs,
        "k": K,
        "required": REQUIRED,
        "within": WITHIN,
        "criteria": {
            "screen_margin": margin,
            "screen_deviation": SCREEN_DEVIATION,
            "jitter": JITTER,
            "variants": ["reference_float32"] + list(SCREEN_VARIANTS),
        },
        "candidates": {
            "first": first,
            "last": last,
            "screened": last - first + 1,
            "kept": len(kept),
            "rejected": len(rejected),
            "pass_rate": round(len(kept) / (last - first + 1), 4),
        },
        "torch": torch.__version__.split("+")[0],
        "starts": kept,
        "rejected": rejected,
    }


def load_design(path=JSON_PATH):
    """The whole JSON: the check (``epochs``, ``k``, ``required``, ``within``, ``alpha``) and ``starts``."""
    return json.loads(Path(path).read_text())


def load_starts(path=JSON_PATH):
    """The screened starts as written by ``main``: a list of dicts with ``seed``, ``init``, ..."""
    return load_design(path)["starts"]


def pass_rate(epochs, n_candidates=256, first=FIRST_CANDIDATE, block=BLOCK, margin=SCREEN_MARGIN):
    """Fraction of the candidates ``first .. first + n_candidates - 1`` the screen keeps at ``epochs``."""
    kept = 0
    for lo in range(first, first + n_candidates, block):
        seeds = range(lo, min(lo + block, first + n_candidates))
        kept += sum(r["robust"] for r in screen_block(seeds, epochs, margin))
    return kept / n_candidates


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python grader_tests/partb/xor_starts.py",
        description="Screen the autograder's XOR starts.",
    )
    parser.add_argument(
        "json", nargs="?", default=str(JSON_PATH), help="where to write (default xor_starts.json)"
    )
    parser.add_argument(
        "--epochs", type=int, default=EPOCHS, help=f"epochs of the check (default {EPOCHS})"
    )
    parser.add_argument(
        "--rates",
        type=int,
        nargs="+",
        metavar="E",
        help="only print the screen's pass rate at these epoch counts",
    )
    parser.add_argument(
        "--candidates", type=int, default=512, help="candidates for --rates (default 512)"
    )
    parser.add_argument(
        "--margin",
        type=float,
        default=SCREEN_MARGIN,
        help=f"screen margin (default {SCREEN_MARGIN})",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # tiny ops: threads only add OpenMP waits on a busy machine
    t0 = time.perf_counter()
    if args.rates:
        for e in args.rates:
            r = pass_rate(e, args.candidates, margin=args.margin)
            print(
                f"{e} epochs, margin {args.margin:g}: screen keeps {r:.1%} of {args.candidates} candidates "
                f"({time.perf_counter() - t0:.0f} s)"
            )
        return
    result = screen(epochs=args.epochs, margin=args.margin)
    path = Path(args.json)
    path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    c = result["candidates"]
    print(
        f"kept {c['kept']} of {c['screened']} candidate seeds "
        f"({c['first']}..{c['last']}, pass rate {c['pass_rate']:.1%}); {c['rejected']} rejected; "
        f"{time.perf_counter() - t0:.1f} s; wrote {path}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
