"""How often does a correct implementation get lucky?  Many seeded runs at once.

The course's numbers about luck (how many XOR runs are solved after 8000
epochs, how many are slow or stuck, which hidden-unit family a solved run
finds, how thin the single neuron's margins are) must come from code, not from
memory.  Simulating 20,000 runs one pattern at a time in Python would take
hours, so this module trains N runs at once: every parameter is an ``(N, k)``
tensor, the gradients come from autograd through the forward pass (the
closed-form ones, the answers to Problems 1, 3 and 4, are not in this package:
they live in the grader-only ``grader_tests/reference_rules.py``), and each
run visits the patterns in its own order.

A run with seed ``s`` is exactly the run the notebook makes::

    gen = torch.Generator().manual_seed(s)
    params = init_xor(gen)              # or init_neuron(gen) for Problems 1 and 3
    orders = epoch_orders(gen, epochs)  # then train(...) visits patterns in this order

``draw_xor_starts`` / ``draw_neuron_starts`` draw every seed with its own
generator in that order, so run ``i`` of a batch reproduces seed ``seeds[i]``
bit for bit in its random numbers; only the float rounding of the batched
arithmetic can differ from a per-seed loop (about 1e-7 per step).

Because ``epoch_orders`` draws all epochs from one ``torch.rand`` call, the
first ``E`` epochs of a longer draw are the orders of an ``E``-epoch run: a
32000-epoch run is the 8000-epoch run continued.

Batched rules.  A *rule* is the batched twin of the course's contract
(``forward``, ``grads``, ``update``), acting on a dict of ``(N,)`` columns
named like the maths (``w3, w4, b0, w0, w1, w2, b1`` for the XOR network,
``w0, w1, b`` for the neuron) and on one pattern per run, ``x0, x1, y`` of
shape ``(N,)``.  ``XOR_RULE``, ``LOGISTIC_RULE`` and ``TANH_RULE`` are the
course's reference, built by ``autograd_rule`` from the forward passes alone
(the course's loss, differentiated by autograd); the grader passes its
closed-form rules and their variants (other algebraic forms, float64, known
bugs) through the same simulator.

Command line: ``python -m byhand.luck --runs 20000 --seed-start 0`` prints the
rates with 95% Wilson intervals and writes ``byhand/luck_results.json``
(sorted keys, rounded, no timestamps) for the notebook prose to quote.
"""

import argparse
import json
import math
import time
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import torch

from .data import PATTERNS, X, Y_OR, Y_XOR
from .explain import FAMILIES
from .neuron import init_neuron
from .training import epoch_orders
from .xor import init_xor

#: Where the CLI writes its results by default.
RESULTS_PATH = Path(__file__).resolve().parent / "luck_results.json"

#: The course's training settings (course-spec, "Training procedure").
ALPHA = 0.05
XOR_EPOCHS = 8000
NEURON_EPOCHS = 5000

#: Column names of the batched XOR parameters and where they sit in the course dict.
XOR_COLUMNS = {"w_34": ("w3", "w4"), "b0": ("b0",), "w_012": ("w0", "w1", "w2"), "b1": ("b1",)}
NEURON_COLUMNS = {"w": ("w0", "w1"), "b": ("b",)}

#: Names of the eight hidden-unit families, in the order the tables list them
#: (``FAMILIES`` maps the on/off pattern over 00, 01, 10, 11 to these names).
FAMILY_NAMES = tuple(FAMILIES.values())

#: The thresholds behind ``classify_runs`` (see its docstring).
SOLVED_MARGIN = 0.5
SLOW_BAND = 0.2        # slow: every output within 0.2 of 0.5
STUCK_ERROR = 0.9      # stuck: some pattern wrong by more than 0.9


# ---------------------------------------------------------------------------
# drawing the starts

def draw_xor_starts(seeds, epochs=XOR_EPOCHS):
    """Initial parameters and pattern orders of the XOR runs with these seeds.

    Each seed gets its own ``torch.Generator``, draws ``init_xor`` first and
    then ``epoch_orders`` from the same generator: exactly the stream of a
    single notebook run, so run ``i`` here *is* seed ``seeds[i]`` there.

    Returns:
        ``(params, orders)``: ``params`` keyed like the course
        (``w_34`` (N, 2), ``b0`` (N, 1), ``w_012`` (N, 3), ``b1`` (N, 1),
        float32) and ``orders`` (N, epochs, 4), ``uint8`` to keep 20,000 runs
        of 8000 epochs in 640 MB rather than 5 GB.
    """
    return _draw(seeds, epochs, init_xor)


def draw_neuron_starts(seeds, epochs=NEURON_EPOCHS):
    """Like ``draw_xor_starts`` for the single neuron: ``init_neuron`` then the orders.

    Returns ``(params, orders)`` with ``w`` (N, 2), ``b`` (N, 1) and orders (N, epochs, 4).
    """
    return _draw(seeds, epochs, init_neuron)


def _draw(seeds, epochs, init):
    seeds = [int(s) for s in seeds]
    starts, orders = [], torch.empty((len(seeds), epochs, 4), dtype=torch.uint8)
    for i, seed in enumerate(seeds):
        gen = torch.Generator().manual_seed(seed)
        starts.append(init(gen))
        orders[i] = epoch_orders(gen, epochs)
    params = {name: torch.stack([p[name] for p in starts]) for name in starts[0]} if seeds else {}
    return params, orders


# ---------------------------------------------------------------------------
# batched rules: the course's forward passes on (N,) columns, gradients by autograd

class Rule(NamedTuple):
    """A batched training rule, the twin of the course's (forward, grads, update).

    ``forward(p, x0, x1) -> dict`` with ``"yhat"`` (and ``"h"`` for the XOR
    network); ``grads(p, f, x0, x1, y) -> dict`` keyed like ``p``, where ``f`` is
    what ``forward`` returned for the same pattern; ``update(p, g, alpha) ->
    dict``.  Every value is an ``(N,)`` column: one pattern per run.
    ``autograd_rule(forward)`` builds a rule from a forward pass alone.
    """

    forward: Callable
    grads: Callable
    update: Optional[Callable] = None


def sgd_update(p, g, alpha):
    """``param <- param - alpha * dE/dparam`` for every column."""
    return {k: p[k] - alpha * g[k] for k in p}


def xor_forward(p, x0, x1):
    """``net_h = w3 x0 + w4 x1 + b0``, ``h = g(net_h)``, ``net_y = w0 x0 + w1 x1 + w2 h + b1``,
    ``yhat = g(net_y)``, with ``g`` the logistic function; every value (N,)."""
    net_h = p["w3"] * x0 + p["w4"] * x1 + p["b0"]
    h = torch.sigmoid(net_h)
    net_y = p["w0"] * x0 + p["w1"] * x1 + p["w2"] * h + p["b1"]
    yhat = torch.sigmoid(net_y)
    return {"net_h": net_h, "h": h, "net_y": net_y, "yhat": yhat}


def logistic_forward(p, x0, x1):
    """``net = w0 x0 + w1 x1 + b``, ``yhat = 1 / (1 + exp(-net))`` (Problem 1)."""
    net = p["w0"] * x0 + p["w1"] * x1 + p["b"]
    return {"net": net, "yhat": torch.sigmoid(net)}


def tanh_forward(p, x0, x1):
    """``net = w0 x0 + w1 x1 + b``, ``yhat = tanh(net)`` (Problem 3)."""
    net = p["w0"] * x0 + p["w1"] * x1 + p["b"]
    return {"net": net, "yhat": torch.tanh(net)}


#: Where an ``autograd_rule``'s forward keeps the leaves its graph starts from.
_LEAVES = "_leaves"


def autograd_rule(forward, update=None):
    """A ``Rule`` whose gradients come from autograd through ``forward``.

    ``forward(p, x0, x1)`` is a plain batched forward pass (like ``xor_forward``).
    The rule's forward runs it with gradients on, from fresh leaves (the ``(N,)``
    columns, detached); its ``grads`` differentiate ``sum_i (yhat_i - y_i)^2``
    with respect to those leaves.  The runs are independent (run ``i``'s loss
    depends only on run ``i``'s parameters), so the gradient of the sum with
    respect to column entry ``i`` is run ``i``'s own ``dE/dparam``.  This is the
    course's loss, ``E = (yhat - y)^2``; it agrees with the closed-form
    gradients (kept out of this package, in ``grader_tests/reference_rules.py``)
    to float rounding.
    """
    def fwd(p, x0, x1):
        with torch.enable_grad():
            leaves = {k: v.detach().requires_grad_(True) for k, v in p.items()}
            f = forward(leaves, x0, x1)
        return {**f, _LEAVES: leaves}

    def grads(p, f, x0, x1, y):
        leaves = f[_LEAVES]
        with torch.enable_grad():
            loss = ((f["yhat"] - y) ** 2).sum()
            g = torch.autograd.grad(loss, list(leaves.values()))
        return dict(zip(leaves, g))

    return Rule(fwd, grads, update)


#: The course's networks, gradients by autograd (``autograd_rule``).
XOR_RULE = autograd_rule(xor_forward)
LOGISTIC_RULE = autograd_rule(logistic_forward)
TANH_RULE = autograd_rule(tanh_forward)
NEURON_RULES = {"logistic": LOGISTIC_RULE, "tanh": TANH_RULE}


# ---------------------------------------------------------------------------
# the batched simulator

def to_columns(params, columns, dtype=torch.float32):
    """Course-shaped ``(N, k)`` parameters -> dict of contiguous ``(N,)`` columns."""
    return {col: params[name][:, j].to(dtype).contiguous()
            for name, cols in columns.items() for j, col in enumerate(cols)}


def from_columns(p, columns):
    """The inverse of ``to_columns``: dict of ``(N, k)`` tensors keyed like the course."""
    return {name: torch.stack([p[c] for c in cols], dim=1) for name, cols in columns.items()}


def simulate(params, orders, rule, columns, targets, alpha=ALPHA, dtype=torch.float32,
             record_errors=False):
    """Per-pattern SGD for N runs at once; the engine behind ``simulate_xor``/``simulate_neuron``.

    Step ``t`` of run ``i`` trains on pattern ``orders[i, epoch, position]``,
    exactly as ``byhand.training.train`` does for one run, with the error of
    each pattern measured before its update (as ``train`` records it).

    Args:
        params: course-shaped ``(N, k)`` tensors.
        orders: ``(N, epochs, 4)`` pattern indices into ``byhand.data.X``.
        rule: a ``Rule`` (the reference or a variant).
        columns: ``XOR_COLUMNS`` or ``NEURON_COLUMNS``.
        targets: ``(4, 1)`` or ``(4,)`` targets, e.g. ``Y_XOR``.
        alpha: learning rate.
        dtype: float32 (the course) or float64.
        record_errors: keep every epoch's summed error, ``(N, epochs)``; off by
            default because 20,000 runs x 8000 epochs is 640 MB.

    Returns:
        dict with ``params`` (final, course-shaped, ``dtype``), ``yhat`` (N, 4)
        and, for the XOR network, ``h`` (N, 4) on the patterns 00, 01, 10, 11;
        ``last_error`` (N,): the summed error of the last epoch; and
        ``epoch_errors`` (N, epochs) when asked for.
    """
    n, epochs, _ = orders.shape
    update = rule.update or sgd_update
    p = to_columns(params, columns, dtype)
    x0_of, x1_of = X[:, 0].to(dtype), X[:, 1].to(dtype)
    y_of = targets.reshape(-1).to(dtype)
    history = torch.empty((n, epochs), dtype=dtype) if record_errors else None
    err = torch.zeros(n, dtype=dtype)
    by_epoch = orders.permute(1, 2, 0).contiguous()           # (epochs, 4, N)
    with torch.no_grad():
        for epoch in range(epochs):
            idx = by_epoch[epoch].long().view(-1)             # (4 N,): position-major
            # index_select, not x0_of[idx]: advanced indexing is ~1000x slower here
            x0s, x1s, ys = (torch.index_select(t, 0, idx).view(4, n) for t in (x0_of, x1_of, y_of))
            track = history is not None or epoch == epochs - 1
            err = torch.zeros(n, dtype=dtype) if track else err
            for k in range(4):
                x0, x1, y = x0s[k], x1s[k], ys[k]
                f = rule.forward(p, x0, x1)
                p = update(p, rule.grads(p, f, x0, x1, y), alpha)
                if track:
                    err += (f["yhat"].detach() - y) ** 2
            if history is not None:
                history[:, epoch] = err
        final = [rule.forward(p, x0_of[i].expand(n), x1_of[i].expand(n)) for i in range(4)]
    out = {"params": from_columns({k: v.detach() for k, v in p.items()}, columns),
           "yhat": torch.stack([f["yhat"].detach() for f in final], dim=1),
           "last_error": err}
    if "h" in final[0]:
        out["h"] = torch.stack([f["h"].detach() for f in final], dim=1)
    if history is not None:
        out["epoch_errors"] = history
    return out


def simulate_xor(params, orders, alpha=ALPHA, dtype=torch.float32, record_errors=False,
                 rule=XOR_RULE):
    """Train N XOR networks (Problem 4) at once; see ``simulate`` for the result.

    ``params`` and ``orders`` come from ``draw_xor_starts``; ``rule`` defaults
    to the course's reference and is the hook for variants.
    """
    return simulate(params, orders, rule, XOR_COLUMNS, Y_XOR, alpha, dtype, record_errors)


def simulate_neuron(params, orders, activation="logistic", alpha=ALPHA, dtype=torch.float32,
                    record_errors=False, rule=None):
    """Train N single neurons on OR (Problem 1: ``"logistic"``, Problem 3: ``"tanh"``).

    ``rule`` defaults to ``NEURON_RULES[activation]`` (autograd) and is the hook
    for variants.
    """
    rule = NEURON_RULES[activation] if rule is None else rule
    return simulate(params, orders, rule, NEURON_COLUMNS, Y_OR, alpha, dtype, record_errors)


# ---------------------------------------------------------------------------
# classifying the outcomes

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
    return {"solved": solved, "within_0.2": worst < 0.2, "within_0.1": worst < 0.1,
            "unsolved": ~solved, "slow": slow, "stuck": stuck,
            "other": ~solved & ~slow & ~stuck}


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
    h = torch.sigmoid(X.to(w_34.dtype) @ w_34.t() + b0)        # (4, N)
    return [FAMILIES.get(tuple(int(v) for v in on), "none") for on in (h > 0.5).t().tolist()]


def wilson(k, n, z=1.96):
    """The 95% Wilson score interval ``(low, high)`` for ``k`` successes in ``n`` trials."""
    if n == 0:
        return (0.0, 1.0)
    phat = k / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


# ---------------------------------------------------------------------------
# the measurement behind the course's numbers

def _rate(k, n):
    low, high = wilson(k, n)
    return {"count": int(k), "runs": int(n), "rate": round(k / n, 5) if n else None,
            "wilson95": [round(low, 5), round(high, 5)]}


def measure_xor(seeds, epochs=XOR_EPOCHS, alpha=ALPHA, chunk=5000, extra_factor=4):
    """Outcome rates of the XOR runs with these seeds, and the families of the solved ones.

    Runs in chunks of ``chunk`` seeds to bound memory.  The unsolved runs are
    then trained on to ``extra_factor x epochs`` epochs (same seed, same order
    stream continued) to check which of them are slow and which stuck.
    """
    seeds = list(seeds)
    masks, families, unsolved, stuck_at = {}, [], [], []
    for lo in range(0, len(seeds), chunk):
        part = seeds[lo:lo + chunk]
        params, orders = draw_xor_starts(part, epochs)
        res = simulate_xor(params, orders, alpha)
        m = classify_runs(res["yhat"])
        wrong = (res["yhat"] - Y_XOR.reshape(1, -1)).abs() > STUCK_ERROR
        stuck_at += [i for row, st in zip(wrong.tolist(), m["stuck"].tolist()) if st
                     for i, w in enumerate(row) if w]
        for key, v in m.items():
            masks.setdefault(key, []).append(v)
        fam = hidden_families(res["params"])
        families += [f for f, ok in zip(fam, m["solved"].tolist()) if ok]
        unsolved += [(s, "slow" if sl else "stuck" if st else "other")
                     for s, sl, st, ok in zip(part, m["slow"].tolist(), m["stuck"].tolist(),
                                              m["solved"].tolist()) if not ok]
    masks = {k: torch.cat(v) for k, v in masks.items()}
    n = len(seeds)
    out = {"epochs": epochs, "alpha": alpha,
           "outcomes": {k: _rate(int(v.sum()), n) for k, v in masks.items()}}
    n_solved = int(masks["solved"].sum())
    out["unsolved_split"] = {k: _rate(int(masks[k].sum()), n - n_solved)
                             for k in ("slow", "stuck", "other")}
    n_stuck = int(masks["stuck"].sum())
    out["stuck_pattern"] = {name: _rate(stuck_at.count(i), n_stuck) for i, name in enumerate(PATTERNS)}
    out["families_of_solved"] = {name: _rate(families.count(name), n_solved)
                                 for name in FAMILY_NAMES + ("none",)}
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
        params, orders = draw_neuron_starts(seeds[lo:lo + chunk], epochs)
        yhat = simulate_neuron(params, orders, activation, alpha)["yhat"]
        err = (yhat - Y_OR.reshape(1, -1)).abs()
        w, a = err.max(dim=1)
        worst.append(w)
        at.append(a)
    worst, at = torch.cat(worst).double(), torch.cat(at)
    n = len(seeds)
    qs = (0.0, 0.01, 0.5, 0.99, 1.0)
    quant = torch.quantile(worst, torch.tensor(qs, dtype=torch.float64)).tolist()
    return {"epochs": epochs, "alpha": alpha, "activation": activation,
            "failed": _rate(int((worst >= SOLVED_MARGIN).sum()), n),
            "worst_error_above_0.1": _rate(int((worst >= 0.1).sum()), n),
            "worst_error_quantiles": {f"q{q:g}": round(v, 4) for q, v in zip(qs, quant)},
            "worst_pattern": {name: _rate(int((at == i).sum()), n) for i, name in enumerate(PATTERNS)}}


def measure(runs=20000, seed_start=0, chunk=5000, xor_epochs=XOR_EPOCHS,
            neuron_epochs=NEURON_EPOCHS):
    """Everything the CLI reports: XOR (Problem 4) and the neurons (Problems 1 and 3)."""
    seeds = range(seed_start, seed_start + runs)
    return {"settings": {"runs": runs, "seed_start": seed_start, "dtype": "float32",
                         "torch": torch.__version__.split("+")[0],
                         "init": "init_xor / init_neuron, then epoch_orders, one generator per seed"},
            "xor": measure_xor(seeds, xor_epochs, chunk=chunk),
            "logistic_neuron": measure_neuron(seeds, "logistic", neuron_epochs, chunk=chunk),
            "tanh_neuron": measure_neuron(seeds, "tanh", neuron_epochs, chunk=chunk)}


def format_table(results):
    """A plain-text table of the rates in ``results`` (the output of ``measure``)."""
    def row(label, r):
        lo, hi = r["wilson95"]
        rate = f"{100 * r['rate']:>7.2f}%" if r["runs"] else f"{'-':>8}"
        return f"  {label:<34}{r['count']:>7} /{r['runs']:>6}  {rate}   [{100 * lo:.2f}, {100 * hi:.2f}]%"
    s = results["settings"]
    x = results["xor"]
    lines = [f"seeds {s['seed_start']}..{s['seed_start'] + s['runs'] - 1}, float32, torch {s['torch']}",
             f"{'':<36}{'count':>7}  {'runs':>5}  {'rate':>8}   95% Wilson",
             f"XOR network, {x['epochs']} epochs, alpha {x['alpha']}:"]
    lines += [row(k, x["outcomes"][k]) for k in ("solved", "within_0.2", "within_0.1", "unsolved")]
    lines += ["unsolved runs split into:"] + [row(k, x["unsolved_split"][k]) for k in ("slow", "stuck", "other")]
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
        lines += [row("failed (an output off by >= 0.5)", r["failed"]),
                  row("worst error >= 0.1", r["worst_error_above_0.1"]),
                  "  worst error quantiles: " + ", ".join(f"{k} {v:.4f}" for k, v in q.items())]
        lines += [row(f"worst error at pattern {k}", v) for k, v in r["worst_pattern"].items() if v["count"]]
    return "\n".join(lines)


def write_json(results, path):
    """Write ``results`` with sorted keys and a final newline: same numbers, same bytes."""
    Path(path).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m byhand.luck",
        description="Measure, over many seeded runs, how often the course's networks learn.")
    parser.add_argument("--runs", type=int, default=20000, help="number of seeds (default 20000)")
    parser.add_argument("--seed-start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--chunk", type=int, default=5000, help="runs simulated at once (default 5000)")
    parser.add_argument("--xor-epochs", type=int, default=XOR_EPOCHS,
                        help=f"epochs of the XOR runs (default {XOR_EPOCHS})")
    parser.add_argument("--neuron-epochs", type=int, default=NEURON_EPOCHS,
                        help=f"epochs of the neuron runs (default {NEURON_EPOCHS})")
    parser.add_argument("--json", default=str(RESULTS_PATH),
                        help=f"where to write the results (default {RESULTS_PATH.name} in the package)")
    args = parser.parse_args(argv)
    start, cpu = time.perf_counter(), time.process_time()
    results = measure(args.runs, args.seed_start, args.chunk, args.xor_epochs, args.neuron_epochs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(format_table(results))
    print(f"run time {elapsed:.1f} s wall, {cpu:.1f} s CPU")
    write_json(results, args.json)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
