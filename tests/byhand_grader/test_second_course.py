"""Does each course directory grade with its own hidden tests and description?

The same installed tools, in one process, grade two copies of the course that
differ only in ``grader_tests/``: course B's Problem 1 check accepts nothing
and its description names the column ``B1``.  Once the hidden files were
found from where the code lay, and a second course was graded with the
first one's tests.
"""

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.report import problem_scores
from byhand_instructor.sample_class import solved_release, TIMESTAMP

from ..repo import copy_course


def _course(folder):
    course = copy_course(folder, with_grader_tests=True)
    nbgrader(course, "generate_assignment", "partb", "--force")
    submission = course.submitted / "correct" / "partb"
    submission.mkdir(parents=True)
    (submission / "partb.ipynb").write_text(nbformat.writes(solved_release(course, "partb")))
    (submission / "timestamp.txt").write_text(TIMESTAMP + "\n")
    return course


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{path} no longer holds {old!r}: update this test"
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    a = _course(tmp_path_factory.mktemp("course a"))
    b = _course(tmp_path_factory.mktemp("course b"))
    tests = b.assignment_tests("partb")
    _edit(tests / "test_partb.py", "ATOL, RTOL = 1e-5, 1e-3", "ATOL, RTOL = -1.0, 0.0")
    _edit(tests / "assignment.py", 'Problem("P1"', 'Problem("B1"')
    _edit(tests / "mistakes.py", '= ("P1", ', '= ("B1", ')  # its catalogue follows its columns
    runs = [
        (course, grade(course, ["partb"], workers=1, progress=False)[0]) for course in (a, b, a)
    ]
    return [
        (course, problem_scores(r, load_assignment(course, "partb")), r.auto_score)
        for course, r in runs
    ]


def test_each_course_uses_its_own_hidden_checks(graded):
    """Is course A's correct student full marks and course B's, under B's harsher check, not?"""
    (_, first_a, _), (_, in_b, _), (_, again_a, _) = graded
    assert first_a["P1"] == (10, 10)
    assert in_b["B1"] == (0, 10) and "P1" not in in_b
    assert again_a == first_a, "grading course B changed how course A is graded"


def test_each_course_keeps_its_own_gradebook(graded):
    """Does each course's gradebook hold its own score for the same student?"""
    from nbgrader.api import Gradebook

    (a, _, total_a), (b, _, total_b), _ = graded
    assert total_a == 35 and total_b < 35
    for course, total in ((a, total_a), (b, total_b)):
        with Gradebook(course.db_url) as gb:
            assert gb.find_submission("partb", "correct").score == total
