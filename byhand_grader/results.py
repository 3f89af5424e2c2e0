"""What grading one submission found: the types that cross from a worker to the class run.

``StudentResult`` (with a ``CellGrade`` per autograded cell) is what
``submission.Worker.grade`` returns, pickled across process and machine boundaries,
and what ``record``, ``report``, ``annotate`` and the
platforms read; ``GradingStopped`` is how a class run says it ended early.
"""

from dataclasses import dataclass, field


class GradingStopped(RuntimeError):
    """The run stopped before the end; every submission recorded so far stays recorded."""


@dataclass
class CellGrade:
    """The judge's score of one autograded grade cell."""

    grade_id: str
    points: float
    score: float
    passed: int
    total: int
    failures: list = field(default_factory=list)  #: ``judge.Failure`` per failed check


@dataclass
class StudentResult:
    """What grading one submission found; it crosses process boundaries by pickling."""

    student: str
    assignment: str
    status: str = "graded"  #: graded / partly graded / ungradable / failed
    reasons: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    cells: list = field(default_factory=list)  #: ``CellGrade`` per autograded cell
    flags: dict = field(default_factory=dict)  #: what the instructor should know: name -> details
    manual: dict = field(
        default_factory=dict
    )  #: hand-graded cell -> the gradebook's score, or None
    manual_points: dict = field(default_factory=dict)  #: hand-graded problem column -> its points
    seconds: float = 0.0
    timings: dict = field(
        default_factory=dict
    )  #: seconds per phase: intake, nbgrader, harness, judge
    recorded: object = None  #: ``record.Recorded``: what nbgrader recorded (scratch)
    notebook_folder: str = None  #: the annotated autograded folder, in the worker's scratch
    fatal: str = None  #: the grader cannot go on at all (not this student's doing)

    @property
    def failed(self):
        """Grading failed on the grader's side: nothing is recorded and no score shown."""
        return self.status == "failed"

    @property
    def auto_score(self):
        return round(sum(c.score for c in self.cells), 2)

    @property
    def max_auto(self):
        return sum(c.points for c in self.cells)
