"""Verb ``release``: build the student notebooks in ``release/`` from ``source/``.

Each assignment's text twin is built into ``source/<a>/<a>.ipynb`` and handed
to ``nbgrader generate_assignment``, which strips the solutions, records the
grade cells in the gradebook and writes ``release/<a>/<a>.ipynb``.  Cell ids
are fixed and nothing depends on the time, so a re-run gives the same bytes.
"""

from .course import ROOT, existing_assignments, release_notebook
from .nbgrader_run import nbgrader
from .source import build_source


def release(assignments=None, root=ROOT):
    """Regenerate ``release/<a>/`` for each assignment; return the notebook paths."""
    done = []
    for a in assignments or existing_assignments(root):
        build_source(a, root)
        nbgrader("generate_assignment", a, "--force", root=root)
        done.append(release_notebook(a, root))
    return done
