"""Shared fixtures: the course, the solution code of the source notebooks, and a fresh
clone after ``byhand all``."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.course import Course

from .repo import clone_checkout, COURSE


def solution_namespace(assignment, course=COURSE):
    """Run the given setup cells and every answer cell of ``source/<a>``; return the names."""
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    setup = load_assignment(course, assignment).setup_cells
    ns = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if cell.cell_type == "code" and (cell.get("id") in setup or meta.get("solution")):
            exec(compile(cell.source, f"<{assignment}:{cell.get('id')}>", "exec"), ns)
    return ns


@pytest.fixture(scope="session")
def partb():
    """The reference solution of Part B, as functions."""
    return solution_namespace("partb")


@pytest.fixture
def course():
    return COURSE


@pytest.fixture(scope="session")
def made_clone(tmp_path_factory):
    """A fresh clone of this checkout after ``byhand all`` (what ``make`` runs once the
    venv is set up): release/ and solutions/ regenerated, the sample class graded.

    ``(clone's Course, the completed process)``; shared by the clean-tree test and the
    solutions' drift test, which would otherwise regenerate the solutions a second time.
    """
    clone = clone_checkout(tmp_path_factory.mktemp("clone") / "course")
    byhand = Path(sys.executable).with_name("byhand")
    done = subprocess.run(
        [str(byhand), "all"], cwd=clone, capture_output=True, text=True, check=False
    )
    return Course(clone), done


# -- running in parallel ------------------------------------------------------------------
# `make test` runs the tests in two processes (pytest-xdist: -n 2 --dist loadfile
# --no-loadscope-reorder): each test file goes to one process whole, so a module's fixtures
# (a graded class, a PostgreSQL server) are built once.  (--dist loadgroup would keep several
# files together, but xdist 3.8.0 cannot tag a test's group under pytest 9.2.)  The files
# that mostly wait (Docker image builds, the browser) and the fresh clone's `byhand all`
# start first, so that they do not finish last:
FIRST = (
    "tests/byhand_instructor/test_docker_platforms.py",
    "tests/byhand_instructor/test_solutions.py",
    "tests/browser/test_student.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: n for n, path in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(FIRST)))  # stable
