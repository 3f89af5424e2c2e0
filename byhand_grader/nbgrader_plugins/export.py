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

All three are ``OutcomesExport``s: with ``only_changed`` they write only the students
whose final score the last class run changed, as its impact file
(``autograded/regrade-<a>.csv``, ``byhand_grader.regrade``) lists them, so after a fixed
check is regraded the LMS receives those students and nobody else.
"""

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Bool

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


def course_of(coursedir):
    """The ``Course`` whose ``autograded/`` nbgrader's ``coursedir`` points at (the sample
    class's too: ``Course.nbgrader_options`` points it at ``sample_class/autograded``)."""
    from ..course import Course

    autograded = Path(coursedir.root, coursedir.autograded_directory)
    return Course(coursedir.root, autograded.parent)


class OutcomesExport(ExportPlugin):
    """An exporter that reads the gradebook through ``outcomes``: the students and
    assignments asked for (``--student``, ``--assignment``), or with ``only_changed`` only
    the students whose final score the last regrade changed."""

    only_changed = Bool(
        False,
        help="Write only the students whose final score the last `byhand grade` changed "
        "(autograded/regrade-<assignment>.csv): after a fixed check is regraded, the LMS "
        "receives those students only. Fails when an assignment has no such file (its "
        "first grading writes none).",
    ).tag(config=True)

    def chosen(self, gradebook):
        """``outcomes`` of what was asked for; with ``only_changed``, of the changed students.

        With ``only_changed``, every assignment exported needs its impact file: one missing
        stops the export before anything is written, saying which (nbgrader's way to fail:
        the message logged, exit status 1).
        """
        if not self.only_changed:
            yield from outcomes(gradebook, self.assignment, self.student)
            return
        from ..regrade import changed_students, read_impact

        course = course_of(self.parent.coursedir)
        names = [str(a) for a in self.assignment] or [a.name for a in gradebook.assignments]
        changed = {}
        for a in names:
            path = course.regrade_csv(a)
            if not path.is_file():
                self.log.error(
                    "only_changed: %s is missing, so nothing says whose %s score changed "
                    "(a first grading compares with nothing and writes none): regrade it "
                    "with `byhand grade %s`, export only the assignments regraded "
                    "(--assignment), or export without only_changed. Nothing was exported.",
                    path,
                    a,
                    a,
                )
                sys.exit(1)
            changed[a] = changed_students(read_impact(path))
            self.log.info(
                "only_changed: %d student(s) whose %s final score changed (%s): %s",
                len(changed[a]),
                a,
                path,
                ", ".join(changed[a]) or "none",
            )
        for o in outcomes(gradebook, names, self.student):
            if o.student.id in changed[o.assignment.name]:
                yield o


class GradesExport(OutcomesExport):
    """grades.csv with a ``status`` column: graded, pending or missing."""

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        rows = list(self.chosen(gradebook))
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as f:
            out = csv.DictWriter(f, COLUMNS)
            out.writeheader()
            for o in rows:
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
