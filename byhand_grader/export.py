"""``nbgrader export`` for this course: nbgrader's grades.csv, with no 0 that is not a score.

nbgrader's CSV exporter writes 0 for a student who submitted nothing and
counts a problem nobody has graded by hand yet as 0, so the export that
reaches an LMS cannot tell "scored 0" from "missing" or "pending".  This
plugin writes nbgrader's columns and adds ``status``: ``missing`` (no
submission: the score columns are empty), ``pending`` (some points are still
to be given by hand: the scores so far are there) or ``graded``.
``nbgrader_config.py`` selects it (``ExportApp.plugin_class``).
"""

import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

#: nbgrader's CSV columns, then ours.
COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
           "email", "raw_score", "late_submission_penalty", "score", "max_score", "status")


def _pending(submission):
    return any(grade.auto_score is None and grade.manual_score is None
               for nb in submission.notebooks for grade in nb.grades)


class GradesExport(ExportPlugin):
    """grades.csv with a ``status`` column: graded, pending or missing."""

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        students = [str(s) for s in self.student]
        assignments = [str(a) for a in self.assignment]
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as f:
            out = csv.DictWriter(f, COLUMNS)
            out.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    row = {"assignment": assignment.name, "duedate": assignment.duedate,
                           "student_id": student.id, "last_name": student.last_name,
                           "first_name": student.first_name, "email": student.email,
                           "max_score": assignment.max_score}
                    try:
                        sub = gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        row.update(timestamp="", raw_score="", late_submission_penalty="",
                                   score="", status="missing")
                    else:
                        penalty = sub.late_submission_penalty
                        row.update(timestamp=sub.timestamp, raw_score=sub.score,
                                   late_submission_penalty=penalty,
                                   score=sub.score - penalty,
                                   status="pending" if _pending(sub) else "graded")
                    out.writerow(row)
