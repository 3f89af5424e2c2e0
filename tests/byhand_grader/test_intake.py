"""Does intake read every kind of broken submission without changing it or losing it?"""

import json

import nbformat
import pytest

from byhand_grader.assignment import read_source
from byhand_grader.intake import IntakeError, take_in
from byhand_instructor.sample_class import solved_release

from ..repo import COURSE


def _submit(tmp_path, nb=None, name="partb.ipynb", text=None):
    folder = tmp_path / "submitted" / "s1" / "partb"
    folder.mkdir(parents=True)
    (folder / name).write_text(text if text is not None else nbformat.writes(nb))
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC\n")
    return folder


def _take(tmp_path, folder):
    assignment, source_nb = read_source(COURSE, "partb")
    return take_in(folder, "s1", assignment, source_nb, tmp_path / "intake")


def test_correct_submission_passes_through(tmp_path):
    """Is a clean submission staged as is, with the timestamp, and no notes?"""
    folder = _submit(tmp_path, solved_release(COURSE, "partb"))
    staged = _take(tmp_path, folder)
    assert staged.notes == []
    assert (staged.notebook.parent / "timestamp.txt").exists()
    labels = [c["label"] for c in staged.cells]
    assert labels[:2] == ["given cell 'setup_imports'", "given cell 'setup_seed'"]
    assert "answer cell 'p4_xor_grads_answer'" in labels
    assert not any("grade" in lab and "answer" not in lab for lab in labels)


def test_submission_is_never_modified(tmp_path):
    """Does intake leave the student's file byte for byte as it was?"""
    nb = solved_release(COURSE, "partb")
    nb.cells[3].metadata["tags"] = ["skip-execution"]
    folder = _submit(tmp_path, nb)
    before = (folder / "partb.ipynb").read_bytes()
    _take(tmp_path, folder)
    assert (folder / "partb.ipynb").read_bytes() == before


def test_corrupt_json_gives_a_reason(tmp_path):
    """Is a half-written notebook refused with 'corrupt JSON' in plain words?"""
    folder = _submit(tmp_path, text=nbformat.writes(solved_release(COURSE, "partb"))[:5000])
    with pytest.raises(IntakeError, match="corrupt JSON"):
        _take(tmp_path, folder)


def test_renamed_notebook_is_found(tmp_path):
    """Is a single notebook under another name graded, with a note saying so?"""
    folder = _submit(tmp_path, solved_release(COURSE, "partb"), name="partb (1).ipynb")
    staged = _take(tmp_path, folder)
    assert staged.notebook.name == "partb.ipynb"
    assert "partb (1).ipynb" in staged.notes[0]


def test_two_unknown_notebooks_are_refused(tmp_path):
    """With two notebooks and neither named right, is the student told which ones?"""
    folder = _submit(tmp_path, solved_release(COURSE, "partb"), name="a.ipynb")
    (folder / "b.ipynb").write_text(nbformat.writes(solved_release(COURSE, "partb")))
    with pytest.raises(IntakeError, match="a.ipynb, b.ipynb"):
        _take(tmp_path, folder)


def test_no_notebook(tmp_path):
    """Is an empty submission folder a clear failure?"""
    folder = tmp_path / "submitted" / "s1" / "partb"
    folder.mkdir(parents=True)
    with pytest.raises(IntakeError, match="no notebook"):
        _take(tmp_path, folder)


def test_tags_and_duplicates_are_repaired(tmp_path):
    """Are tags stripped and a copied grade_id demoted to a plain cell, with notes?"""
    nb = solved_release(COURSE, "partb")
    for cell in nb.cells:
        cell.metadata["tags"] = ["skip-execution"]
    i = next(n for n, c in enumerate(nb.cells) if c.get("id") == "p1_logistic_grads_answer")
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[i])))
    copy["id"] = "copy"
    nb.cells.insert(i + 1, copy)
    staged = _take(tmp_path, _submit(tmp_path, nb))
    out = nbformat.read(staged.notebook, as_version=4)
    assert not any(c.metadata.get("tags") for c in out.cells)
    ids = [(c.metadata.get("nbgrader") or {}).get("grade_id") for c in out.cells]
    assert ids.count("p1_logistic_grads_answer") == 1
    assert any("tags were removed" in n for n in staged.notes)
    assert any("repeats the cell 'p1_logistic_grads_answer'" in n for n in staged.notes)


def test_deleted_grade_cell_is_noted(tmp_path):
    """Is a deleted grade cell reported (nbgrader restores it)?"""
    nb = solved_release(COURSE, "partb")
    nb.cells = [c for c in nb.cells if c.get("id") != "p4_xor_learns"]
    staged = _take(tmp_path, _submit(tmp_path, nb))
    assert any("p4_xor_learns were deleted" in n for n in staged.notes)


def test_added_cells_run_and_given_demo_cells_do_not(tmp_path):
    """Does the harness get the student's own new cells but not the given training cells?"""
    nb = solved_release(COURSE, "partb")
    nb.cells.insert(5, nbformat.v4.new_code_cell("def helper():\n    return 1", id="mine"))
    staged = _take(tmp_path, _submit(tmp_path, nb))
    sources = [c["source"] for c in staged.cells]
    assert "def helper():\n    return 1" in sources
    assert not any("run_xor = train(" in s for s in sources)


def test_the_given_tags_stay_and_need_no_note(tmp_path):
    """Are the release's own tags (raises-exception, so Run All goes past a failed check)
    kept as they are, with no repair note, while a tag a student added is removed?"""
    nb = solved_release(COURSE, "partb")
    given = {c.id: c.metadata.get("tags") for c in nb.cells if c.metadata.get("tags")}
    assert given
    staged = _take(tmp_path, _submit(tmp_path, nb))
    out = nbformat.read(staged.notebook, as_version=4)
    assert {c.id: c.metadata.get("tags") for c in out.cells if c.metadata.get("tags")} == given
    assert not any("tags were removed" in n for n in staged.notes)
    first = next(c for c in nb.cells if c.id in given)
    first.metadata["tags"] = [*first.metadata["tags"], "skip-execution"]
    staged = _take(tmp_path / "again", _submit(tmp_path / "again", nb))
    out = nbformat.read(staged.notebook, as_version=4)
    assert not next(c for c in out.cells if c.id == first.id).metadata.get("tags")
    assert any("tags were removed from 1 cell(s)" in n for n in staged.notes)
