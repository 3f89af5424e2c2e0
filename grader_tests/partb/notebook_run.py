"""A correct implementation's run of the notebook's XOR training, from a public seed, fast.

Grader-only (it holds the closed-form gradients).  The explain call
(``probes.explain_call``) carries, for each seed it asks about, a correct run's
parameters after ``track_epochs`` and at the end, and its epoch errors: the harness
then trains a student's functions only for ``track_epochs`` when they follow that run,
and the person grading Problem 5 still sees the student's whole curve.  The run is the
notebook's exactly (``init_xor`` then ``epoch_orders`` from one generator seeded with
``SEED``; per-pattern SGD; ``alpha``), on Python floats with the seven parameters
rounded to float32 after every step, as the notebook's float32 tensors are: 8000 epochs
take a tenth of a second (torch's per-operation overhead on these tiny tensors costs
seconds), and end within a few 1e-6 of the notebook's own run (unrounded float64 ends
some 1e-5 away, and moves the table's last digits more often).
"""

import math
import struct

import torch

from byhand.training import epoch_orders
from byhand.xor import init_xor

PATTERNS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
TARGETS = (0.0, 1.0, 1.0, 0.0)
#: Seven floats through float32 and back: the parameters as float32 tensors hold them.
_FLOAT32 = struct.Struct("7f")


def _g(z):
    """The logistic function, without overflow for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _params(w3, w4, b0, w0, w1, w2, b1):
    return {"w_34": [w3, w4], "b0": [b0], "w_012": [w0, w1, w2], "b1": [b1]}


def reference_run(seed, epochs, alpha, track_epochs):
    """``(params after track_epochs, final params, epoch errors)`` of a correct run from ``seed``."""
    gen = torch.Generator().manual_seed(int(seed))
    start = init_xor(gen)
    orders = epoch_orders(gen, epochs).tolist()
    (w3, w4), (b0,), (w0, w1, w2), (b1,) = (
        start[k].tolist() for k in ("w_34", "b0", "w_012", "b1")
    )
    a = struct.unpack("f", struct.pack("f", alpha))[0]
    pack, unpack = _FLOAT32.pack, _FLOAT32.unpack
    errors, tracked = [], None
    for epoch, order in enumerate(orders):
        if epoch == track_epochs:
            tracked = _params(w3, w4, b0, w0, w1, w2, b1)
        total = 0.0
        for i in order:
            (x0, x1), y = PATTERNS[i], TARGETS[i]
            h = _g(w3 * x0 + w4 * x1 + b0)
            yhat = _g(w0 * x0 + w1 * x1 + w2 * h + b1)
            total += (yhat - y) ** 2
            d_y = 2 * (yhat - y) * yhat * (1 - yhat)
            d_h = d_y * w2 * h * (1 - h)
            w3, w4, b0, w0, w1, w2, b1 = unpack(
                pack(
                    w3 - a * d_h * x0,
                    w4 - a * d_h * x1,
                    b0 - a * d_h,
                    w0 - a * d_y * x0,
                    w1 - a * d_y * x1,
                    w2 - a * d_y * h,
                    b1 - a * d_y,
                )
            )
        errors.append(total)
    final = _params(w3, w4, b0, w0, w1, w2, b1)
    return tracked or final, final, errors


def solves(params):
    """Does a network with these parameters put every output on the right side of 0.5?"""
    (w3, w4), (b0,), (w0, w1, w2), (b1,) = (params[k] for k in ("w_34", "b0", "w_012", "b1"))
    return all(
        abs(_g(w0 * x0 + w1 * x1 + w2 * _g(w3 * x0 + w4 * x1 + b0) + b1) - y) < 0.5
        for (x0, x1), y in zip(PATTERNS, TARGETS)
    )
