"""Success rates with 95% Wilson intervals, and how long the successes took.

A sweep gives, for each setting, ``k`` successes out of ``n`` seeds.  The rate
``k / n`` alone hides how sure we are; the Wilson score interval is the set of
true rates ``p`` for which ``k / n`` is not surprising,

    |k/n - p| <= z sqrt(p (1 - p) / n),      z = 1.96 for 95%,

solved for ``p`` (a quadratic).  Unlike ``k/n +- z sqrt(phat (1 - phat) / n)`` it
stays inside [0, 1] and does not collapse to a point when ``k = 0`` or ``k = n``.
"""

import math
from dataclasses import dataclass

import torch

#: The normal quantile for a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(k, n, z=Z95):
    """The Wilson score interval ``(lo, hi)`` for ``k`` successes in ``n`` trials.

    lo, hi = (phat + z^2/(2n) -+ z sqrt(phat (1 - phat)/n + z^2/(4 n^2))) / (1 + z^2/n)
    """
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n > 0; got k = {k}, n = {n}")
    phat = k / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else min(phat, centre - half)  # exact ends, no rounding past phat
    hi = 1.0 if k == n else max(phat, centre + half)
    return lo, hi


@dataclass(frozen=True)
class Rate:
    """``k`` successes out of ``n``, with the 95% Wilson interval ``[lo, hi]``."""

    k: int
    n: int

    @property
    def p(self):
        return self.k / self.n

    @property
    def interval(self):
        return wilson(self.k, self.n)

    @property
    def lo(self):
        return self.interval[0]

    @property
    def hi(self):
        return self.interval[1]

    def __str__(self):
        lo, hi = self.interval
        return f"{100 * self.p:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] ({self.k}/{self.n})"


def rate(flags):
    """The ``Rate`` of a bool tensor (one flag per seed)."""
    flags = torch.as_tensor(flags).bool().flatten()
    return Rate(int(flags.sum()), flags.numel())


def compare(a, b):
    """``"higher"``, ``"lower"`` or ``"no clear difference"``: ``a``'s interval against ``b``'s.

    A deliberately plain rule for prose: only intervals that do not overlap
    count as a difference.
    """
    if a.lo > b.hi:
        return "higher"
    if a.hi < b.lo:
        return "lower"
    return "no clear difference"


def epochs_summary(first_epochs):
    """``(reached, median, q1, q3)`` of the epochs at which seeds first got there.

    ``first_epochs`` holds one entry per seed, ``-1`` for "never"; the quartiles
    are over the seeds that did get there (``None`` when none did).
    """
    first = torch.as_tensor(first_epochs).flatten()
    got = first[first >= 0].double()
    if got.numel() == 0:
        return Rate(0, first.numel()), None, None, None
    q1, med, q3 = torch.quantile(got, torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)).tolist()
    return Rate(got.numel(), first.numel()), med, q1, q3
