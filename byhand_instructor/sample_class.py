"""Verb ``sample-class``: write the bundled sample class into ``sample_class/submitted/``.

The sample class is graded in its own folder with its own gradebook
(``Course.sample_class``), so its students never reach a real class's
gradebook, feedback or export.

Each student of the sample class is a scenario, named for what it does: the
correct solution, an unlucky seed, the blank release, the common mistakes
(gradient missing the factor 2, update along ``.grad``, a tanh forward pass
with logistic gradients) and every way a submission can attack or break the
grader (a hang, ``os._exit``, a memory bomb, a fork bomb, the ``torch.allclose``
monkeypatch, reading the hidden tests, corrupt JSON, renamed notebooks,
deleted, edited, duplicated or tagged cells).  They are built from the
release notebook and the source's solutions, so they follow every edit of
``source/``.  An assignment's scenarios live where its description says
(``scenarios`` in ``grader_tests/<a>/assignment.py``: Part B's are
``grader_tests/partb/sample_scenarios.py``, grader-only because they quote the
solutions); an assignment without scenarios gets two students, ``correct``
and ``blank``.  ``tests/byhand_grader/test_sample_class.py`` holds the score each must get.
"""

import shutil
from pathlib import Path

import nbformat

from byhand_grader.assignment import load_assignment

TIMESTAMP = "2026-11-20 12:00:00.000000 UTC"

STUDENT_P5 = """Seed 0. The hidden unit is an AND detector: h is near 1 only for [1,1].
For 00 only b1 acts and it is negative, so the output is off. For 01 and 10 one
direct weight beats the bias: on. For 11 both direct weights would turn it on but
w2*h is large and negative and vetoes it: off. The hidden unit supplies AND, which
no single line through the inputs can, and OR minus AND is XOR."""

#: Scenarios of an assignment whose description names none.
BASIC = {
    "correct": ("the reference solution", lambda solved, release: solved),
    "blank": ("the release notebook, untouched", lambda solved, release: release),
}


def _strip_markers(text):
    return "\n".join(
        ln for ln in text.splitlines() if "BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln
    )


def solved_release(course, assignment):
    """The release notebook with every answer cell filled in from the source's solution."""
    release = nbformat.read(course.release_notebook(assignment), as_version=4)
    source = nbformat.read(course.source_notebook(assignment), as_version=4)
    answers = {
        c.id: _strip_markers(c.source)
        for c in source.cells
        if (c.metadata.get("nbgrader") or {}).get("solution")
    }
    for cell in release.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.id]
            if cell.cell_type == "markdown":
                cell.source = STUDENT_P5
    return release


def scenarios(course, assignment):
    """``{name: (description, make)}`` of one assignment (grader-only when it has its own)."""
    desc = load_assignment(course, assignment)
    return desc.module(desc.scenarios).SCENARIOS if desc.scenarios else BASIC


def write_sample_class(course, folder=None):
    """Write every assignment's scenarios to ``<folder>/submitted/<name>/<a>/``.

    ``folder`` is the sample class's own (``sample_class/``, with its own gradebook) unless
    given.  Returns ``{assignment: [scenario names]}``.
    """
    out = Path(folder or course.sample_class().class_folder) / "submitted"
    written = {}
    for a in course.assignments():
        written[a] = []
        for name, (_, make) in scenarios(course, a).items():
            folder = out / name / a
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            release = nbformat.read(course.release_notebook(a), as_version=4)
            made = make(solved_release(course, a), release)
            # a notebook is written as nbformat writes it; (filename, text) verbatim
            filename, text = (
                made if isinstance(made, tuple) else (f"{a}.ipynb", nbformat.writes(made) + "\n")
            )
            (folder / filename).write_text(text, encoding="utf-8")
            (folder / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")
            written[a].append(name)
    return written
