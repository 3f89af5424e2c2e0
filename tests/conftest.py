"""Shared fixtures: the course, the solution code of the source notebooks, and a fresh
clone after ``byhand all``."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.course import Course

from .repo import COURSE, clone_checkout


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
    done = subprocess.run([str(byhand), "all"], cwd=clone, capture_output=True, text=True,
                          check=False)
    return Course(clone), done


# -- running in parallel ------------------------------------------------------------------
# `make test` runs the tests in two processes (pytest-xdist: -n 2 --dist loadgroup
# --no-loadscope-reorder).  Each test file goes to one process whole, so a module's
# fixtures (a graded class, a PostgreSQL server) are built once; tests that share a
# session fixture or something of the machine's go to one process together, in order:
#: test files whose sandboxes take fixed slot numbers (uids and cgroups), not a claimed one
FIXED_SLOTS = {"test_sandbox.py", "test_sandbox_container.py", "test_runner.py",
               "test_harness_cheats.py"}
#: groups that start first, longest first: mostly waiting (image builds, a browser), or
#: the fresh clone's `byhand all` that others wait for
FIRST = ("docker", "clone", "browser")


def _group(item):
    if item.get_closest_marker("docker"):
        return "docker"              # one Docker engine at a time, one image cache
    if item.get_closest_marker("browser"):
        return "browser"             # one JupyterLab and Chromium for the session
    if "made_clone" in item.fixturenames:
        return "clone"               # one `byhand all` in one fresh clone
    if item.path.name in FIXED_SLOTS:
        return "fixed-slots"
    return item.nodeid.split("::")[0]


def pytest_collection_modifyitems(config, items):
    groups = {item: _group(item) for item in items}
    for item, group in groups.items():
        item.add_marker(pytest.mark.xdist_group(group))
    rank = {group: n for n, group in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(groups[item], len(FIRST)))  # stable: else as collected
