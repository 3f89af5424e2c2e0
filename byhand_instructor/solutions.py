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
Nor on the processor: torch's kernels for one CPU (AVX2, AVX-512) round differently
in the last bits from another's, and over thousands of epochs that moves a plotted
curve by a fraction of a pixel, so plots count as unchanged within ``PLOT_TOLERANCE``.
"""

import base64
import io
import time
from typing import NamedTuple

import nbformat

from byhand_grader.nbgrader_run import ensure_assignment, nbgrader, NbgraderError

from .source import build_source

#: Cells that print wall-clock measurements (their ids start so): the only outputs
#: that may differ from one run to the next.
TIMED = ("timing_", "closing_note")
#: How far a pixel of a plot (each colour channel, from 0 to 1) may differ between two runs
#: and the plot still count as the same: a curve moved by up to about a quarter of a pixel,
#: the drift between processors.  A changed title, colour, curve or size differs by far
#: more (tests/byhand_instructor/test_solutions.py).
PLOT_TOLERANCE = 64 / 255


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
        if before is not None and same_results(
            before.decode("utf-8"), path.read_text(encoding="utf-8")
        ):
            path.write_bytes(before)  # only measurements and rounding moved: keep it as it was
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


def same_results(before, after):
    """Whether two runs of one notebook (their texts) show the same results: equal but for
    the ``TIMED`` cells' outputs and for plots within ``PLOT_TOLERANCE`` of each other."""
    old, new = nbformat.reads(before, as_version=4), nbformat.reads(after, as_version=4)
    for cell_old, cell_new in zip(old.cells, new.cells):
        for out_old, out_new in zip(cell_old.get("outputs", []), cell_new.get("outputs", [])):
            png_old = out_old.get("data", {}).get("image/png")
            png_new = out_new.get("data", {}).get("image/png")
            if png_old and png_new and same_plot(png_old, png_new):
                out_new.data["image/png"] = png_old
    return without_timings(nbformat.writes(old)) == without_timings(nbformat.writes(new))


def same_plot(png_a, png_b):
    """Whether two base64 PNGs (as notebooks hold them) are the same size and no pixel's
    colour differs by more than ``PLOT_TOLERANCE``."""
    import matplotlib.image  # (only here: the other verbs need no matplotlib)

    a, b = (matplotlib.image.imread(io.BytesIO(base64.b64decode(png))) for png in (png_a, png_b))
    return a.shape == b.shape and float(abs(a - b).max()) <= PLOT_TOLERANCE


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
