"""What grading one submission found: the types that cross from a worker to the class run.

``StudentResult`` (with a ``CellGrade`` per autograded cell) is what
``submission.Worker.grade`` returns, pickled across process and machine boundaries,
and what ``record``, ``report``, ``annotate`` and the
platforms read; ``GradingStopped`` is how a class run says it ended early.
"""

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field

from .mistakes import OTHER

#: The results file's format; a reader refuses another.
RESULTS_FORMAT = 1


class GradingStopped(RuntimeError):
    """The run stopped before the end; every submission recorded so far stays recorded."""


@dataclass
class Failure:
    """One failed hidden check, as the student and the instructor read it."""

    message: str  #: the whole verdict, student-safe
    summary: str  #: one line for the grade table
    #: the catalogue's codes of the mistakes it recognised (``grader_tests/<a>/mistakes.py``),
    #: or ``(OTHER,)``: data, never read back from the sentences
    codes: tuple = (OTHER,)


@dataclass
class CellGrade:
    """The judge's score of one autograded grade cell."""

    grade_id: str
    points: float
    score: float
    passed: int
    total: int
    failures: list = field(default_factory=list)  #: ``Failure`` per failed check
    checks: dict = field(default_factory=dict)  #: hidden test name -> passed


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
    #: the grader's note on the hand-graded explanation (``rubric.assist``): the recorded
    #: network's family, whether it learned XOR (attempt, seed), the rubric items it
    #: supports, the suggested points or None, and the note's text; {} without a rubric
    problem5: dict = field(default_factory=dict)
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


# -- the run's results file: autograded/results-<a>.json ------------------------------

#: StudentResult fields that stay in the worker's scratch, never in the results file.
_SCRATCH = ("recorded", "notebook_folder")


def to_data(result):
    """``result`` as plain JSON data (the scratch fields left out)."""
    data = dataclasses.asdict(result)
    for name in _SCRATCH:
        data.pop(name, None)
    for cell in data["cells"]:
        for failure in cell["failures"]:
            failure["codes"] = list(failure["codes"])
    return data


def from_data(data):
    """The ``StudentResult`` that ``to_data`` wrote."""
    data = dict(data)
    cells = []
    for cell in data.pop("cells", []):
        cell = dict(cell)
        failures = [
            Failure(f["message"], f["summary"], tuple(f.get("codes") or (OTHER,)))
            for f in cell.pop("failures", [])
        ]
        cells.append(CellGrade(**cell, failures=failures))
    known = {f.name for f in dataclasses.fields(StudentResult)}
    return StudentResult(**{k: v for k, v in data.items() if k in known}, cells=cells)


def write_results(path, assignment, results, tests_digest, graded_at):
    """Write a class run's results to ``path`` atomically (a reader never sees half a file).

    ``tests_digest`` names the hidden checks that gave them (``assignment.tests_digest``),
    so a later run can tell a regrade after a change to ``grader_tests/`` from a rerun.
    """
    path = os.fspath(path)
    data = {
        "format": RESULTS_FORMAT,
        "assignment": assignment,
        "graded_at": graded_at,
        "tests_digest": tests_digest,
        "results": [to_data(r) for r in results],
    }
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".results-")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_results(path):
    """``(header, [StudentResult])`` of a results file; header holds everything but results."""
    with open(path) as f:
        data = json.load(f)
    if data.get("format") != RESULTS_FORMAT:
        raise ValueError(f"{path} is results format {data.get('format')}, not {RESULTS_FORMAT}")
    results = [from_data(r) for r in data.pop("results")]
    return data, results
