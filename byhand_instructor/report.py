"""Verb ``report``: the class report of an assignment, a page and its CSV files.

``byhand report partb`` reads the last grading run's results and the gradebook and
writes ``autograded/class-report-partb/index.html`` (one self-contained page: the
class's mistakes, check health, a regrade's impact, score distributions, statuses and
flags, Problem 5) and the same figures as CSV beside it
(``byhand_grader.class_report``).
"""

from byhand_grader.class_report import write_report
from byhand_grader.class_report.gather import NoResults


def graded_assignments(course):
    """The assignments of ``course`` that a grading run left results for."""
    return [a for a in course.assignments() if course.results_json(a).is_file()]


def report(course, assignments=None):
    """Write the class report of each assignment (default: each one graded); return the
    pages' paths.  Raises ``NoResults`` with what to run when there is nothing to report."""
    if not assignments:
        assignments = graded_assignments(course)
        if not assignments:
            raise NoResults(
                "no assignment has been graded yet (no autograded/results-<a>.json): "
                "run `byhand grade` first"
            )
    return [write_report(course, a) for a in assignments]
