"""Does plain `nbgrader autograde` refuse, saying grading is `byhand grade`, before it touches
anything, while `byhand grade`'s own nbgrader runs?

(Formgrader's Autograde button is tested in a real browser: tests/browser/test_formgrader.py.)
"""

import shutil
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.converters.base import NbGraderException

from byhand_grader.nbgrader_plugins.guard import GradeWithByhand, REFUSAL
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.submission import nbgrader_config

from ..repo import copy_course, COURSE


def test_plain_nbgrader_autograde_refuses_and_changes_nothing(tmp_path):
    """Does `nbgrader autograde --force` (the button's way) exit 1 with the sentence, leave an
    existing graded notebook as it was and write no gradebook?"""
    course = copy_course(tmp_path / "course")
    submitted = course.submitted / "ada" / "partb"
    submitted.mkdir(parents=True)
    shutil.copy2(course.release_notebook("partb"), submitted / "partb.ipynb")
    graded = course.autograded_notebook("ada", "partb")
    graded.parent.mkdir(parents=True)
    shutil.copy2(course.release_notebook("partb"), graded)  # as `byhand grade` left it
    before = graded.read_bytes()

    proc = nbgrader(course, "autograde", "partb", "--force", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr
    assert all(line in said for line in REFUSAL.splitlines()), said
    assert "Traceback" not in said
    assert graded.read_bytes() == before
    assert not (course.root / "gradebook.db").exists()


def test_the_guard_refuses_unless_byhand_grade_says_so():
    """Is the refusal the preprocessor's default, and does it pass a notebook through unchanged
    when `byhand grade` has set `in_byhand_grade`?"""
    with pytest.raises(NbGraderException, match="Grading is `byhand grade`"):
        GradeWithByhand()
    nb = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    assert GradeWithByhand(in_byhand_grade=True).preprocess(nb, {}) == (nb, {})


def test_byhand_grade_lets_its_own_autograde_through(tmp_path):
    """Does the course's config put the guard on Autograde's exporter, and does the config
    `byhand grade` builds from it enable the guarded run?"""
    scratch = SimpleNamespace(
        autograded=tmp_path / "autograded", db_url=f"sqlite:///{tmp_path / 'scratch.db'}"
    )
    cfg = nbgrader_config(COURSE, False, 0, scratch)
    assert cfg.Autograde.Exporter.preprocessors == [
        "byhand_grader.nbgrader_plugins.guard.GradeWithByhand"
    ]
    assert cfg.GradeWithByhand.in_byhand_grade is True
    assert "GradeWithByhand" not in COURSE.config  # everywhere else it refuses
