"""Are the class report's statistics right on classes small enough to compute by hand?"""

import math

import numpy as np
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.class_report import statistics
from byhand_grader.class_report.statistics import (
    check_stats,
    CheckStats,
    distributions,
    health,
    point_biserial,
    score_counts,
)

from ...repo import COURSE
from .synthetic import cell, student

PARTB = load_assignment(COURSE, "partb")


@pytest.mark.parametrize("seed", range(5))
def test_point_biserial_is_pearsons_correlation(seed):
    """Is the point-biserial formula the same number as numpy's corrcoef of the 0/1 column?"""
    rng = np.random.default_rng(seed)
    passed = rng.random(40) < 0.6
    rest = rng.normal(20, 6, 40) + 5 * passed
    r, why = point_biserial(list(passed), list(rest))
    assert why is None
    assert r == pytest.approx(np.corrcoef(passed.astype(float), rest)[0, 1], abs=1e-12)


def test_point_biserial_by_hand():
    """Two of four pass, rests 3 and 1 against 2 and 0: r = 1 / sqrt(5)."""
    r, _ = point_biserial([True, True, False, False], [3, 1, 2, 0])
    assert r == pytest.approx(1 / math.sqrt(5))
    # swapping who passed flips the sign: the formula does not ignore which group is which
    assert point_biserial([False, False, True, True], [3, 1, 2, 0])[0] == pytest.approx(-r)


@pytest.mark.parametrize(
    "passed, rest, words",
    [
        ([True] * 4, [1, 2, 3, 4], "every student passed it"),
        ([False] * 4, [1, 2, 3, 4], "every student failed it"),
        ([True, False, True, False], [5, 5, 5, 5], "the rest of the total is the same"),
    ],
)
def test_undefined_correlation_says_why(passed, rest, words):
    """A constant column has no correlation: None and a sentence, never nan."""
    r, why = point_biserial(passed, rest)
    assert r is None and words in why
    with np.errstate(all="ignore"):  # numpy's answer here is nan, which the page must not show
        assert np.isnan(np.corrcoef(np.array(passed, float), rest)[0, 1])


def _xor_cell(a, b):
    """p4_xor_forward_values (3 points) with its two checks."""
    return cell("p4_xor_forward_values", 3, {"test_a": a, "test_b": b})


def _p2(score_checks):
    return cell("p2_sgd_update_steps_against_gradient", 5, score_checks)


def test_difficulty_and_corrected_discrimination_by_hand():
    """Is the rest of the total the total without the check's own points, and is the
    difficulty the share that passes?"""
    # four students; test_a is worth 3 / 2 = 1.5 points when passed
    results = [
        student("s1", _xor_cell(True, True), _p2({"u": True})),  # total 8
        student("s2", _xor_cell(True, False), _p2({"u": False})),  # total 1.5
        student("s3", _xor_cell(False, True), _p2({"u": True})),  # total 6.5
        student("s4", _xor_cell(False, False), _p2({"u": False})),  # total 0
    ]
    stats = {(s.grade_id, s.name): s for s in check_stats(results, PARTB)}
    a = stats["p4_xor_forward_values", "test_a"]
    assert (a.students, a.passed, a.difficulty) == (4, 2, 0.5)
    rest = [8 - 1.5, 1.5 - 1.5, 6.5, 0]
    expected = np.corrcoef([1, 1, 0, 0], rest)[0, 1]
    assert a.discrimination == pytest.approx(expected)
    # the uncorrected total gives another number: the correction is really applied
    uncorrected = np.corrcoef([1, 1, 0, 0], [8, 1.5, 6.5, 0])[0, 1]
    assert abs(uncorrected - expected) > 0.05
    # the checks come in the description's order (P2's cell before P4's)
    assert [k[0] for k in stats][0] == "p2_sgd_update_steps_against_gradient"


def test_checks_of_unread_submissions_are_left_out():
    """An ungradable or missing submission ran no check: it is not in a check's population."""
    results = [
        student("s1", _xor_cell(True, False)),
        student("s2", _xor_cell(False, False)),
        student("s3", cell("p4_xor_forward_values", 3, {}), status="ungradable"),
        student("s4", status="missing"),
    ]
    (a, b) = check_stats(results, PARTB)
    assert a.students == b.students == 2 and b.undefined == "undefined: every student failed it"


def _stat(n, passed, r=0.5, failing_others=(0, 0)):
    return CheckStats("p4_xor_forward_values", "test_a", n, passed, r, None, failing_others)


def test_health_nearly_all_fail():
    """Is a check that a tenth or fewer pass flagged, and one a fifth pass not?"""
    assert any("almost everyone fails" in w for w in health(_stat(10, 1)))
    assert any("almost everyone fails" in w for w in health(_stat(10, 0, r=None)))
    assert not any("almost everyone fails" in w for w in health(_stat(10, 2)))


def test_health_passes_while_failing_others():
    """Is a check passed by nearly all, even by those who fail its cell's other checks,
    flagged, and an easy check that those students fail not?"""
    flagged = health(_stat(10, 10, r=None, failing_others=(5, 5)))
    assert any("even 5 of the 5 students who fail" in w for w in flagged)
    assert health(_stat(10, 9, failing_others=(2, 1))) == []  # easy, but they fail it
    assert health(_stat(10, 10, r=None, failing_others=(0, 0))) == []  # nobody failing others


def test_health_low_discrimination():
    """Is a correlation near zero or negative flagged (with different words), and a
    positive one not?"""
    assert any("near zero" in w for w in health(_stat(20, 10, r=0.05)))
    assert any("do better on the rest fail it" in w for w in health(_stat(20, 10, r=-0.4)))
    assert health(_stat(20, 10, r=statistics.LOW_DISCRIMINATION)) == []
    assert health(_stat(20, 10, r=0.6)) == []


def test_health_not_judged_on_few_students():
    """Below MIN_STUDENTS no rule fires, however bad the numbers look."""
    n = statistics.MIN_STUDENTS - 1
    assert health(_stat(n, 0, r=-0.9)) == []
    assert health(_stat(statistics.MIN_STUDENTS, 0, r=-0.9)) != []


def test_a_check_that_accepts_nothing_is_flagged():
    """A class where one check fails for everyone (and its sibling separates students):
    only that check gets the warning."""
    results = [
        student(f"s{i:02}", _xor_cell(i % 3 != 0, False), _p2({"u": i % 2 == 0})) for i in range(12)
    ]
    stats = {s.name: s for s in check_stats(results, PARTB)}
    assert any("almost everyone fails" in w for w in stats["test_b"].health)
    assert stats["test_b"].undefined == "undefined: every student failed it"
    assert not any("almost everyone fails" in w for w in stats["test_a"].health)


def test_score_distributions():
    """Does each problem count its students per score, and a problem of several cells
    show each cell as well?"""
    results = [
        student("s1", _xor_cell(True, True)),
        student("s2", _xor_cell(True, False)),
        student("s3", _xor_cell(True, False)),
        student("s4", status="missing"),
    ]
    dists = {d.part: d for d in distributions(results, PARTB)}
    assert dists["P4"].counts == {1.5: 2, 3.0: 1} and dists["P4"].points == 3
    assert dists["p4_xor_forward_values"].kind == "grade cell"
    assert dists["P5"].pending == 3 and dists["P5"].counts == {}
    assert score_counts([5, 0, 5.0, 0.001]) == {0.0: 2, 5.0: 2}


def test_a_broken_check_does_not_make_its_sibling_look_lenient():
    """With test_b failing for everyone, nobody counts as failing "the others" because of
    it: test_a, passed by most, gets no warning of its own."""
    results = [student(f"s{i:02}", _xor_cell(i != 0, False)) for i in range(12)]
    stats = {s.name: s for s in check_stats(results, PARTB)}
    assert stats["test_a"].failing_others == (0, 0)
    assert stats["test_a"].health == [] and stats["test_b"].health != []
