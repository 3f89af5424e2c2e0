"""Verb ``solutions``: execute the source notebooks into worked ``solutions/``.

``nbgrader generate_solution`` runs each source notebook top to bottom and
keeps the outputs and plots; this course sets ``CourseDirectory.solution_directory
= "solutions"`` and ``Execute.record_timing = False`` so the folder name matches
the README and the bytes do not depend on the day.
"""

from .course import ROOT, existing_assignments, solutions_notebook
from .nbgrader_run import nbgrader
from .source import build_source


def solutions(assignments=None, root=ROOT):
    """Regenerate ``solutions/<a>/`` for each assignment; return the notebook paths."""
    done = []
    for a in assignments or existing_assignments(root):
        build_source(a, root)
        nbgrader("generate_solution", a, "--force", root=root)
        done.append(solutions_notebook(a, root))
    return done
