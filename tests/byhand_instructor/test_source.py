"""Is ``source/<a>/<a>.ipynb`` exactly what its reviewable text twin builds?"""

import re

import pytest

from byhand_grader.course import Course
from byhand_instructor.source import build_source, read_twin, render, SourceError

from ..repo import COURSE


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_committed_source_notebook_matches_its_twin(assignment):
    """Does the committed source notebook equal a fresh build of source/<a>.py, byte for byte?"""
    built = render(read_twin(COURSE, assignment))
    committed = COURSE.source_notebook(assignment).read_text(encoding="utf-8")
    assert committed == built, (
        f"source/{assignment}/{assignment}.ipynb is out of date: run "
        f"`byhand release` (it rebuilds it from source/{assignment}.py)"
    )


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_cell_ids_are_fixed_and_unique(assignment):
    """Are cell ids grade ids, named in the twin (``# %% id="..."``) or positions, never random?"""
    nb = read_twin(COURSE, assignment)
    twin = (COURSE.root / "source" / f"{assignment}.py").read_text(encoding="utf-8")
    named = set(re.findall(r'^# %% id="([^"]+)"', twin, flags=re.M))
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids))
    for n, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        assert cell.id == (meta["grade_id"] if meta else cell.id)
        assert meta or cell.id in named or cell.id == f"{assignment}-{n:02d}"


def test_duplicate_grade_id_is_refused(tmp_path):
    """Does a twin with a repeated grade_id fail with a message naming it?"""
    (tmp_path / "source").mkdir()
    cell = (
        '# %% nbgrader={"grade": false, "grade_id": "same", "locked": false, '
        '"schema_version": 3, "solution": true}\nx = 1\n\n'
    )
    (tmp_path / "source" / "dup.py").write_text(cell + cell)
    with pytest.raises(SourceError, match="'same' is used twice"):
        build_source(Course(tmp_path), "dup")


def test_points_add_up_to_35_automatic_and_10_manual():
    """Does Part B carry 35 autograded points and 10 hand-graded ones?"""
    nb = read_twin(COURSE, "partb")
    auto = manual = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("grade"):
            if cell.cell_type == "code":
                auto += meta["points"]
            else:
                manual += meta["points"]
    assert (auto, manual) == (35, 10)
