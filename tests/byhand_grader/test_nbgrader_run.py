"""Does the grader stamp a new gradebook as nbgrader's ``alembic heads`` would, without it?"""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from byhand_grader.nbgrader_run import alembic_head, use_alembic_head


def test_alembic_head_is_what_the_alembic_command_prints():
    """Is the revision read in-process the one nbgrader 0.9.6 gets from ``alembic heads``?"""
    from nbgrader.dbutil import _temp_alembic_ini

    alembic = Path(sys.executable).with_name("alembic")
    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        printed = subprocess.run(
            [str(alembic), "-c", ini, "heads"], capture_output=True, text=True, check=True
        ).stdout
    assert printed.split()[0] == alembic_head()
    assert len(alembic_head()) == 12  # a revision id, not a message


def test_a_new_gradebook_is_stamped_with_no_alembic_command(tmp_path, monkeypatch):
    """With no ``alembic`` anywhere on PATH (where nbgrader's own way fails), does a new
    gradebook get its tables and the head revision?"""
    import nbgrader.api

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    # (put back as it was after the test, whatever use_alembic_head does to it)
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", nbgrader.api.get_alembic_version)
    use_alembic_head()
    path = tmp_path / "gradebook.db"
    with nbgrader.api.Gradebook(f"sqlite:///{path}") as gb:
        gb.update_or_create_assignment("partb")
    with sqlite3.connect(path) as con:
        (version,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == alembic_head()


def _scripts(folder, history):
    """Migration scripts in ``folder/versions`` as alembic writes them: ``{revision: down}``."""
    versions = folder / "versions"
    versions.mkdir(parents=True)
    for revision, down in history.items():
        (versions / f"{revision}_step.py").write_text(
            f'"""a step"""\nfrom alembic import op\n\nrevision = {revision!r}\n'
            f"down_revision = {down!r}\n\n\ndef upgrade():\n    pass\n"
        )
    (folder / "script.py.mako").write_text("")  # what ScriptDirectory expects beside them
    return versions


def test_the_head_is_read_as_data_as_alembic_finds_it(tmp_path):
    """In a history out of name order, is the head the revision alembic's ScriptDirectory
    names, read without running the scripts?"""
    from alembic.script import ScriptDirectory

    versions = _scripts(tmp_path, {"c3": "a1", "a1": None, "b2": "c3", "0d": "b2"})
    assert alembic_head(versions) == "0d" == ScriptDirectory(str(tmp_path)).get_current_head()


def test_a_branched_history_is_left_to_alembic(tmp_path):
    """With two heads, is it alembic's own error, not one head picked by chance?"""
    from alembic.util import CommandError

    versions = _scripts(tmp_path, {"a1": None, "b2": "a1", "c3": "a1"})
    with pytest.raises(CommandError, match="head"):
        alembic_head(versions)


def test_nbgraders_head_is_read_without_importing_alembic():
    """Does a new process find nbgrader's head without importing alembic?"""
    code = (
        "import sys; from byhand_grader.nbgrader_run import alembic_head; "
        "print(alembic_head(), 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [alembic_head(), "False"]
