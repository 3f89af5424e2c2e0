"""Shared fixtures: the course root and the solution code of the source notebooks."""

from pathlib import Path

import nbformat
import pytest

from byhand.course import ROOT, source_notebook


def solution_namespace(assignment, root=ROOT):
    """Run the given setup cells and every answer cell of ``source/<a>``; return the names."""
    from byhand.intake import SETUP_CELLS
    nb = nbformat.read(source_notebook(assignment, root), as_version=4)
    ns = {"__name__": "__main__"}
    setup = SETUP_CELLS[assignment]
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
def root():
    return Path(ROOT)
