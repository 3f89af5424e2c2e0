"""When the grader itself fails, is it loud, and is no student charged for it?

A failed run must never look like a good one: a gradebook that does not know
the assignment stops the command at once with what to run; a harness that
cannot start stops it without blaming students; a grader-side error on one
submission fails that one (no points shown, nothing recorded, exit status 1)
and the others are graded.
"""

import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from byhand_grader import judge, runner
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.record import GradebookNotReady
from byhand_grader.report import format_table
from byhand_grader.results import GradingStopped
from byhand_instructor.cli import main
from byhand_instructor.sample_class import solved_release, TIMESTAMP

from ..repo import copy_course


@pytest.fixture
def course(tmp_path):
    course = copy_course(tmp_path / "course", with_grader_tests=True)
    nbgrader(course, "generate_assignment", "partb", "--force")
    for student, nb in (
        ("correct", solved_release(course, "partb")),
        ("blank", nbformat.read(course.release_notebook("partb"), as_version=4)),
    ):
        folder = course.submitted / student / "partb"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "partb.ipynb")
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n")
    return course


def _recorded(course, student):
    with Gradebook(course.db_url) as gb:
        try:
            return gb.find_submission("partb", student).score
        except MissingEntry:
            return None


def test_a_gradebook_without_the_assignment_stops_at_once(course, capsys):
    """With a fresh gradebook, does `byhand grade` grade nothing, exit 1 and say what to run?"""
    (course.root / "gradebook.db").unlink()
    with pytest.raises(GradebookNotReady, match="run `byhand release partb` first"):
        grade(course, ["partb"], workers=1, progress=False)
    assert main(["grade", "--course", str(course.root)]) == 1
    err = capsys.readouterr().err
    assert "does not know the assignment 'partb'" in err and "nothing was graded" in err
    assert not course.autograded.exists()


def test_a_harness_that_cannot_start_stops_the_run_and_blames_no_student(course, monkeypatch):
    """With the grader's own code missing from the sandbox, is the run stopped, nothing recorded?"""
    monkeypatch.setattr(runner, "CODE", runner.CODE[:1])  # the harness module is not there
    with pytest.raises(GradingStopped, match="the grading harness cannot start .*byhand_grader"):
        grade(course, ["partb"], workers=1, progress=False)
    assert _recorded(course, "correct") is None and _recorded(course, "blank") is None


def test_a_grader_error_fails_that_submission_only(course, monkeypatch, capsys):
    """When the judge breaks on one student, is only that one failed, unrecorded, pointless?"""
    real = judge.judge

    def broken(assignment, probe):
        if probe.student == "blank":
            raise RuntimeError("the judge broke")
        return real(assignment, probe)

    monkeypatch.setattr(judge, "judge", broken)
    results = {r.student: r for r in grade(course, ["partb"], workers=1, progress=False)}
    assert results["correct"].status == "graded" and _recorded(course, "correct") == 35
    failed = results["blank"]
    assert failed.failed and "the judge broke" in failed.reasons[0] and not failed.cells
    assert _recorded(course, "blank") is None
    from byhand_grader.assignment import load_assignment

    row = next(
        line
        for line in format_table(
            list(results.values()), load_assignment(course, "partb")
        ).splitlines()
        if line.startswith("blank")
    )
    assert "failed: the grader failed on this submission" in row
    assert row.split()[1:6] == ["-"] * 5, row
    shutil.rmtree(course.autograded / "correct")  # graded again below: no leftovers needed
    assert main(["grade", "--course", str(course.root), "--workers", "1"]) == 1
    assert "the grader failed on 1 submission(s) (blank/partb)" in capsys.readouterr().err
