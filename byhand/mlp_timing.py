"""What one epoch costs: a hand-written numpy loop, torch autograd, and many networks at once.

For a network of a few dozen numbers, the arithmetic of an epoch is nothing;
what costs is the fixed price of every operation (a Python call, a dispatch, and
for autograd the recording and replaying of the graph).  The helpers here time
whole training runs, divide by the number of epochs, and interleave the
contenders repeat by repeat, so that a noisy shared machine slows them alike;
compare medians and ratios from one run, not absolute times between runs.
"""

import statistics
import time

import numpy as np
import torch

from .mlp import draw_nets, threads, train_many


def numpy_net(state):
    """A network as float64 numpy arrays, from ``Nets.state(i)`` (``nn.Sequential`` layout)."""
    return {k: v.detach().double().numpy().copy() for k, v in state.items()}


def manual_train(net, X, Y, lr, epochs, loss="sse"):
    """Full-batch gradient descent on one network, gradients written out by hand.

    The forum's numpy loop, and the same loop in torch without autograd.  The
    gradient of ``loss`` ("sse" or "half_sse") is written by hand:
    ``dL/dnet_y = c (yhat - y) yhat (1 - yhat)`` with ``c = 2`` for the summed
    squared error and ``c = 1`` for half of it (the numpy signal ``y - yhat``).

    Args:
        net: ``{"0.weight": (H, 2), "0.bias": (H,), "2.weight": (1, H), "2.bias": (1,)}``,
            all numpy arrays or all torch tensors (biases optional); not modified.
        X, Y: patterns (4, 2) and targets (4, 1), of the same kind as ``net``.
        lr: learning rate.  epochs: number of full-batch steps.

    Returns:
        ``(net, losses)``: the trained parameters and the loss before each step.
    """
    c = {"sse": 2.0, "half_sse": 1.0}[loss]
    if isinstance(net["0.weight"], np.ndarray):
        exp, copy, losses = np.exp, np.copy, np.empty(epochs)
    else:
        exp, copy, losses = torch.exp, torch.clone, torch.empty(epochs, dtype=net["0.weight"].dtype)
    W1, W2 = copy(net["0.weight"]), copy(net["2.weight"])
    has_bias = "0.bias" in net
    b1 = copy(net["0.bias"]) if has_bias else 0.0
    b2 = copy(net["2.bias"]) if has_bias else 0.0
    for t in range(epochs):
        h = 1.0 / (1.0 + exp(-(X @ W1.T + b1)))                  # (4, H)
        yhat = 1.0 / (1.0 + exp(-(h @ W2.T + b2)))               # (4, 1)
        err = yhat - Y
        losses[t] = (c / 2) * (err ** 2).sum()
        d_y = c * err * yhat * (1.0 - yhat)                      # dL/dnet_y (4, 1)
        d_h = (d_y @ W2) * h * (1.0 - h)                         # dL/dnet_h (4, H)
        W2 -= lr * (d_y.T @ h)
        W1 -= lr * (d_h.T @ X)
        if has_bias:
            b2 -= lr * d_y.sum(0)
            b1 -= lr * d_h.sum(0)
    out = {"0.weight": W1, "2.weight": W2}
    if has_bias:
        out.update({"0.bias": b1, "2.bias": b2})
    return out, losses


def time_per_epoch(contenders, epochs, repeats):
    """Seconds per epoch of each contender, ``repeats`` times, interleaved.

    Args:
        contenders: ``{name: run}`` where ``run(epochs)`` trains for that many epochs.
        epochs: epochs per timed run.  repeats: timed runs per contender.

    Returns:
        ``{name: [seconds per epoch, one per repeat]}``.  One untimed warm-up run
        of each contender comes first.
    """
    for run in contenders.values():
        run(min(epochs, 10))
    times = {name: [] for name in contenders}
    with threads(1):
        for _ in range(repeats):
            for name, run in contenders.items():
                start = time.perf_counter()
                run(epochs)
                times[name].append((time.perf_counter() - start) / epochs)
    return times


def medians(times):
    """``{name: median}`` of ``time_per_epoch``'s lists."""
    return {name: statistics.median(values) for name, values in times.items()}


def ratios(times, baseline):
    """``{name: median over repeats of (its time / baseline's time in the same repeat)}``."""
    base = times[baseline]
    return {name: statistics.median(v / b for v, b in zip(values, base))
            for name, values in times.items()}


def batched_run(n_nets, hidden=5, init="uniform01", bias=False, lr=1.0, seed0=0):
    """A contender for ``time_per_epoch``: ``n_nets`` networks trained at once by ``train_many``."""
    nets = draw_nets(hidden, init, bias, range(seed0, seed0 + n_nets))

    def run(epochs):
        train_many(nets, lr=lr, epochs=epochs)

    return run


def throughput(sizes, epochs, repeats, hidden=2):
    """Network-epochs per second of ``train_many`` for each batch size (median over repeats)."""
    contenders = {n: batched_run(n, hidden=hidden, init="default", bias=True) for n in sizes}
    times = medians(time_per_epoch(contenders, epochs, repeats))
    return {n: n / times[n] for n in sizes}
