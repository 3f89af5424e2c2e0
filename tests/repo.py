"""This checkout as a course, and throwaway copies of it for tests that regenerate or grade.

The tests know where the repository is (beside this file); the code under test
never does: it is always handed a ``Course``.
"""

import shutil
from pathlib import Path

from byhand_grader.course import Course

REPO = Path(__file__).resolve().parent.parent
COURSE = Course(REPO)


def copy_course(dest, with_release=True, with_grader_tests=False):
    """Copy what a course needs (config, source, release, grader_tests) into ``dest``; return its ``Course``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(REPO / "source", dest / "source")
    if with_release:
        shutil.copytree(REPO / "release", dest / "release")
    if with_grader_tests:
        shutil.copytree(REPO / "grader_tests", dest / "grader_tests",
                        ignore=shutil.ignore_patterns("__pycache__"))
    return Course(dest)
