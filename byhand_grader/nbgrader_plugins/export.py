"""``nbgrader export`` for this course: grades that never show a 0 that is not a score.

nbgrader's CSV exporter writes 0 for a student who submitted nothing and
counts a problem nobody has graded by hand yet as 0, so the export that
reaches an LMS cannot tell "scored 0" from "missing" or "pending".  Every
exporter here reads the gradebook through ``outcomes``, which says for each
student and assignment which it is:

* ``missing``: no submission; no score at all;
* ``pending``: some points are still to be given by hand (Problem 5 before a
  grader scored it in formgrader); the score so far is not a final score;
* ``graded``: every grade cell has its score.

``GradesExport`` (here) writes nbgrader's columns plus ``status`` and is the
course's default (``ExportApp.plugin_class`` in ``nbgrader_config.py``);
``byhand_grader.nbgrader_plugins.canvas.CanvasExport`` and
``byhand_grader.nbgrader_plugins.moodle.MoodleExport`` write what those LMSs import (``nbgrader export --exporter ...``).
"""

import csv
from dataclasses import dataclass, field

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

#: nbgrader's CSV columns, then ours.
COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
    "status",
)


@dataclass
class Outcome:
    """One student's result on one assignment, as every exporter reads it."""

    assignment: object  #: nbgrader's ``Assignment`` row
    student: object  #: nbgrader's ``Student`` row
    submission: object = None  #: nbgrader's ``SubmittedAssignment``; None: missing
    pending: tuple = field(default=())  #: grade cells with no score yet (graded by hand)

    @property
    def status(self):
        if self.submission is None:
            return "missing"
        return "pending" if self.pending else "graded"

    @property
    def score(self):
        """The score after the late penalty (including what is graded so far), or None if missing."""
        if self.submission is None:
            return None
        return self.submission.score - self.submission.late_submission_penalty


def _pending_cells(submission):
    return tuple(
        grade.name
        for nb in submission.notebooks
        for grade in nb.grades
        if grade.auto_score is None and grade.manual_score is None
    )


def outcomes(gradebook, assignments=(), students=()):
    """``Outcome`` per assignment and student the gradebook knows (only those named, if any)."""
    assignments = [str(a) for a in assignments]
    students = [str(s) for s in students]
    for assignment in gradebook.assignments:
        if assignments and assignment.name not in assignments:
            continue
        for student in gradebook.students:
            if students and student.id not in students:
                continue
            try:
                sub = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                yield Outcome(assignment, student)
            else:
                yield Outcome(assignment, student, sub, _pending_cells(sub))


def points(value):
    """A score as an LMS reads it: ``42``, ``41.5``; empty for none."""
    return "" if value is None else f"{round(value, 2):g}"


def pending_problems(course_root, outcome):
    """The problems still to be graded by hand, as the grade table names them ("P5")."""
    from ..assignment import AssignmentError, load_assignment
    from ..course import Course

    try:
        desc = load_assignment(Course(course_root), outcome.assignment.name)
        return sorted({desc.problem_of(cell).column for cell in outcome.pending})
    except AssignmentError:  # an assignment this grader has no description of: its cells
        return sorted(outcome.pending)


class GradesExport(ExportPlugin):
    """grades.csv with a ``status`` column: graded, pending or missing."""

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as f:
            out = csv.DictWriter(f, COLUMNS)
            out.writeheader()
            for o in outcomes(gradebook, self.assignment, self.student):
                a, s, sub = o.assignment, o.student, o.submission
                row = {
                    "assignment": a.name,
                    "duedate": a.duedate,
                    "student_id": s.id,
                    "last_name": s.last_name,
                    "first_name": s.first_name,
                    "email": s.email,
                    "max_score": a.max_score,
                    "status": o.status,
                }
                if sub is None:
                    row.update(timestamp="", raw_score="", late_submission_penalty="", score="")
                else:
                    row.update(
                        timestamp=sub.timestamp,
                        raw_score=sub.score,
                        late_submission_penalty=sub.late_submission_penalty,
                        score=o.score,
                    )
                out.writerow(row)
