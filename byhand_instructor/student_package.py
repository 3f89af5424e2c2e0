"""Verb ``student-package``: the wheel of the given code, for students' laptops and JupyterHub images.

Students need the package their notebooks import (``byhand``: data, neurons,
the XOR network's start, the training loop, the checks, the plots, the
Problem 5 explainer and the extension's batched engine) and nothing of the
instructor's: no grader, no build tool, no hidden test, no answer.  The
``byhand`` folder is exactly that (``tests/test_import_direction.py`` keeps
it importing neither ``byhand_grader`` nor ``byhand_instructor``), so the wheel
is that folder with a project file of its own, written here: its only
dependencies are torch, numpy and matplotlib, pinned to the versions this
course was built and tested with (the ones installed now, which
``tests/test_environment.py`` keeps equal to ``requirements.txt``).

The wheel's bytes depend only on the package: file times come from
``SOURCE_DATE_EPOCH`` (fixed here), not the clock.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import byhand

#: What the given code imports, and so all a student installs with it.
DEPENDENCIES = ("torch", "numpy", "matplotlib")

#: 2026-01-01 00:00 UTC: the time every file in the wheel carries.
SOURCE_DATE_EPOCH = "1767225600"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "byhand"
version = "{version}"
description = "The given code of the course 'gradient descent and backpropagation by hand, with PyTorch'"
requires-python = ">=3.10"
dependencies = [{dependencies}]

[tool.setuptools]
packages = ["byhand"]

[tool.setuptools.package-data]
byhand = ["*.json"]
"""


def pinned(name):
    """``name==X.Y.Z`` for the installed version (without a local tag such as ``+cpu``)."""
    return f"{name}=={version(name).split('+')[0]}"


def build_student_package(dist="dist"):
    """Build ``<dist>/byhand-<version>-py3-none-any.whl``; return its path."""
    dist = Path(dist).resolve()
    dist.mkdir(parents=True, exist_ok=True)
    package = Path(byhand.__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="byhand-student-") as tmp:
        project = Path(tmp)
        shutil.copytree(
            package, project / "byhand", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        deps = ", ".join(f'"{pinned(d)}"' for d in DEPENDENCIES)
        (project / "pyproject.toml").write_text(
            PYPROJECT.format(version=byhand.__version__, dependencies=deps), encoding="utf-8"
        )
        env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--quiet",
                "--wheel-dir",
                str(dist),
                str(project),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                "pip could not build the student wheel:\n" + (proc.stdout + proc.stderr)[-2000:]
            )
    wheel = dist / f"byhand-{byhand.__version__}-py3-none-any.whl"
    if not wheel.is_file():
        raise RuntimeError(f"pip reported success but {wheel} is not there")
    return wheel
