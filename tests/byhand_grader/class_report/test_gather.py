"""Does the report read the last run's results, the gradebook as it is now, and a
regrade's impact, and say what to run when there are no results?"""

import pytest

from byhand_grader.class_report.gather import gather, NoResults
from byhand_grader.regrade import Change, write_impact
from byhand_grader.results import write_results

from ...repo import copy_course
from .synthetic import cell, student


@pytest.fixture
def course(tmp_path):
    return copy_course(tmp_path / "course", with_release=False, with_grader_tests=True)


def test_no_results_says_what_to_run(course):
    """A class never graded: one sentence naming the command."""
    with pytest.raises(NoResults, match="run `byhand grade partb` first"):
        gather(course, "partb")


def test_manual_scores_come_from_the_gradebook_as_it_is_now(course):
    """Problem 5 graded in formgrader after the run: the report shows the new score, and
    the students' names (for the snippets) come along."""
    from nbgrader.api import Gradebook

    from byhand_grader.record import create_schema

    results = [
        student(
            s,
            cell("p1_logistic_grads_match_autograd", 10, {"t": True}),
            manual={"p5_explanation": None},
            manual_points={"P5": 10.0},
        )
        for s in ("ada", "bob")
    ]
    course.autograded.mkdir(parents=True)
    write_results(course.results_json("partb"), "partb", results, "digest", "now")
    create_schema(course.db_url)
    with Gradebook(course.db_url) as gb:
        gb.add_assignment("partb")
        gb.add_notebook("partb", "partb")
        gb.add_grade_cell("p5_explanation", "partb", "partb", max_score=10, cell_type="markdown")
        for s, first in (("ada", "Ada"), ("bob", "Bob")):
            gb.add_student(s, first_name=first, last_name="Smith")
            gb.add_submission("partb", s)
        gb.find_grade("p5_explanation", "partb", "partb", "ada").manual_score = 8
        gb.db.commit()
    data = gather(course, "partb")
    manual = {r.student: r.manual["p5_explanation"] for r in data.results}
    assert manual == {"ada": 8, "bob": None}
    assert data.names["ada"] == ("Ada", "Smith") and data.header["tests_digest"] == "digest"
    assert data.regrade is None and data.notes == []


def test_regrade_file_is_read_when_present(course):
    """The last run's impact file beside the results is read as the regrade wrote it."""
    course.autograded.mkdir(parents=True)
    write_results(course.results_json("partb"), "partb", [student("ada")], "digest", "now")
    assert gather(course, "partb").regrade is None
    change = Change(
        "ada",
        "p1_logistic_grads_match_autograd",
        None,
        10.0,
        "",
        "passed",
        None,
        10.0,
        True,
        "d0",
        "d1",
        "then",
        "now",
    )
    write_impact(course.regrade_csv("partb"), [change])
    assert gather(course, "partb").regrade == [change]
