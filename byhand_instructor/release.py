"""Verb ``release``: build the student notebooks in ``release/`` from ``source/``.

Each assignment's text twin is built into ``source/<a>/<a>.ipynb`` and handed
to ``nbgrader generate_assignment``, which strips the solutions, records the
grade cells in the gradebook and writes ``release/<a>/<a>.ipynb``.  Cell ids
are fixed and nothing depends on the time, so a re-run gives the same bytes.

The given package's ``byhand/hints.py`` is regenerated with it, from every assignment's
catalogue of known mistakes (``byhand_instructor.hints``): the notebooks' visible checks
print those hints, so a release whose catalogues changed must ship them.
"""

from byhand_grader.nbgrader_run import nbgrader

from .hints import write_hints
from .source import build_source


def release(course, assignments=None):
    """Regenerate ``release/<a>/`` for each assignment of ``course``, and ``byhand/hints.py``
    from every assignment's catalogue where the course carries the given package; return
    the paths written (the notebooks, then the hints)."""
    done = []
    for a in assignments or course.assignments():
        build_source(course, a)
        nbgrader(course, "generate_assignment", a, "--force")
        done.append(course.release_notebook(a))
    hints = write_hints(course)
    return done + ([hints] if hints else [])
