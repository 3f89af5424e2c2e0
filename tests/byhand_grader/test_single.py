"""Does grading one submission for a platform name it and summarise it as the class grader would?

The grading itself (``grade_notebook``: a throwaway class folder graded by
``byhand_grader.grade.grade``) runs end to end in
``tests/byhand_instructor/test_gradescope.py`` and ``test_prairielearn.py``,
which compare every score with `byhand grade`'s.
"""

from byhand_grader.annotate import verdict_text
from byhand_grader.assignment import load_assignment
from byhand_grader.judge import Failure
from byhand_grader.platforms.single import student_id, summary_text
from byhand_grader.results import CellGrade

from ..repo import COURSE


def test_platform_ids_become_folder_safe_student_ids():
    """Is a platform's user id usable as an nbgrader student folder, and kept when it already is?"""
    assert student_id(1204) == "1204"
    assert student_id("variant-77") == "variant-77"
    assert student_id("../../etc/passwd") == "etc_passwd"
    assert student_id("a b/c") == "a_b_c"
    assert student_id("") == "student"


def test_the_short_verdict_is_the_head_and_one_summary_per_failed_check():
    """Does the short verdict keep the score line and say each failure in one line, not in full?"""
    cell = CellGrade(
        "p1",
        10.0,
        5.0,
        2,
        4,
        [
            Failure("the whole story, at length", "short one"),
            Failure("another long story", "short two"),
        ],
    )
    text = summary_text(cell)
    assert text.splitlines() == [
        verdict_text(cell).splitlines()[0],
        "  - short one",
        "  - short two",
    ]
    assert "at length" in verdict_text(cell) and "at length" not in text


def test_the_short_verdict_ends_with_the_hints_of_its_mistakes():
    """With the assignment's catalogue, does the short verdict say each recognised mistake's
    hint once, after the summaries, and nothing for ``other``?"""
    mistakes = load_assignment(COURSE, "partb").mistakes
    cell = CellGrade(
        "p1",
        10.0,
        0.0,
        0,
        3,
        [
            Failure("long", "short one", ("factor-2-missing",)),
            Failure("long", "short two", ("factor-2-missing", "opposite-sign")),
            Failure("long", "short three", ("other",)),
        ],
    )
    assert summary_text(cell, mistakes).splitlines() == [
        verdict_text(cell).splitlines()[0],
        "  - short one",
        "  - short two",
        "  - short three",
        f"  Hint: {mistakes.hint('factor-2-missing')}",
        f"  Hint: {mistakes.hint('opposite-sign')}",
    ]
