"""Verb ``release``: build the student notebooks in ``release/`` from ``source/``.

Each assignment's text twin is built into ``source/<a>/<a>.ipynb`` and handed
to ``nbgrader generate_assignment``, which strips the solutions, records the
grade cells in the gradebook and writes ``release/<a>/<a>.ipynb``.  Cell ids
are fixed and nothing depends on the time, so a re-run gives the same bytes.
"""

from byhand_grader.nbgrader_run import nbgrader

from .source import build_source


def release(course, assignments=None):
    """Regenerate ``release/<a>/`` for each assignment of ``course``; return the notebook paths."""
    done = []
    for a in assignments or course.assignments():
        build_source(course, a)
        nbgrader(course, "generate_assignment", a, "--force")
        done.append(course.release_notebook(a))
    return done
