"""Does the grader stamp a new gradebook as nbgrader's ``alembic heads`` would, without it?"""

import sqlite3
import subprocess
import sys
from pathlib import Path

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
