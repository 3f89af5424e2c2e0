"""Does ``benchmarks/fairness.py`` compute its false-fail bound the way the docs say?

The claim of docs/measurements.md (a correct implementation fails the XOR check with
probability at most 1e-6) rests on three pieces of this script: the
one-sided Clopper-Pearson bound, the Markov bound for "at least m of K", and
counts that do not depend on how many processes ran the trials.
"""

import importlib
import math
import sys

import pytest

from ..repo import REPO


@pytest.fixture(scope="module")
def fairness():
    # importable by name, so that its spawned worker processes can import it too
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        yield importlib.import_module("fairness")
    finally:
        sys.path.remove(str(REPO / "benchmarks"))


def _binomial_cdf(f, n, p):
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(f + 1))


@pytest.mark.parametrize("failures, trials", [(0, 20), (0, 3_031_040), (1, 50), (3, 200)])
def test_upper_bound_is_clopper_pearson(fairness, failures, trials):
    """Is p_u the rate at which seeing so few failures has probability exactly 5%?"""
    p_u = fairness.upper95(failures, trials)
    if failures == 0:  # closed form: (1 - p)^T = 0.05
        assert p_u == pytest.approx(1 - 0.05 ** (1 / trials), rel=1e-6)
    else:
        assert _binomial_cdf(failures, trials, p_u) == pytest.approx(0.05, rel=1e-6)


def test_the_readme_figure_follows_from_the_count(fairness):
    """0 failures in 3,031,040 runs on the grader's start: is K p_u / (K - m + 1) (Markov,
    here 1 of 1: p_u itself) at most 1e-6?"""
    p_u = fairness.upper95(0, 3_031_040)
    markov = fairness.DESIGN["k"] * p_u / (fairness.DESIGN["k"] - fairness.DESIGN["required"] + 1)
    assert (fairness.DESIGN["k"], fairness.DESIGN["required"]) == (1, 1)
    assert markov == p_u and markov <= 1e-6
    assert fairness.check_false_fail(p_u, 3, 2) == pytest.approx(3 * p_u**2 * (1 - p_u) + p_u**3)
    assert fairness.check_false_fail(p_u, 1, 1) == pytest.approx(p_u)


def test_workers_split_the_same_trials(fairness):
    """Do two worker processes count exactly what one process counts for the same batches?"""
    starts = fairness.DESIGN["starts"]
    trials = 2 * fairness.REPLICAS * len(starts)  # two batches
    one = fairness.run_trials_parallel(starts, None, trials, True, 1)
    two = fairness.run_trials_parallel(starts, None, trials, True, 2)
    assert one[0] == two[0] and one[1] == two[1]
    assert sum(s["trials"] for s in one[1].values()) == trials
