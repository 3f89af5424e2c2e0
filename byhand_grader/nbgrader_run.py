"""Run nbgrader's own commands for this course, the same way every time.

nbgrader shells out to ``alembic`` when it creates the gradebook, so the
directory of the running Python's scripts must be on PATH; a missing entry
leaves a half-made database behind (nbgrader-notes).  The grader's processes read
the revision that command prints in-process instead (``alembic_head``).  The command runs as
``python -m byhand_grader.nbgrader_plugins.main`` with the grader's own packages on its
``PYTHONPATH``, so it finds them wherever they lie (a platform's bundle carries them
as a folder, not installed).  Every verb here goes through ``nbgrader`` so that what
a user types by hand gives the same bytes.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log."""


def nbgrader(course, *args, check=True):
    """Run ``nbgrader <args>`` in the course directory (a ``Course``); return the completed process.

    For the sample class, options point nbgrader at its own folders and gradebook.
    """
    from .sandbox.exposed import python_path

    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    # The grader runs nbgrader with itself importable, wherever it lies: in a platform's
    # venv the packages are a folder beside the course (``code/``), not installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [python_path(), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "byhand_grader.nbgrader_plugins.main",
            *args,
            *course.nbgrader_options(),
        ],
        cwd=course.root,
        env=env,
        capture_output=True,
        text=True,
    )
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return proc


def scripts_on_path():
    """Ready nbgrader, used in this process, to create a gradebook: this Python's scripts
    (``alembic``) on PATH, and the new gradebook's schema revision read in this process
    (``use_alembic_head``)."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    use_alembic_head()


def alembic_head(versions=None):
    """The schema revision nbgrader stamps a new gradebook with: the head of its own
    migration scripts (``versions``: the folder of the scripts, nbgrader's by default).

    nbgrader 0.9.6 gets it by running the ``alembic heads`` command
    (``nbgrader.api.get_alembic_version``), a new process that imports nbgrader again, seconds
    of CPU for every new gradebook (a course's first, each worker's scratch one, each
    course copy of the tests).  Here the scripts' ``revision`` and ``down_revision`` lines
    are read as data, and the head is the one revision no script comes after: what
    alembic's ``ScriptDirectory`` finds, without importing alembic (0.08 s in every new
    process that makes a gradebook, nbgrader already imported: each grading worker, each
    platform submission; ``benchmarks/fixed_costs.py``).
    Scripts that do not read as one line of history are left to ``ScriptDirectory``.
    """
    from nbgrader.dbutil import ALEMBIC_DIR

    folder = Path(versions) if versions else Path(ALEMBIC_DIR) / "versions"
    head = _single_head(folder)
    if head is None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory(str(folder.parent)).get_current_head()
    return head


def _single_head(folder):
    """The one revision of the scripts in ``folder`` that no other names as its
    ``down_revision``; ``None`` where that is not one revision (a branch, a script whose
    revision is not a plain string)."""
    revisions, parents = set(), set()
    for script in sorted(folder.glob("*.py")):
        names = {}
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            target = (
                node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            )
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                try:
                    names[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    return None
        if not isinstance(names.get("revision"), str):
            return None
        revisions.add(names["revision"])
        down = names.get("down_revision")
        parents.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def use_alembic_head():
    """Have nbgrader's ``Gradebook``, in this process, stamp new gradebooks with
    ``alembic_head`` instead of running ``alembic``."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = alembic_head


def ensure_assignment(course, assignment):
    """Record the assignment in the gradebook (``generate_solution`` refuses unknown ones)."""
    from nbgrader.api import Gradebook

    scripts_on_path()
    with Gradebook(course.db_url) as gb:
        gb.update_or_create_assignment(assignment)
