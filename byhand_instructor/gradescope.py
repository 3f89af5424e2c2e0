"""Verb ``gradescope``: build an assignment's Gradescope autograder zip, or try one locally.

``build_gradescope`` writes the zip Gradescope's "Configure Autograder" page
takes (https://gradescope-autograders.readthedocs.io/en/latest/specs/): at its
root ``setup.sh`` (run once, as root, when Gradescope builds the image: the
sandbox with apt-get, the pinned packages with pip into a venv, torch from
PyTorch's CPU wheel index) and ``run_autograder`` (run per submission), then
``requirements.txt``, ``settings.json`` (``byhand_grader.platforms.gradescope.Settings``)
and the bundle of ``byhand_instructor.autograder_bundle`` (``code/``, ``course/``).

``try_gradescope`` runs a zip on one notebook the way Gradescope would, in a
temporary folder laid out like ``/autograder`` (the zip in ``source/``, the
notebook in ``submission/``, a ``submission_metadata.json``), never the
machine's own ``/autograder``; it skips ``setup.sh`` and runs ``run_autograder``
with the current Python, as otter's ``otter run`` does.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from byhand_grader.platforms.gradescope import CODE, COURSE, SETTINGS, Settings

from .autograder_bundle import (
    extract_zip,
    install_lines,
    requirements_txt,
    VENV,
    write_code,
    write_course,
    write_zip,
)

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# The sandbox for student code (bubblewrap) comes from apt-get; the grader's pinned Python
# packages from pip, into a venv: torch from PyTorch's CPU wheel index, the rest from PyPI.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
{install}
cd /autograder/source/{code}
# Bytecode of the grader, once: each submission's container starts from this image afresh.
{venv}/bin/python -m compileall -q .
# The build log's last line: how student code will be confined in this container.
{venv}/bin/python -c "from byhand_grader.sandbox import confinement; print('sandbox:', confinement().sentence)"
"""

RUN_AUTOGRADER = """\
#!/bin/sh
# Gradescope runs this once per submission, with no arguments: ROOT is /autograder and
# PYTHON the venv setup.sh made.  `byhand gradescope --try` passes a temporary folder laid
# out like /autograder and its own Python.
# usage: run_autograder [ROOT [PYTHON]]
set -e
root="${{1:-/autograder}}"
python="${{2:-{venv}/bin/python}}"
cd "$root/source/{code}"
exec "$python" -m byhand_grader.platforms.gradescope "$root"
"""

EXECUTABLE = ("setup.sh", "run_autograder")


def default_zip(course, assignment):
    """``autograders/gradescope-<a>.zip`` in the course directory (it holds the hidden checks)."""
    return course.root / "autograders" / f"gradescope-{assignment}.zip"


def build_gradescope(
    course,
    assignment,
    out=None,
    summary_visibility="visible",
    detail_visibility="after_due_date",
    require_sandbox=True,
):
    """Write the Gradescope autograder zip of ``assignment``; return its path.

    ``summary_visibility`` is the visibility of each grade cell's test (score and short
    verdict), ``detail_visibility`` that of the whole verdict of a cell that lost points
    (one of ``byhand_grader.platforms.gradescope.VISIBILITIES``).  ``require_sandbox=False``
    lets the autograder run student code with rlimits only where bubblewrap cannot confine it.
    """
    settings = Settings(assignment, summary_visibility, detail_visibility, require_sandbox)
    out = Path(out) if out else default_zip(course, assignment)
    with tempfile.TemporaryDirectory(prefix="byhand-gradescope-build-") as tmp:
        folder = Path(tmp)
        write_course(course, assignment, folder / COURSE)
        write_code(folder / CODE)
        settings.write(folder / SETTINGS)
        (folder / "requirements.txt").write_text(requirements_txt(), encoding="utf-8")
        install = "\n".join(install_lines("/autograder/source/requirements.txt"))
        (folder / "setup.sh").write_text(
            SETUP_SH.format(install=install, code=CODE, venv=VENV), encoding="utf-8"
        )
        (folder / "run_autograder").write_text(
            RUN_AUTOGRADER.format(code=CODE, venv=VENV), encoding="utf-8"
        )
        return write_zip(folder, out, executable=EXECUTABLE)


@dataclass
class Trial:
    """What running an autograder zip on one notebook gave."""

    returncode: int
    results: dict  #: the results.json, or None when none was written (a grader failure)
    log: str  #: the run's stdout and stderr (Gradescope shows it to instructors)


def try_gradescope(zip_path, notebook, student="student"):
    """Run the zip's ``run_autograder`` on ``notebook`` in a temporary ``/autograder`` layout."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"{notebook} is not a file")
    with tempfile.TemporaryDirectory(prefix="byhand-gradescope-try-") as tmp:
        root = Path(tmp)
        extract_zip(zip_path, root / "source")
        shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
        (root / "submission").mkdir()
        shutil.copy2(notebook, root / "submission" / notebook.name)
        metadata = {
            "id": 1,
            "users": [{"id": student, "name": student, "email": f"{student}@example.org"}],
        }
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        proc = subprocess.run(
            [str(root / "run_autograder"), str(root), sys.executable],
            cwd=root,
            capture_output=True,
            text=True,
        )
        path = root / "results" / "results.json"
        results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        return Trial(proc.returncode, results, proc.stdout + proc.stderr)
