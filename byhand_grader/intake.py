"""Take in one submission: find the notebook, read it, repair what students break.

Students rename notebooks, corrupt their JSON, copy or split cells (JupyterLab
copies the nbgrader metadata with the cell), delete grade cells and add tags
such as ``skip-execution``.  nbgrader 0.9.6 turns several of these into a
silent 0 or a stopped batch (nbgrader-notes).  ``take_in`` reads the
submission *without changing it*, writes a repaired copy for grading, and
returns every repair as a plain sentence for the grade table and the feedback.

It also picks the cells the harness runs: the given setup cells the
assignment's description names (from the source, never the student's copy),
every answer cell, and every cell the student added; not the given demo,
check and grade cells.
"""

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


class IntakeError(ValueError):
    """The submission cannot be graded at all (no notebook, unreadable JSON)."""


@dataclass
class Intake:
    """A submission as the grader will see it."""

    student: str
    assignment: str
    notebook: Path  #: the repaired copy nbgrader autogrades
    cells: list  #: [{"label", "source"}] for the harness, in order
    notes: list = field(default_factory=list)  #: repairs, as sentences
    flags: dict = field(default_factory=dict)  #: for the instructor: "deleted grade cells", ...


def find_notebook(folder, assignment):
    """The submitted notebook and a note if it was not named ``<assignment>.ipynb``."""
    folder = Path(folder)
    expected = folder / f"{assignment}.ipynb"
    if expected.is_file():
        return expected, None
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if len(found) == 1:
        return found[0], (
            f"the notebook was named '{found[0].name}', not "
            f"'{expected.name}'; it was graded as {expected.name}"
        )
    if not found:
        raise IntakeError(f"no notebook in the submission (expected {expected.name})")
    raise IntakeError(
        f"{len(found)} notebooks and none named {expected.name}: "
        + ", ".join(p.name for p in found)
    )


def read_notebook(path):
    """Read a notebook, turning every way it can be broken into one ``IntakeError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise IntakeError(f"{Path(path).name} is not UTF-8 text") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as err:  # json.JSONDecodeError, nbformat.reader.NotJSONError, ...
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise IntakeError(
            f"{Path(path).name} is not a readable notebook (corrupt JSON: {first[:160]})"
        ) from None
    if not isinstance(nb.get("cells"), list):
        raise IntakeError(f"{Path(path).name} has no list of cells")
    return nb


def repair(nb, source_nb, flags=None):
    """Undo tags, duplicated grade ids and foreign kernels in place; return the notes.

    ``flags`` (a dict), when given, gets what an instructor should know about:
    ``"deleted grade cells"`` and ``"edited grade cells"`` (both restored by nbgrader).
    """
    flags = {} if flags is None else flags
    notes = []
    tagged = 0
    # the given tags stay (``raises-exception`` lets Run All go past a failed check)
    given_tags = {c.get("id"): c.metadata.get("tags") for c in source_nb.cells}
    for cell in nb.cells:
        meta = cell.setdefault("metadata", {})
        if meta.get("tags") and meta["tags"] != given_tags.get(cell.get("id")):
            tagged += 1
            meta.pop("tags")
        for key in ("editable", "deletable", "jupyter"):
            meta.pop(key, None)
    if tagged:
        notes.append(
            f"tags were removed from {tagged} cell(s) (tags such as skip-execution "
            "could hide a cell from grading)"
        )
    seen = set()
    for n, cell in enumerate(nb.cells):
        grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if not grade_id:
            continue
        if grade_id in seen:
            cell.metadata.pop("nbgrader")
            cell.metadata["byhand_duplicate_of"] = grade_id
            notes.append(
                f"cell {n} repeats the cell '{grade_id}' (copied or split); "
                "the first one counts, this one was kept as a plain cell"
            )
        seen.add(grade_id)
    expected = {
        (c.metadata.get("nbgrader") or {}).get("grade_id")
        for c in source_nb.cells
        if (c.metadata.get("nbgrader") or {}).get("grade")
    }
    missing = sorted(g for g in expected - seen if g)
    given = {
        (c.metadata.get("nbgrader") or {}).get("grade_id"): c.source
        for c in source_nb.cells
        if (c.metadata.get("nbgrader") or {}).get("grade") and c.cell_type == "code"
    }
    edited = sorted(
        {
            (c.metadata.get("nbgrader") or {}).get("grade_id")
            for c in nb.cells
            if c.cell_type == "code"
            and given.get((c.metadata.get("nbgrader") or {}).get("grade_id"), c.source) != c.source
        }
    )
    if edited:
        flags["edited grade cells"] = edited
        notes.append(
            "grade cell(s) " + ", ".join(edited) + " were edited; nbgrader restored "
            "them from the gradebook"
        )
    if missing:
        flags["deleted grade cells"] = missing
        notes.append(
            "grade cell(s) " + ", ".join(missing) + " were deleted; nbgrader "
            "restored them from the gradebook"
        )
    nb.metadata["kernelspec"] = source_nb.metadata.get("kernelspec", {})
    return notes


def harness_cells(nb, source_nb, setup_cells):
    """The code the harness runs, in notebook order, each with a label for messages.

    ``setup_cells`` are the ids of the given cells that run first (the description's).
    """
    source_ids = {c.get("id") for c in source_nb.cells}
    given = {c.get("id"): c for c in source_nb.cells}
    cells = [
        {"label": f"given cell '{cid}'", "source": given[cid].source}
        for cid in setup_cells
        if cid in given
    ]
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader") or {}
        if meta.get("solution"):
            cells.append({"label": f"answer cell '{meta['grade_id']}'", "source": cell.source})
        elif meta.get("grade") or cell.metadata.get("byhand_duplicate_of"):
            continue
        elif cell.get("id") not in source_ids:
            cells.append({"label": f"cell {n} (added by you)", "source": cell.source})
    return cells


def take_in(folder, student, assignment, source_nb, out_root):
    """Read ``folder`` (``submitted/<student>/<a>``) and stage a repaired copy.

    ``assignment`` is the description (``byhand_grader.assignment.Assignment``) and
    ``source_nb`` its source notebook.  The copy goes to ``out_root/<student>/<a>/``
    with every other file of the submission (nbgrader's timestamp.txt included).
    Raises ``IntakeError`` when nothing can be graded.
    """
    path, renamed = find_notebook(folder, assignment.name)
    nb = read_notebook(path)
    notes = [renamed] if renamed else []
    flags = {}
    notes += repair(nb, source_nb, flags)
    dest = Path(out_root) / student / assignment.name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for item in Path(folder).iterdir():
        if item.is_file() and item.suffix != ".ipynb":
            shutil.copy2(item, dest / item.name)
    out = dest / f"{assignment.name}.ipynb"
    out.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return Intake(
        student,
        assignment.name,
        out,
        harness_cells(nb, source_nb, assignment.setup_cells),
        notes,
        flags,
    )
