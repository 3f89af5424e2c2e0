"""Moodle and other LMSs: a plain CSV of one identifier, a grade and a feedback text per student.

``nbgrader export --exporter byhand_grader.nbgrader_plugins.moodle.MoodleExport --to moodle.csv``
writes one row per student: ``Email address`` and ``ID number`` (the nbgrader
student id), either of which Moodle's *Import grades > CSV file* maps to a user,
then for each assignment a grade column named after it and a ``<name>
feedback`` column, which Moodle maps to the grade item and its feedback.  A
score that is not final has no grade: a missing submission and one whose
Problem 5 is still to be graded by hand leave the grade empty, and the feedback
says why ("P5 still to be graded by hand (35 of 45 so far)"), so what an import
records is never the autograded part taken for the whole.
"""

import csv

from .export import OutcomesExport, pending_problems, points

#: who a row is: Moodle's names for the two identifiers it maps from
STUDENT_COLUMNS = ("Email address", "ID number", "First name", "Last name")


def feedback(outcome, problems):
    """The feedback text of one student's assignment: the status and, unless missing, the score."""
    if outcome.status == "missing":
        return "no submission"
    total = f"{points(outcome.score)} of {points(outcome.assignment.max_score)}"
    if outcome.status == "pending":
        return f"{', '.join(problems)} still to be graded by hand ({total} so far)"
    return f"graded: {total}"


class MoodleExport(OutcomesExport):
    """A CSV Moodle (or any LMS with a CSV grade import) reads; only final scores as grades."""

    def export(self, gradebook):
        dest = self.to or "moodle.csv"
        root = self.parent.coursedir.root
        rows, names = {}, []
        for o in self.chosen(gradebook):
            a, s = o.assignment, o.student
            if a.name not in names:
                names.append(a.name)
            row = rows.setdefault(
                s.id,
                {
                    "Email address": s.email or "",
                    "ID number": s.id,
                    "First name": s.first_name or "",
                    "Last name": s.last_name or "",
                },
            )
            row[a.name] = points(o.score) if o.status == "graded" else ""
            row[f"{a.name} feedback"] = feedback(
                o, pending_problems(root, o) if o.status == "pending" else ()
            )
        columns = [*STUDENT_COLUMNS, *(c for a in names for c in (a, f"{a} feedback"))]
        self.log.info("Exporting grades for Moodle to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as f:
            out = csv.DictWriter(f, columns)
            out.writeheader()
            for sid in sorted(rows):
                out.writerow(rows[sid])
