"""Where things are: the course directory, its assignments and their notebooks.

The course directory is the repository root (nbgrader's ``CourseDirectory.root``);
each assignment ``<a>`` is authored as the text twin ``source/<a>.py`` and built
into the notebook nbgrader reads, ``source/<a>/<a>.ipynb``.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Assignments in the order students meet them.
ASSIGNMENTS = ("partb", "xor_mlp")


def source_twin(assignment, root=ROOT):
    """The authored text file of an assignment (jupytext percent format)."""
    return Path(root) / "source" / f"{assignment}.py"


def source_notebook(assignment, root=ROOT):
    return Path(root) / "source" / assignment / f"{assignment}.ipynb"


def release_notebook(assignment, root=ROOT):
    return Path(root) / "release" / assignment / f"{assignment}.ipynb"


def solutions_notebook(assignment, root=ROOT):
    return Path(root) / "solutions" / assignment / f"{assignment}.ipynb"


def existing_assignments(root=ROOT):
    """The assignments whose text twin exists (the extension may be absent)."""
    return [a for a in ASSIGNMENTS if source_twin(a, root).exists()]
