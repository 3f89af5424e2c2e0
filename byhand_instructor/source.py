"""Build ``source/<a>/<a>.ipynb`` from its reviewable text twin ``source/<a>.py``.

The twin is what authors edit and reviewers diff: jupytext's percent format,
with nbgrader's cell metadata in each cell header.  The build gives every cell
a fixed id (the ``grade_id`` where there is one, else the ``id`` in the cell's
header, else ``<a>-<n>``), validates
the nbgrader metadata, and writes bytes that depend only on the twin, so
``release/`` and ``solutions/`` built from it are byte-stable too.
"""

import json

import jupytext
import nbformat
from nbgrader.nbgraderformat import MetadataValidator


class SourceError(ValueError):
    """The text twin does not make a valid nbgrader notebook."""


def read_twin(course, assignment):
    """Parse ``source/<a>.py`` into a notebook with fixed cell ids and clean metadata."""
    path = course.source_twin(assignment)
    nb = jupytext.read(path, fmt="py:percent")
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    seen = set()
    for n, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        named = cell.metadata.pop("id", None)  # `# %% id="..."` names a given cell
        cell_id = (
            meta["grade_id"] if meta and meta.get("grade_id") else named or f"{assignment}-{n:02d}"
        )
        if cell_id in seen:
            raise SourceError(f"{path}: cell id {cell_id!r} is used twice (cell {n}).")
        seen.add(cell_id)
        cell.id = cell_id
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    try:
        MetadataValidator().validate_nb(nb)
    except Exception as err:  # nbgrader raises its own ValidationError
        raise SourceError(f"{path}: invalid nbgrader metadata: {err}") from None
    nbformat.validate(nb)
    return nb


def render(nb):
    """Serialise a notebook the way every file in this repo is written."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def build_source(course, assignment):
    """Write ``source/<a>/<a>.ipynb`` from the twin; return its path."""
    nb = read_twin(course, assignment)
    out = course.source_notebook(assignment)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(nb), encoding="utf-8")
    return out
