"""Where things are in a course directory: its assignments, notebooks, hidden tests, gradebook.

A course is a directory you pass (nbgrader's ``CourseDirectory.root``; the
``byhand`` command takes the current directory, as nbgrader does), never the
place the code is installed: the same installed tools grade any number of
courses, each with its own ``grader_tests/``.  Each assignment ``<a>`` is
authored as the text twin ``source/<a>.py``, built into the notebook nbgrader
reads, ``source/<a>/<a>.ipynb``, and graded with what ``grader_tests/<a>/``
holds (its description, ``assignment.py``, and its hidden checks).
"""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Course:
    """A course directory and the paths nbgrader and byhand use inside it."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    # -- authored and generated notebooks ------------------------------------------

    def source_twin(self, assignment):
        """The authored text file of an assignment (jupytext percent format)."""
        return self.root / "source" / f"{assignment}.py"

    def source_notebook(self, assignment):
        return self.root / "source" / assignment / f"{assignment}.ipynb"

    def release_notebook(self, assignment):
        return self.root / "release" / assignment / f"{assignment}.ipynb"

    def solutions_notebook(self, assignment):
        return self.root / "solutions" / assignment / f"{assignment}.ipynb"

    def autograded_notebook(self, student, assignment):
        return self.root / "autograded" / student / assignment / f"{assignment}.ipynb"

    def assignments(self):
        """The assignments of this course, by name: every ``source/<a>.py`` twin."""
        return sorted(p.stem for p in (self.root / "source").glob("*.py") if p.is_file())

    # -- grading -----------------------------------------------------------------

    @property
    def submitted(self):
        return self.root / "submitted"

    @property
    def autograded(self):
        return self.root / "autograded"

    @property
    def grader_tests(self):
        """The hidden checks of every assignment: never shown to students."""
        return self.root / "grader_tests"

    def assignment_tests(self, assignment):
        """``grader_tests/<a>/``: the description and hidden checks of one assignment."""
        return self.grader_tests / assignment

    @property
    def intake(self):
        """Where repaired copies of submissions are staged for nbgrader (not a course folder)."""
        return self.root / ".byhand" / "intake"

    def report_csv(self, assignment):
        return self.autograded / f"report-{assignment}.csv"

    # -- nbgrader's configuration ----------------------------------------------------

    @cached_property
    def config(self):
        """``nbgrader_config.py`` of this course, as traitlets config (empty if absent)."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader
        if not (self.root / "nbgrader_config.py").is_file():
            return Config()
        return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

    @property
    def db_url(self):
        """The gradebook nbgrader uses: ``CourseDirectory.db_url``, else ``<root>/gradebook.db``."""
        url = self.config.get("CourseDirectory", {}).get("db_url")
        return url or f"sqlite:///{self.root / 'gradebook.db'}"
