"""Shared fixtures: the course, the solution code of the source notebooks, and a fresh
clone after ``byhand all``."""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.course import Course

from . import main_job
from .repo import clone_checkout, COURSE, REPO


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
def made_clone(tmp_path_factory, worker_id):
    """A fresh clone of this checkout after ``byhand all`` (what ``make`` runs once the
    venv is set up): release/ and solutions/ regenerated, the sample class graded.

    ``(its Course, the completed process)``.  Where ``make`` ran ``byhand all`` in this
    checkout as a fresh clone holds it and nothing has changed since
    (``main_job.still_as_left``: CI's ``make`` then ``make test``), that run is the one
    shared, and the course is this checkout, as the run left it (dirty, if it changed
    git's files: the clean-tree test then fails on it).  Otherwise it is made once per ``make test``,
    whichever test process asks first, and shared by all of them (the others wait for it
    under a file lock).  Either way the clean-tree test, the solutions' drift test, the
    extension notebook's tests (its executed solution) and the sample class's (its graded
    class) read it instead of executing or grading the same things again.  Tests that
    change what they read work on a copy (``copy_made``).
    """
    from filelock import FileLock

    # the folder all test processes of this run share (pytest-xdist's own recipe)
    shared = tmp_path_factory.getbasetemp()
    shared = shared if worker_id == "master" else shared.parent
    clone, outcome = shared / "made-clone" / "course", shared / "made-clone.json"
    with FileLock(str(shared / "made-clone.lock")):
        if not outcome.exists():
            noted = main_job.still_as_left(REPO)
            if noted is not None:  # decided once, for every test process of this run
                noted["course"] = str(REPO)
                outcome.write_text(json.dumps(noted))
            else:
                clone_checkout(clone)
                byhand = Path(sys.executable).with_name("byhand")
                started = time.perf_counter()
                done = subprocess.run(
                    [str(byhand), "all"], cwd=clone, capture_output=True, text=True, check=False
                )
                outcome.write_text(
                    json.dumps(
                        {
                            "course": str(clone),
                            "returncode": done.returncode,
                            "stdout": done.stdout,
                            "stderr": done.stderr,
                            "seconds": time.perf_counter() - started,
                        }
                    )
                )
    done = json.loads(outcome.read_text())
    return Course(done["course"]), subprocess.CompletedProcess(
        ["byhand", "all"], done["returncode"], done["stdout"], done["stderr"]
    )


def copy_made(made_clone, dest):
    """A copy of the made clone in ``dest`` (for a test that changes what it reads), without
    its git history and the environment (the venv, when it is this checkout); its
    ``Course``."""
    course, _ = made_clone

    def skipped(folder, names):
        rel = Path(folder).relative_to(course.root).as_posix()
        rel = "" if rel == "." else rel + "/"
        return [n for n in names if n == ".git" or main_job.environment(rel + n + "/")]

    shutil.copytree(course.root, dest, symlinks=True, ignore=skipped)
    return Course(dest)


# -- running in parallel ------------------------------------------------------------------
# `make test` runs the tests in two processes (pytest-xdist: -n 2 --dist loadfile
# --no-loadscope-reorder): each test file goes to one process whole, so a module's fixtures
# (a graded class, a PostgreSQL server) are built once.  (--dist loadgroup would keep several
# files together, but xdist 3.8.0 cannot tag a test's group under pytest 9.2.)  The files
# that mostly wait (Docker image builds, the browser) and the fresh clone's `byhand all`
# start first, so that they do not finish last; the files that read the clone
# (``made_clone``) go last, so that their process does not wait for it while others work:
FIRST = (
    "tests/byhand_instructor/test_docker_platforms.py",
    "tests/byhand_instructor/test_solutions.py",
    "tests/browser/test_student.py",
)
LAST = (
    "tests/browser/test_class_report.py",
    "tests/course/test_xor_mlp_notebook.py",
    "tests/byhand_grader/test_sample_class.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: n for n, path in enumerate(FIRST)}
    rank.update({path: len(FIRST) + 2 + n for n, path in enumerate(LAST)})
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(FIRST) + 1))  # stable
