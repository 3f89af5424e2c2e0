"""Verb ``sample-class``: write the bundled sample class into ``submitted/``.

Each student of the sample class is a scenario, named for what it does: the
correct solution, an unlucky seed, the blank release, the common mistakes
(gradient missing the factor 2, update along ``.grad``, a tanh forward pass
with logistic gradients) and every way a submission can attack or break the
grader (a hang, ``os._exit``, a memory bomb, a fork bomb, the ``torch.allclose``
monkeypatch, reading the hidden tests, corrupt JSON, renamed notebooks,
deleted, edited, duplicated or tagged cells).  They are built from the
release notebook and the source's solutions, so they follow every edit of
``source/``.  The scenarios themselves live in ``grader_tests/sample_scenarios.py``
(they quote the solutions, which the package never does);
``tests/test_sample_class.py`` holds the score each must get.
"""

import shutil
from pathlib import Path

import nbformat

from .course import ROOT, existing_assignments, release_notebook, source_notebook

TIMESTAMP = "2026-11-20 12:00:00.000000 UTC"

STUDENT_P5 = """Seed 0. The hidden unit is an AND detector: h is near 1 only for [1,1].
For 00 only b1 acts and it is negative, so the output is off. For 01 and 10 one
direct weight beats the bias: on. For 11 both direct weights would turn it on but
w2*h is large and negative and vetoes it: off. The hidden unit supplies AND, which
no single line through the inputs can, and OR minus AND is XOR."""


def _strip_markers(text):
    return "\n".join(ln for ln in text.splitlines()
                     if "BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln)


def solved_release(assignment, root=ROOT):
    """The release notebook with every answer cell filled in from the source's solution."""
    release = nbformat.read(release_notebook(assignment, root), as_version=4)
    source = nbformat.read(source_notebook(assignment, root), as_version=4)
    answers = {c.id: _strip_markers(c.source) for c in source.cells
               if (c.metadata.get("nbgrader") or {}).get("solution")}
    for cell in release.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.id]
            if cell.cell_type == "markdown":
                cell.source = STUDENT_P5
    return release


def scenarios():
    """``{name: (description, make)}`` from ``grader_tests/sample_scenarios.py`` (grader-only)."""
    from .judge import load_module
    return load_module("sample_scenarios").SCENARIOS


def write_sample_class(root=ROOT, dest=None):
    """Write every scenario to ``<dest or root>/submitted/<scenario>/partb/``; return the names."""
    out = Path(dest or root) / "submitted"
    for name, (_, make) in scenarios().items():
        folder = out / name / "partb"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        made = make(solved_release("partb", root))
        filename, text = made if isinstance(made, tuple) else ("partb.ipynb", nbformat.writes(made))
        (folder / filename).write_text(text if text.endswith("\n") or name == "corrupt-json"
                                       else text + "\n", encoding="utf-8")
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")
    for extra in [a for a in existing_assignments(root) if a != "partb"]:
        for name, nb in (("correct", solved_release(extra, root)),
                         ("blank", nbformat.read(release_notebook(extra, root), as_version=4))):
            folder = out / name / extra
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            (folder / f"{extra}.ipynb").write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
            (folder / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")
    return list(scenarios())
