"""Is the code base clean by ruff's lint and format check (pyproject.toml's [tool.ruff])?"""

import subprocess
import sys

import pytest

from .repo import REPO


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_ruff(command):
    """Does ``ruff check`` / ``ruff format --check`` pass on the repository?"""
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", str(REPO)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, (
        f"`ruff {' '.join(command)}` failed (fix with `.venv/bin/ruff check --fix .` and "
        f"`.venv/bin/ruff format .`):\n{proc.stdout}{proc.stderr}"
    )
