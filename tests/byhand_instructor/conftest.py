"""The sample class graded once, for the tests that compare another grader's scores with it.

Gradescope's and PrairieLearn's autograders (``test_gradescope.py``,
``test_prairielearn.py``) must give every scenario the score ``byhand grade``
gives it; grading those scenarios is a minute of work, so one course copy is
graded once per session and both compare with it.  Neither changes it.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.sample_class import write_sample_class

from ..repo import copy_course, COURSE

#: The scenarios compared: correct, a common bug, the blank release, an unreadable notebook.
COMPARED = ("correct", "missing-factor-2", "blank", "corrupt-json")
BYHAND = Path(sys.executable).with_name("byhand")


def byhand(*args):
    """Run the ``byhand`` command as an instructor would; the finished process."""
    return subprocess.run([str(BYHAND), *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """``(course, {student: StudentResult})``: a course copy with the sample class, whose
    ``COMPARED`` scenarios ``byhand grade`` graded once."""
    course = copy_course(tmp_path_factory.mktemp("course"), with_grader_tests=True)
    write_sample_class(COURSE, course.root)
    nbgrader(course, "generate_assignment", "partb", "--force")
    return course, {
        r.student: r
        for r in grade(course, ["partb"], students=list(COMPARED), workers=2, progress=False)
    }
