"""What one epoch costs: a hand-written numpy loop, torch autograd, and many networks at once.

For a network of a few dozen numbers, the arithmetic of an epoch is nothing;
what costs is the fixed price of every operation (a Python call, a dispatch, and
for autograd the recording and replaying of the graph).  The helpers here time
whole training runs, divide by the number of epochs, and interleave the
contenders repeat by repeat, so that a noisy shared machine slows them alike;
compare medians and ratios from one run, not absolute times between runs.

The hand-written loop itself (the forum's numpy network, gradients written out)
is not in this package: it is a given, read-only cell of the ``xor_mlp``
notebook, and ``loop_contenders`` takes it as an argument.
"""

import statistics
import time

from .data import X, Y_XOR
from .mlp import draw_nets, threads, train_many


def numpy_net(state):
    """A network as float64 numpy arrays, from ``Nets.state(i)`` (``nn.Sequential`` layout)."""
    return {k: v.detach().double().numpy().copy() for k, v in state.items()}


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
    return {
        name: statistics.median(v / b for v, b in zip(values, base))
        for name, values in times.items()
    }


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


def loop_contenders(loop, hidden=5, init="uniform01", bias=False, seed=0, lr=1.0):
    """The given contenders of ``time_per_epoch`` for one network learning XOR.

    Args:
        loop: a hand-written training loop, ``loop(net, X, Y, lr, epochs)``, where
            ``net`` holds the parameters in ``Nets.state`` layout (``"0.weight"``,
            ``"2.weight"``, biases optional), all numpy arrays or all torch tensors,
            and ``X``, ``Y`` are of the same kind.
        hidden, init, bias, seed: the network, drawn by ``draw_nets`` for that seed.
        lr: learning rate of every contender.

    Returns:
        ``{name: run}``, ``run(epochs)`` training from the same start each time:
        ``loop`` on float64 numpy arrays (as in the thread), ``loop`` on float32
        torch tensors, and the engine ``train_many`` given that one network.
    """
    state = draw_nets(hidden, init, bias, [seed]).state(0)
    numpy_start = numpy_net(state)
    X64, Y64 = X.double().numpy(), Y_XOR.double().numpy()
    return {
        "numpy, hand-written gradients": lambda n: loop(numpy_start, X64, Y64, lr, n),
        "torch, hand-written gradients": lambda n: loop(state, X, Y_XOR, lr, n),
        "torch autograd, the engine with 1 network": batched_run(
            1, hidden=hidden, init=init, bias=bias, lr=lr, seed0=seed
        ),
    }
