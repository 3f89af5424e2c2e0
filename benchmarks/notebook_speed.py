"""How long does Part B's solution take to run, and what would autograd on every step cost?

The original homework called ``loss.backward()`` on every training step beside
the manual gradient, to compare them.  This notebook compares where it teaches
(a few shown steps) and trains with the manual gradient alone.  In one run:

1. the whole solution notebook, executed top to bottom with nbclient
   (kernel start and ``import torch`` included), median of ``--repeats``;
2. the XOR training (8000 epochs, seed 0) the notebook's way, and the
   every-step way (forward with autograd, ``backward()``, the manual gradient,
   the update with the manual gradient), alternating, medians;
3. the ratio between the two.

Usage:  .venv/bin/python benchmarks/notebook_speed.py [--repeats 3]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import torch
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from byhand.data import X, Y_XOR  # noqa: E402
from byhand.training import epoch_orders, train  # noqa: E402
from byhand.xor import init_xor  # noqa: E402
from byhand_grader.course import Course  # noqa: E402

COURSE = Course(ROOT)

EPOCHS = 8000


def solution():
    from tests.conftest import solution_namespace

    return solution_namespace("partb", COURSE)


def notebook_seconds():
    nb = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        NotebookClient(
            nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": tmp}}
        ).execute()
        return time.perf_counter() - start


def ours(ns):
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    train(
        ns["xor_forward"],
        ns["xor_grads"],
        ns["sgd_update"],
        init_xor(gen),
        X,
        Y_XOR,
        alpha=0.05,
        epochs=EPOCHS,
        gen=gen,
    )
    return time.perf_counter() - start


def every_step(ns):
    """The original structure: autograd's gradient computed on every step, beside the manual one."""
    gen = torch.Generator().manual_seed(0)
    params = {k: v.clone().requires_grad_(True) for k, v in init_xor(gen).items()}
    orders = epoch_orders(gen, EPOCHS).tolist()
    start = time.perf_counter()
    for order in orders:
        for i in order:
            out = ns["xor_forward"](params, X[i])
            loss = ((out["yhat"] - Y_XOR[i]) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                manual = ns["xor_grads"](params, X[i], Y_XOR[i])
                for k, p in params.items():
                    p -= 0.05 * manual[k]
                    p.grad = None
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    ns = solution()
    nb_times = [notebook_seconds() for _ in range(args.repeats)]
    t_ours, t_every = [], []
    for _ in range(args.repeats):
        t_ours.append(ours(ns))
        t_every.append(every_step(ns))
    nb, o, e = statistics.median(nb_times), statistics.median(t_ours), statistics.median(t_every)
    print(
        f"Part B solution notebook, top to bottom (kernel start and import torch included): "
        f"{nb:.1f} s (median of {args.repeats}: {', '.join(f'{t:.1f}' for t in nb_times)})"
    )
    print(f"XOR training, 8000 epochs, the notebook's loop (manual gradient only): {o:.2f} s")
    print(f"XOR training, 8000 epochs, backward() on every step beside it:        {e:.2f} s")
    print(
        f"ratio every-step / notebook loop: {e / o:.1f}x ({e - o:.1f} s saved on the XOR "
        "part alone)"
    )


if __name__ == "__main__":
    main()
