"""The class report: what to re-teach, which checks to look at, and how the class did.

``byhand report ASSIGNMENT`` (``byhand_instructor/report.py``) calls ``write_report``:
one self-contained HTML page, ``autograded/class-report-<a>/index.html``, and the same
figures as CSV files beside it (``tables``), built from the last grading run's results
and the gradebook (``gather``).  The modules, one per role:

* ``gather``: what is read (results, gradebook, a regrade's impact);
* ``mistake_counts``: the class's mistakes by catalogue code;
* ``snippets``: one anonymised answer per mistake;
* ``statistics``: score distributions, and each hidden check's difficulty, corrected
  discrimination and health;
* ``problem5``: the families the students' own networks learned, and Problem 5's grading;
* ``charts``: the bar charts, as images inside the page, with alt text;
* ``page`` and ``tables``: the HTML page and the CSV files.
"""

from dataclasses import dataclass, field

from ..report import flag_details
from .gather import ClassData, gather
from .mistake_counts import count_mistakes, graded_submissions
from .problem5 import Problem5Summary, summarise
from .snippets import snippet
from .statistics import check_stats, distributions

#: The statuses a student can have, in the order the report lists them (``grade.py``).
STATUSES = ("graded", "partly graded", "ungradable", "failed", "missing")
#: The page's file name inside the report's folder.
PAGE = "index.html"


@dataclass
class ClassReport:
    """Every figure of the report, computed once; the page and the CSVs only lay it out."""

    data: ClassData
    students: list  #: students with a graded submission (the denominator of every share)
    statuses: dict  #: status -> students, every status of ``STATUSES``
    reasons: dict  #: student -> their reasons, for the students not plainly graded
    flags: list  #: ``(student, flag, details)``, by student then flag
    mistakes: list  #: ``mistake_counts.ClassMistake``, most students first
    distributions: list  #: ``statistics.Distribution``
    checks: list  #: ``statistics.CheckStats``
    problem5: Problem5Summary = field(default_factory=Problem5Summary)

    @property
    def assignment(self):
        return self.data.assignment


def build_report(course, name, data=None):
    """Compute the class report of assignment ``name`` from ``data`` (by default what
    ``gather`` reads); the snippets come from ``course``'s autograded notebooks."""
    data = gather(course, name) if data is None else data
    results = data.results
    statuses = {s: sorted(r.student for r in results if r.status == s) for s in STATUSES}
    for r in sorted(results, key=lambda r: r.student):  # a status not in STATUSES still shows
        if r.status not in STATUSES:
            statuses.setdefault(r.status, []).append(r.student)
    mistakes = count_mistakes(results, data.assignment)
    for m in mistakes:
        m.snippet = next(
            (
                text
                for student, grade_id in m.examples
                if (
                    text := snippet(
                        course.autograded_notebook(student, name),
                        grade_id,
                        [student, *data.names.get(student, ())],
                    )
                )
            ),
            None,
        )
    return ClassReport(
        data=data,
        students=graded_submissions(results),
        statuses=statuses,
        reasons={r.student: r.reasons for r in results if r.status != "graded" and r.reasons},
        flags=[
            (r.student, flag, flag_details(value))
            for r in sorted(results, key=lambda r: r.student)
            for flag, value in sorted(r.flags.items())
        ],
        mistakes=mistakes,
        distributions=distributions(results, data.assignment),
        checks=check_stats(results, data.assignment),
        problem5=summarise(results, data.assignment),
    )


def write_report(course, name, folder=None):
    """Write the class report of ``name``: the page and its CSVs in ``folder`` (by default
    ``course.class_report(name)``); return the page's path."""
    from .page import render
    from .tables import write_tables

    report = build_report(course, name)
    folder = course.class_report(name) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    tables = write_tables(report, folder)
    page = folder / PAGE
    page.write_text(render(report, [t.name for t in tables]), encoding="utf-8")
    return page
