"""The sample class as ``byhand all`` graded it, for the tests that compare another
grader's scores with it.

Gradescope's and PrairieLearn's autograders (``test_gradescope.py``,
``test_prairielearn.py``) must give every scenario the score ``byhand grade``
gives it.  ``byhand all`` in the fresh clone (``made_clone``) has already graded the
whole sample class with ``byhand grade``'s code, so both compare with the results it
recorded instead of grading the same students again.  Neither changes it.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from byhand_grader.results import read_results

#: The scenarios compared: correct, a common bug, the blank release, an unreadable notebook.
COMPARED = ("correct", "missing-factor-2", "blank", "corrupt-json")
BYHAND = Path(sys.executable).with_name("byhand")


def byhand(*args):
    """Run the ``byhand`` command as an instructor would; the finished process."""
    return subprocess.run([str(BYHAND), *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="session")
def graded(made_clone):
    """``(course, {student: StudentResult})``: the fresh clone's sample class after ``byhand
    all``, and the results its grading recorded for the ``COMPARED`` scenarios."""
    clone, done = made_clone
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    course = clone.sample_class()
    _, results = read_results(course.results_json("partb"))
    found = {r.student: r for r in results if r.student in COMPARED}
    assert set(found) == set(COMPARED), f"byhand all graded {sorted(found)} of {COMPARED}"
    return course, found
