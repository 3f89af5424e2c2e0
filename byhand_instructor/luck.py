"""Verb ``luck``: how often does a correct implementation get lucky?  Many seeded runs at once.

The course's numbers about luck (how many XOR runs are solved after 8000
epochs, how many are slow or stuck, which hidden-unit family a solved run
finds, how thin the single neuron's margins are) must come from code, not from
memory.  ``measure`` trains every seed at once with the grader's batched
reference simulator (``byhand_grader.simulate``), classifies the runs with the
student package's own definitions (``byhand.outcomes.classify_runs``, so a
student's run is named as the statistics name it) and gives every rate a 95%
Wilson interval (``byhand.mlp_stats.wilson``).

Command line: ``byhand luck --runs 20000 --seed-start 0`` prints the rates and
writes ``byhand/luck_results.json`` (sorted keys, rounded, no timestamps) for
the notebook prose to quote.
"""

import json
import time
from pathlib import Path

import torch

import byhand
from byhand.data import PATTERNS, X, Y_OR, Y_XOR
from byhand.explain import FAMILIES
from byhand.mlp_stats import wilson
from byhand.outcomes import classify_runs, SOLVED_MARGIN, STUCK_ERROR
from byhand_grader.simulate import (
    ALPHA,
    draw_neuron_starts,
    draw_xor_starts,
    NEURON_EPOCHS,
    simulate_neuron,
    simulate_xor,
    XOR_EPOCHS,
)

#: Where the CLI writes its results by default: beside the given code that quotes them.
RESULTS_PATH = Path(byhand.__file__).resolve().parent / "luck_results.json"

#: Names of the eight hidden-unit families, in the order the tables list them
#: (``FAMILIES`` maps the on/off pattern over 00, 01, 10, 11 to these names).
FAMILY_NAMES = tuple(FAMILIES.values())


def hidden_families(params):
    """The family of each run's hidden unit: where ``h > 0.5`` over 00, 01, 10, 11.

    ``params`` are course-shaped ``(N, k)`` tensors (e.g. ``simulate_xor(...)["params"]``).
    Returns a list of N names from ``FAMILY_NAMES`` (``byhand.explain.FAMILIES``),
    or ``"none"`` for an on/off pattern outside the eight.  A network whose
    hidden unit is constant or copies one input cannot compute XOR with a
    margin, but about 1 solved run in 500 has such a unit: measured, these are
    runs just leaving the plateau (every output within about 0.15 of 0.5, on
    the right side of it), whose hidden unit has not yet found its role.
    """
    w_34, b0 = params["w_34"], params["b0"][:, 0]
    h = torch.sigmoid(X.to(w_34.dtype) @ w_34.t() + b0)  # (4, N)
    return [FAMILIES.get(tuple(int(v) for v in on), "none") for on in (h > 0.5).t().tolist()]


# ---------------------------------------------------------------------------
# the measurement behind the course's numbers


def _rate(k, n):
    """``k`` of ``n`` as stored in the results; no runs (say, no stuck run to follow) is [0, 1]."""
    low, high = wilson(k, n) if n else (0.0, 1.0)
    return {
        "count": int(k),
        "runs": int(n),
        "rate": round(k / n, 5) if n else None,
        "wilson95": [round(low, 5), round(high, 5)],
    }


def measure_xor(seeds, epochs=XOR_EPOCHS, alpha=ALPHA, chunk=5000, extra_factor=4):
    """Outcome rates of the XOR runs with these seeds, and the families of the solved ones.

    Runs in chunks of ``chunk`` seeds to bound memory.  The unsolved runs are
    then trained on to ``extra_factor x epochs`` epochs (same seed, same order
    stream continued) to check which of them are slow and which stuck.
    """
    seeds = list(seeds)
    masks, families, unsolved, stuck_at = {}, [], [], []
    for lo in range(0, len(seeds), chunk):
        part = seeds[lo : lo + chunk]
        params, orders = draw_xor_starts(part, epochs)
        res = simulate_xor(params, orders, alpha)
        m = classify_runs(res["yhat"])
        wrong = (res["yhat"] - Y_XOR.reshape(1, -1)).abs() > STUCK_ERROR
        stuck_at += [
            i
            for row, st in zip(wrong.tolist(), m["stuck"].tolist())
            if st
            for i, w in enumerate(row)
            if w
        ]
        for key, v in m.items():
            masks.setdefault(key, []).append(v)
        fam = hidden_families(res["params"])
        families += [f for f, ok in zip(fam, m["solved"].tolist()) if ok]
        unsolved += [
            (s, "slow" if sl else "stuck" if st else "other")
            for s, sl, st, ok in zip(
                part, m["slow"].tolist(), m["stuck"].tolist(), m["solved"].tolist()
            )
            if not ok
        ]
    masks = {k: torch.cat(v) for k, v in masks.items()}
    n = len(seeds)
    out = {
        "epochs": epochs,
        "alpha": alpha,
        "outcomes": {k: _rate(int(v.sum()), n) for k, v in masks.items()},
    }
    n_solved = int(masks["solved"].sum())
    out["unsolved_split"] = {
        k: _rate(int(masks[k].sum()), n - n_solved) for k in ("slow", "stuck", "other")
    }
    n_stuck = int(masks["stuck"].sum())
    out["stuck_pattern"] = {
        name: _rate(stuck_at.count(i), n_stuck) for i, name in enumerate(PATTERNS)
    }
    out["families_of_solved"] = {
        name: _rate(families.count(name), n_solved) for name in FAMILY_NAMES + ("none",)
    }
    if extra_factor and unsolved:
        long_epochs = extra_factor * epochs
        params, orders = draw_xor_starts([s for s, _ in unsolved], long_epochs)
        solved_late = classify_runs(simulate_xor(params, orders, alpha)["yhat"])["solved"].tolist()
        out["solved_after_more_epochs"] = {"epochs": long_epochs}
        for kind in ("slow", "stuck", "other"):
            flags = [ok for (_, k), ok in zip(unsolved, solved_late) if k == kind]
            out["solved_after_more_epochs"][kind] = _rate(sum(flags), len(flags))
    return out


def measure_neuron(seeds, activation, epochs=NEURON_EPOCHS, alpha=ALPHA, chunk=20000):
    """Worst-output-error distribution and failure rate of the single neuron on OR."""
    seeds = list(seeds)
    worst, at = [], []
    for lo in range(0, len(seeds), chunk):
        params, orders = draw_neuron_starts(seeds[lo : lo + chunk], epochs)
        yhat = simulate_neuron(params, orders, activation, alpha)["yhat"]
        err = (yhat - Y_OR.reshape(1, -1)).abs()
        w, a = err.max(dim=1)
        worst.append(w)
        at.append(a)
    worst, at = torch.cat(worst).double(), torch.cat(at)
    n = len(seeds)
    qs = (0.0, 0.01, 0.5, 0.99, 1.0)
    quant = torch.quantile(worst, torch.tensor(qs, dtype=torch.float64)).tolist()
    return {
        "epochs": epochs,
        "alpha": alpha,
        "activation": activation,
        "failed": _rate(int((worst >= SOLVED_MARGIN).sum()), n),
        "worst_error_above_0.1": _rate(int((worst >= 0.1).sum()), n),
        "worst_error_quantiles": {f"q{q:g}": round(v, 4) for q, v in zip(qs, quant)},
        "worst_pattern": {name: _rate(int((at == i).sum()), n) for i, name in enumerate(PATTERNS)},
    }


def measure(
    runs=20000, seed_start=0, chunk=5000, xor_epochs=XOR_EPOCHS, neuron_epochs=NEURON_EPOCHS
):
    """Everything the CLI reports: XOR (Problem 4) and the neurons (Problems 1 and 3)."""
    seeds = range(seed_start, seed_start + runs)
    return {
        "settings": {
            "runs": runs,
            "seed_start": seed_start,
            "dtype": "float32",
            "torch": torch.__version__.split("+")[0],
            "init": "init_xor / init_neuron, then epoch_orders, one generator per seed",
        },
        "xor": measure_xor(seeds, xor_epochs, chunk=chunk),
        "logistic_neuron": measure_neuron(seeds, "logistic", neuron_epochs, chunk=chunk),
        "tanh_neuron": measure_neuron(seeds, "tanh", neuron_epochs, chunk=chunk),
    }


def format_table(results):
    """A plain-text table of the rates in ``results`` (the output of ``measure``)."""

    def row(label, r):
        lo, hi = r["wilson95"]
        rate = f"{100 * r['rate']:>7.2f}%" if r["runs"] else f"{'-':>8}"
        return f"  {label:<34}{r['count']:>7} /{r['runs']:>6}  {rate}   [{100 * lo:.2f}, {100 * hi:.2f}]%"

    s = results["settings"]
    x = results["xor"]
    lines = [
        f"seeds {s['seed_start']}..{s['seed_start'] + s['runs'] - 1}, float32, torch {s['torch']}",
        f"{'':<36}{'count':>7}  {'runs':>5}  {'rate':>8}   95% Wilson",
        f"XOR network, {x['epochs']} epochs, alpha {x['alpha']}:",
    ]
    lines += [row(k, x["outcomes"][k]) for k in ("solved", "within_0.2", "within_0.1", "unsolved")]
    lines += ["unsolved runs split into:"] + [
        row(k, x["unsolved_split"][k]) for k in ("slow", "stuck", "other")
    ]
    for k in ("slow", "stuck", "other"):
        lines.append(row(f"of all runs: {k}", x["outcomes"][k]))
    if "solved_after_more_epochs" in x:
        more = x["solved_after_more_epochs"]
        lines.append(f"unsolved runs solved by epoch {more['epochs']}:")
        lines += [row(k, more[k]) for k in ("slow", "stuck", "other") if more[k]["runs"]]
    lines.append("stuck runs: the confidently wrong pattern:")
    lines += [row(k, r) for k, r in x["stuck_pattern"].items()]
    lines.append("hidden-unit family of the solved runs:")
    lines += [row(name, r) for name, r in x["families_of_solved"].items()]
    for key in ("logistic_neuron", "tanh_neuron"):
        r = results[key]
        q = r["worst_error_quantiles"]
        lines.append(f"{r['activation']} neuron on OR, {r['epochs']} epochs:")
        lines += [
            row("failed (an output off by >= 0.5)", r["failed"]),
            row("worst error >= 0.1", r["worst_error_above_0.1"]),
            "  worst error quantiles: " + ", ".join(f"{k} {v:.4f}" for k, v in q.items()),
        ]
        lines += [
            row(f"worst error at pattern {k}", v)
            for k, v in r["worst_pattern"].items()
            if v["count"]
        ]
    return "\n".join(lines)


def write_json(results, path):
    """Write ``results`` with sorted keys and a final newline: same numbers, same bytes."""
    Path(path).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def add_arguments(parser):
    """The options of ``byhand luck`` (the CLI's parser is built from these)."""
    parser.add_argument("--runs", type=int, default=20000, help="number of seeds (default 20000)")
    parser.add_argument("--seed-start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument(
        "--chunk", type=int, default=5000, help="runs simulated at once (default 5000)"
    )
    parser.add_argument(
        "--xor-epochs",
        type=int,
        default=XOR_EPOCHS,
        help=f"epochs of the XOR runs (default {XOR_EPOCHS})",
    )
    parser.add_argument(
        "--neuron-epochs",
        type=int,
        default=NEURON_EPOCHS,
        help=f"epochs of the neuron runs (default {NEURON_EPOCHS})",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=RESULTS_PATH,
        help=f"where to write the results (default {RESULTS_PATH.name} in the "
        "byhand package, where the notebook reads it)",
    )
    return parser


def luck(args):
    """Measure, print the table and write the JSON (``args`` as ``add_arguments`` defines)."""
    start, cpu = time.perf_counter(), time.process_time()
    results = measure(args.runs, args.seed_start, args.chunk, args.xor_epochs, args.neuron_epochs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(format_table(results))
    print(f"run time {elapsed:.1f} s wall, {cpu:.1f} s CPU")
    write_json(results, args.json)
    print(f"wrote {args.json}")
    return results
