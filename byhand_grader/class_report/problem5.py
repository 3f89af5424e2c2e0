"""Problem 5 across the class: what the students' own XOR networks learned, and its grading.

The grader reruns each student's network from their own seed (``annotate`` shows the
run to the person grading); which of the eight solution families its hidden unit took
(``byhand.explain.FAMILIES``) and whether it learned XOR at all reach the report through
``problem5_run``, the one place that reads them from a ``StudentResult``.  Problem 5 is
graded by hand: the gradebook's manual scores say who is graded and who is pending.
"""

from collections import Counter
from dataclasses import dataclass, field

from ..report import manual_scores
from .statistics import SCORED

#: What the report shows for a student whose results record no Problem 5 run.
NOT_RECORDED = "not recorded"


def problem5_run(result):
    """``(family, learned)`` of the student's own XOR network, as the last run recorded it.

    ``family``: the name of the solution family its hidden unit found ("NOR", "x0 AND NOT
    x1", ...), or None when the network did not learn XOR (no family to name);
    ``learned``: True or False, or None when the result records no run (a results file
    written before the run was recorded, or a submission whose network never trained):
    the report then says ``NOT_RECORDED``.

    The run is the result's ``problem5`` field: a mapping (as the results file holds it)
    or an object with ``family`` and ``learned``.
    """
    run = getattr(result, "problem5", None)
    if not run:
        return None, None
    get = run.get if isinstance(run, dict) else (lambda key: getattr(run, key, None))
    learned = get("learned")
    if learned is None:
        return None, None
    return (get("family") or None) if learned else None, bool(learned)


@dataclass
class Problem5Summary:
    """Problem 5 across the class."""

    column: str = None  #: the hand-graded problem's column ("P5"), None if there is none
    families: dict = field(default_factory=dict)  #: family -> students, most first
    not_learned: list = field(default_factory=list)  #: students whose network did not learn
    not_recorded: list = field(default_factory=list)  #: students with no recorded run
    graded: dict = field(default_factory=dict)  #: student -> manual score
    pending: list = field(default_factory=list)  #: students not graded yet
    runs: dict = field(default_factory=dict)  #: student -> (family, learned)

    @property
    def applies(self):
        """Whether the assignment has a Problem 5 to report: a hand-graded problem, or a
        recorded run (an assignment without either, ``xor_mlp``, has no such section)."""
        return self.column is not None or len(self.not_recorded) < len(self.runs)


def summarise(results, assignment):
    """The families, the networks that did not learn, and who is graded or pending."""
    column = next((p.column for p in assignment.problems if p.manual_cells), None)
    out = Problem5Summary(column=column)
    families = Counter()
    for r in sorted((r for r in results if r.status in SCORED), key=lambda r: r.student):
        family, learned = out.runs[r.student] = problem5_run(r)
        if learned is None:
            out.not_recorded.append(r.student)
        elif not learned:
            out.not_learned.append(r.student)
        else:
            families[family or "unnamed"] += 1
        if column is not None:
            score = manual_scores(r, assignment).get(column)
            if score is None:
                out.pending.append(r.student)
            else:
                out.graded[r.student] = score
    out.families = dict(sorted(families.items(), key=lambda kv: (-kv[1], kv[0])))
    return out
