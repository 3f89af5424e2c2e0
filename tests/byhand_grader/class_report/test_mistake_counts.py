"""Does the report count the class's mistakes by code, once per student, in the right order?"""

import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.class_report.mistake_counts import count_mistakes, graded_submissions
from byhand_grader.mistakes import OTHER

from ...repo import COURSE
from .synthetic import cell, student

PARTB = load_assignment(COURSE, "partb")
FOUR = ("random", "saturated", "target", "zero_input")


def _grads(grade_id, points, passed, codes):
    return cell(grade_id, points, {f"t[{g}]": passed for g in FOUR}, codes)


def _class():
    return [
        # the factor 2 missing in P1 and in P4: one student, counted once, in two problems
        student(
            "ada",
            _grads("p1_logistic_grads_match_autograd", 10, False, ("factor-2-missing",)),
            _grads("p4_xor_grads_match_autograd", 8, False, ("factor-2-missing",)),
        ),
        # opposite sign in P3, one check unexplained
        student(
            "bob",
            cell(
                "p3_tanh_grads_match_autograd",
                5,
                {"t[random]": False, "t[saturated]": False},
                {"t[random]": ("opposite-sign",), "t[saturated]": (OTHER,)},
            ),
        ),
        # the factor 2 again, beside the opposite sign in the same failure
        student(
            "cy",
            _grads(
                "p1_logistic_grads_match_autograd", 10, False, ("factor-2-missing", "opposite-sign")
            ),
        ),
        student("dee", _grads("p1_logistic_grads_match_autograd", 10, True, ())),
        # a code the catalogue does not (yet) list
        student("eve", _grads("p1_logistic_grads_match_autograd", 10, False, ("made-up",))),
        student("fay", status="ungradable"),
        student(
            "gus",
            _grads("p1_logistic_grads_match_autograd", 10, False, ("factor-2-missing",)),
            status="missing",
        ),
    ]


def test_counts_shares_and_where():
    """Is each code counted once per student, with its share of the graded submissions
    and the problems it was made in?"""
    results = _class()
    assert graded_submissions(results) == ["ada", "bob", "cy", "dee", "eve", "fay"]
    found = {m.code: m for m in count_mistakes(results, PARTB)}
    factor = found["factor-2-missing"]
    assert factor.students == ["ada", "cy"]  # gus is missing: not counted
    assert factor.share == pytest.approx(2 / 6)
    assert factor.where == {"P1": 2, "P4": 1}
    assert found["opposite-sign"].students == ["bob", "cy"]
    assert found[OTHER].students == ["bob"] and found[OTHER].where == {"P3": 1}
    assert found["made-up"].students == ["eve"]
    assert "not in the catalogue" in found["made-up"].name
    assert found["factor-2-missing"].hint == PARTB.mistakes.hint("factor-2-missing")
    # every catalogued code is listed, the ones nobody made with no students
    assert found["update-adds"].count == 0
    assert set(found) == {m.code for m in PARTB.mistakes} | {OTHER, "made-up"}


def test_order_most_students_first_then_catalogue():
    """Most students first; ties in the catalogue's order, then other, then unknown codes."""
    order = [m.code for m in count_mistakes(_class(), PARTB)]
    assert order[:2] == ["factor-2-missing", "opposite-sign"]  # 2 each, catalogue order
    assert order[2:4] == [OTHER, "made-up"]  # 1 each
    zero = [m.code for m in PARTB.mistakes if m.code not in ("factor-2-missing", "opposite-sign")]
    assert order[4:] == zero


def test_examples_prefer_an_answer_with_only_that_mistake():
    """Is the answer shown for a code one whose cell carried that code alone, before one
    that mixes it with another (whoever comes first by name)?"""
    p1 = "p1_logistic_grads_match_autograd"
    results = [
        student("amy", _grads(p1, 10, False, ("factor-2-missing", "opposite-sign"))),
        student("zed", _grads(p1, 10, False, ("factor-2-missing",))),
    ]
    found = {m.code: m for m in count_mistakes(results, PARTB)}
    assert found["factor-2-missing"].examples[0] == ("zed", p1)
    assert found["factor-2-missing"].examples[1:] == [("amy", p1)]  # once per cell
    assert found["opposite-sign"].examples[0] == ("amy", p1)


def test_codes_come_from_the_data_not_the_sentences():
    """A failure whose message names a mistake but whose codes say other counts as other."""
    r = student(
        "hal",
        _grads("p1_logistic_grads_match_autograd", 10, False, (OTHER,)),
    )
    r.cells[0].failures[0].message = "the factor 2 is missing"
    found = {m.code: m for m in count_mistakes([r], PARTB)}
    assert found["factor-2-missing"].count == 0 and found[OTHER].count == 1
