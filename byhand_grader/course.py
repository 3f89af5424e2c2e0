"""Where things are in a course directory: its assignments, notebooks, hidden tests, gradebook.

A course is a directory you pass (nbgrader's ``CourseDirectory.root``; the
``byhand`` command takes the current directory, as nbgrader does), never the
place the code is installed: the same installed tools grade any number of
courses, each with its own ``grader_tests/``.  Each assignment ``<a>`` is
authored as the text twin ``source/<a>.py``, built into the notebook nbgrader
reads, ``source/<a>/<a>.ipynb``, and graded with what ``grader_tests/<a>/``
holds (its description, ``assignment.py``, and its hidden checks).

One class's submissions and the records made from them (``submitted/``,
``autograded/``, ``feedback/``, the gradebook, ``grades.csv``) live in the
course directory itself, as nbgrader expects, or in another folder
(``class_folder``): the bundled sample class is graded in ``sample_class/``
with its own gradebook, so its students never reach a real class's records.
"""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

#: Where the bundled sample class is graded, inside the course directory.
SAMPLE_CLASS = "sample_class"


@dataclass(frozen=True)
class Course:
    """A course directory and the paths nbgrader and byhand use inside it."""

    root: Path
    class_folder: Path = None  #: submissions and records; the course directory by default

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())
        folder = self.root if self.class_folder is None else Path(self.class_folder).resolve()
        object.__setattr__(self, "class_folder", folder)

    def sample_class(self):
        """The same course, with the bundled sample class's own submissions and records."""
        return Course(self.root, self.root / SAMPLE_CLASS)

    @property
    def is_sample(self):
        return self.class_folder != self.root

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
        return self.autograded / student / assignment / f"{assignment}.ipynb"

    def assignments(self):
        """The assignments of this course, by name: every ``source/<a>.py`` twin."""
        return sorted(p.stem for p in (self.root / "source").glob("*.py") if p.is_file())

    # -- grading -----------------------------------------------------------------

    @property
    def submitted(self):
        return self.class_folder / "submitted"

    @property
    def autograded(self):
        return self.class_folder / "autograded"

    @property
    def feedback(self):
        return self.class_folder / "feedback"

    @property
    def grades_csv(self):
        return self.class_folder / "grades.csv"

    @property
    def grader_tests(self):
        """The hidden checks of every assignment: never shown to students."""
        return self.root / "grader_tests"

    def assignment_tests(self, assignment):
        """``grader_tests/<a>/``: the description and hidden checks of one assignment."""
        return self.grader_tests / assignment

    @property
    def work(self):
        """The grader's private working folder (staged submissions, workers' scratch records)."""
        return self.class_folder / ".byhand"

    @property
    def intake(self):
        """Where repaired copies of submissions are staged for nbgrader (not a course folder)."""
        return self.work / "intake"

    def report_csv(self, assignment):
        return self.autograded / f"report-{assignment}.csv"

    def class_report(self, assignment):
        """The folder of ``byhand report``'s page (``index.html``) and its CSV files."""
        return self.autograded / f"class-report-{assignment}"

    def results_json(self, assignment):
        """The last class run's results (``results.write_results``): what ``byhand report``
        and a regrade's impact read."""
        return self.autograded / f"results-{assignment}.json"

    def regrade_csv(self, assignment):
        """What the last class run changed since the one before (``regrade.record_impact``):
        what a changed-only LMS export reads."""
        return self.autograded / f"regrade-{assignment}.csv"

    # -- nbgrader's configuration ----------------------------------------------------

    @cached_property
    def config(self):
        """``nbgrader_config.py`` of this course, as traitlets config (empty if absent)."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        if not (self.root / "nbgrader_config.py").is_file():
            return Config()
        return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

    @cached_property
    def limits(self):
        """The grader's limits on one submission (``GraderLimits``), as the course's
        ``nbgrader_config.py`` sets them (``c.GraderLimits.cell_s = 30``); defaults otherwise."""
        from .limits import GraderLimits

        return GraderLimits(config=self.config)

    @property
    def db_url(self):
        """The gradebook: ``CourseDirectory.db_url``, else ``gradebook.db`` in the class folder.

        The sample class always has its own SQLite gradebook in its folder.
        """
        url = None if self.is_sample else self.config.get("CourseDirectory", {}).get("db_url")
        return url or f"sqlite:///{self.class_folder / 'gradebook.db'}"

    def nbgrader_options(self):
        """Command-line options that point nbgrader at this class's folders and gradebook."""
        if not self.is_sample:
            return []
        return [
            f"--CourseDirectory.submitted_directory={self.submitted}",
            f"--CourseDirectory.autograded_directory={self.autograded}",
            f"--CourseDirectory.feedback_directory={self.feedback}",
            f"--CourseDirectory.db_url={self.db_url}",
        ]
