"""Shared fixtures: the course and the solution code of the source notebooks."""

import nbformat
import pytest

from byhand_grader.assignment import load_assignment

from .repo import COURSE


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
