"""Train many XOR networks or neurons at once, with reference gradients from autograd.

The grader and the instructor's luck measurement need thousands of seeded runs
of a *correct* implementation: the grader to screen its XOR starting points,
``byhand luck`` to measure how often a correct implementation is lucky.  One
pattern at a time in Python that would take hours, so this module trains N runs
at once: every parameter is an ``(N, k)`` tensor, the gradients come from
autograd through the forward pass, and each run visits the patterns in its own
order.

This is grader-side code: its batched forward passes are Problem 4's and the
neurons' in column form, so it is not part of the student package ``byhand``.
The closed-form gradients (the answers to Problems 1, 3 and 4) are not here
either: they live in the grader-only ``grader_tests/partb/reference_rules.py``.

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
"""

from typing import Callable, NamedTuple, Optional

import torch

from byhand.data import X, Y_OR, Y_XOR
from byhand.neuron import init_neuron
from byhand.training import epoch_orders
from byhand.xor import init_xor

#: The course's training settings (course-spec, "Training procedure").
ALPHA = 0.05
XOR_EPOCHS = 8000
NEURON_EPOCHS = 5000

#: Column names of the batched XOR parameters and where they sit in the course dict.
XOR_COLUMNS = {"w_34": ("w3", "w4"), "b0": ("b0",), "w_012": ("w0", "w1", "w2"), "b1": ("b1",)}
NEURON_COLUMNS = {"w": ("w0", "w1"), "b": ("b",)}


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
    gradients (kept out of this package, in ``grader_tests/partb/reference_rules.py``)
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
    return {
        col: params[name][:, j].to(dtype).contiguous()
        for name, cols in columns.items()
        for j, col in enumerate(cols)
    }


def from_columns(p, columns):
    """The inverse of ``to_columns``: dict of ``(N, k)`` tensors keyed like the course."""
    return {name: torch.stack([p[c] for c in cols], dim=1) for name, cols in columns.items()}


def simulate(
    params, orders, rule, columns, targets, alpha=ALPHA, dtype=torch.float32, record_errors=False
):
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
    by_epoch = orders.permute(1, 2, 0).contiguous()  # (epochs, 4, N)
    with torch.no_grad():
        for epoch in range(epochs):
            idx = by_epoch[epoch].long().view(-1)  # (4 N,): position-major
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
    out = {
        "params": from_columns({k: v.detach() for k, v in p.items()}, columns),
        "yhat": torch.stack([f["yhat"].detach() for f in final], dim=1),
        "last_error": err,
    }
    if "h" in final[0]:
        out["h"] = torch.stack([f["h"].detach() for f in final], dim=1)
    if history is not None:
        out["epoch_errors"] = history
    return out


def simulate_xor(
    params, orders, alpha=ALPHA, dtype=torch.float32, record_errors=False, rule=XOR_RULE
):
    """Train N XOR networks (Problem 4) at once; see ``simulate`` for the result.

    ``params`` and ``orders`` come from ``draw_xor_starts``; ``rule`` defaults
    to the course's reference and is the hook for variants.
    """
    return simulate(params, orders, rule, XOR_COLUMNS, Y_XOR, alpha, dtype, record_errors)


def simulate_neuron(
    params,
    orders,
    activation="logistic",
    alpha=ALPHA,
    dtype=torch.float32,
    record_errors=False,
    rule=None,
):
    """Train N single neurons on OR (Problem 1: ``"logistic"``, Problem 3: ``"tanh"``).

    ``rule`` defaults to ``NEURON_RULES[activation]`` (autograd) and is the hook
    for variants.
    """
    rule = NEURON_RULES[activation] if rule is None else rule
    return simulate(params, orders, rule, NEURON_COLUMNS, Y_OR, alpha, dtype, record_errors)
