"""The reference run's epoch-error curve from a given seed, for feedback plots.

A student's XOR training from one of the grader's starts is plotted beside a
correct implementation's run from the same start (same initial parameters,
same pattern order), so a student sees *where* their run departs.
"""

import functools

from .simulate import draw_xor_starts, simulate_xor


@functools.lru_cache(maxsize=256)
def reference_curve(seed, epochs):
    """Summed squared error per epoch of the reference XOR run with this seed (a tuple)."""
    params, orders = draw_xor_starts([seed], epochs)
    out = simulate_xor(params, orders, record_errors=True)
    return tuple(out["epoch_errors"][0].tolist())
