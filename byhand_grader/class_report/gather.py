"""What the class report reads: the last run's results, the gradebook, a regrade's impact.

* ``autograded/results-<a>.json`` (``results.read_results``): every student's cells,
  checks, failures with their codes, flags and status, as the last ``byhand grade``
  left them;
* the gradebook: the hand-graded scores as they are *now* (someone may have graded
  Problem 5 in formgrader since the run), the points of each hand-graded cell, and the
  students' names (to take them out of the snippets);
* ``autograded/regrade-<a>.csv``, when the last run compared itself with the one before
  (``regrade``): per student and grade cell, the old and new score and verdict.
"""

import dataclasses
from dataclasses import dataclass, field

from ..assignment import load_assignment
from ..regrade import read_impact
from ..results import read_results


class NoResults(FileNotFoundError):
    """The assignment has no results file: it was never graded with this grader."""


@dataclass
class ClassData:
    """Everything the report is computed from."""

    assignment: object  #: the ``Assignment``
    header: dict  #: the results file's header: ``graded_at``, ``tests_digest``, ...
    results: list  #: ``StudentResult`` per student, manual scores as the gradebook has them
    names: dict = field(default_factory=dict)  #: student -> (first name, last name)
    regrade: list = None  #: the regrade impact file's ``regrade.Change``s, None without one
    notes: list = field(default_factory=list)  #: what could not be read, one sentence each


def gather(course, name):
    """Read what the report of assignment ``name`` needs; raise ``NoResults`` with what to
    run when the class has not been graded."""
    assignment = load_assignment(course, name)
    path = course.results_json(name)
    if not path.is_file():
        where = path.relative_to(course.root) if path.is_relative_to(course.root) else path
        raise NoResults(
            f"no results for {name}: {where} is missing; run `byhand grade {name}` first "
            "(grading writes it)"
        )
    header, results = read_results(path)
    data = ClassData(assignment, header, results)
    try:
        manual, points, data.names = gradebook_manual(course.db_url, name, assignment.manual_cells)
    except Exception as err:  # the results alone still make a report; say what is missing
        data.notes.append(
            f"the gradebook could not be read ({type(err).__name__}): hand-graded scores are "
            "as the last grading run saw them"
        )
    else:
        data.results = [with_manual(r, manual, points, assignment) for r in results]
    if course.regrade_csv(name).is_file():
        data.regrade = read_impact(course.regrade_csv(name))
    return data


def gradebook_manual(db_url, assignment, manual_cells):
    """``({student: {cell: manual score or None}}, {cell: points}, {student: (first, last)})``
    of the hand-graded cells, from the gradebook as it is now."""
    from nbgrader.api import Gradebook, MissingEntry

    from ..nbgrader_run import scripts_on_path

    scripts_on_path()  # ready for nbgrader to create and stamp a new gradebook
    manual, points, names = {}, {}, {}
    with Gradebook(db_url) as gb:
        for s in gb.students:
            names[s.id] = (s.first_name or "", s.last_name or "")
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return manual, points, names
        for sub in submissions:
            mine = manual.setdefault(sub.student_id, {})
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.name in manual_cells:
                        mine[grade.name] = grade.manual_score
                        points[grade.name] = grade.max_score
    return manual, points, names


def with_manual(result, manual, points, assignment):
    """``result`` with the gradebook's hand-graded scores and points (a copy)."""
    if result.student not in manual:
        return result
    mine = manual[result.student]
    return dataclasses.replace(
        result,
        manual={**result.manual, **mine},
        manual_points={
            **result.manual_points,
            **{
                p.column: sum(points.get(g, 0) for g in p.manual_cells)
                for p in assignment.problems
                if p.manual_cells and all(g in points for g in p.manual_cells)
            },
        },
    )
