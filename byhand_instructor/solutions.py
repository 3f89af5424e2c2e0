"""Verb ``solutions``: execute the source notebooks into worked ``solutions/``.

``nbgrader generate_solution`` runs each source notebook top to bottom and
keeps the outputs and plots; this course sets ``CourseDirectory.solution_directory
= "solutions"`` and ``Execute.record_timing = False`` so the folder name matches
the README and the bytes do not depend on the day.  Nor on the machine's load:
the kernel flushes printed text on a timer, so a cell that prints, computes and
prints again may leave one stream output or two; ``solutions`` merges them.
Nor on the clock: a few cells (``TIMED``) print what they measured, which no two
runs share, so when a run changes nothing but those measurements the notebook
already there is kept byte for byte, and ``make`` leaves a fresh clone clean.
"""

import time
from typing import NamedTuple

import nbformat

from byhand_grader.nbgrader_run import ensure_assignment, nbgrader, NbgraderError

from .source import build_source

#: Cells that print wall-clock measurements (their ids start so): the only outputs
#: that may differ from one run to the next.
TIMED = ("timing_", "closing_note")


class Solved(NamedTuple):
    """One regenerated solutions notebook."""

    path: object  #: solutions/<a>/<a>.ipynb
    seconds: float  #: how long executing the source notebook took (nbgrader generate_solution)


def solutions(course, assignments=None):
    """Regenerate ``solutions/<a>/`` for each assignment of ``course``; return a ``Solved`` each."""
    done = []
    for a in assignments or course.assignments():
        build_source(course, a)
        ensure_assignment(course, a)
        path = course.solutions_notebook(a)
        before = path.read_bytes() if path.exists() else None
        started = time.perf_counter()
        nbgrader(course, "generate_solution", a, "--force")
        seconds = time.perf_counter() - started
        merge_streams(path)
        errors = cell_errors(path)
        if errors:
            raise NbgraderError(
                f"{path}: the solution raised an error, which nbgrader "
                "keeps as output instead of failing:\n" + "\n".join(errors)
            )
        if before is not None and (
            without_timings(before.decode("utf-8"))
            == without_timings(path.read_text(encoding="utf-8"))
        ):
            path.write_bytes(before)  # only the measurements moved: keep the notebook as it was
        done.append(Solved(path, seconds))
    return done


def cell_errors(path):
    """``"cell N: Name: message"`` for every error output in an executed notebook."""
    nb = nbformat.read(path, as_version=4)
    return [
        f"cell {n}: {out.ename}: {out.evalue}"
        for n, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


def without_timings(text):
    """A notebook's text with the outputs of its ``TIMED`` cells left out."""
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if cell.get("id", "").startswith(TIMED):
            cell.outputs = []
    return nbformat.writes(nb)


def merge_streams(path):
    """Join each run of consecutive stream outputs of one name (stdout, stderr) in place."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            if (
                out.output_type == "stream"
                and merged
                and merged[-1].output_type == "stream"
                and merged[-1].name == out.name
            ):
                merged[-1].text += out.text
                changed = True
            else:
                merged.append(out)
        if cell.cell_type == "code":
            cell.outputs = merged
    if changed:
        nbformat.write(nb, path)
