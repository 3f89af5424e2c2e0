"""Problem 5 across the class: what the students' own XOR networks learned, and its grading.

The grader reruns each student's network from their own seed, and from the next attempts
while a run does not compute XOR, as the notebook asks the student to (``rubric.assist``
records it in ``StudentResult.problem5``); which of the eight solution families the hidden
unit took (``byhand.explain.FAMILIES``) and whether the student's own seed learned XOR reach
the report through ``problem5_run``, the one place that reads them.  Problem 5 is graded by
hand: the gradebook's manual scores say who is graded and who is pending, and how often the
points given agree with the grader's suggestion (``rubric.agreement``).
"""

from collections import Counter
from dataclasses import dataclass, field

from ..report import manual_scores
from .statistics import SCORED

#: What the report shows for a student whose results record no Problem 5 run.
NOT_RECORDED = "not recorded"


def problem5_run(result):
    """``(family, learned)`` of the student's own XOR network, as the last run recorded it.

    ``family``: the solution family ("NOR", "x0 AND NOT x1", ...) of the first recorded run
    that learned XOR (the student's own seed, else a later attempt), None when no run did;
    ``learned``: whether the run from the student's own seed learned XOR, or None when the
    result records no run (a results file from before the grader recorded them, or a
    submission whose network never trained): the report then says ``NOT_RECORDED``.

    Read from ``StudentResult.problem5`` (``rubric.assist``): its ``runs``, in attempt
    order, each with ``family`` and ``learned``; a record without ``runs`` gives its own
    ``family`` and ``learned``.
    """
    run = getattr(result, "problem5", None) or {}
    runs = run.get("runs") or []
    if runs:
        first = next((r for r in runs if r.get("learned")), None)
        return (first or {}).get("family"), bool(runs[0].get("learned"))
    if run.get("learned") is None:
        return None, None
    return (run.get("family") if run["learned"] else None), bool(run["learned"])


@dataclass
class Problem5Summary:
    """Problem 5 across the class."""

    column: str = None  #: the hand-graded problem's column ("P5"), None if there is none
    families: dict = field(default_factory=dict)  #: family -> students, most first
    not_learned: list = field(default_factory=list)  #: own seed did not learn XOR
    learned_later: list = field(default_factory=list)  #: of those, a later attempt did
    not_recorded: list = field(default_factory=list)  #: students with no recorded run
    graded: dict = field(default_factory=dict)  #: student -> manual score
    pending: list = field(default_factory=list)  #: students not graded yet
    runs: dict = field(default_factory=dict)  #: student -> (family, learned)
    #: ``rubric.agreement``: how often the points given agree with the suggestion; None
    #: without a rubric
    agreement: dict = None

    @property
    def applies(self):
        """Whether the assignment has a Problem 5 to report: a hand-graded problem, or a
        recorded run (an assignment without either, ``xor_mlp``, has no such section)."""
        return self.column is not None or len(self.not_recorded) < len(self.runs)


def summarise(results, assignment):
    """The families, the networks that did not learn, who is graded or pending, and how
    often the points given agree with the grader's suggestion."""
    problem = next((p for p in assignment.problems if p.manual_cells), None)
    out = Problem5Summary(column=problem.column if problem else None)
    families = Counter()
    scored = sorted((r for r in results if r.status in SCORED), key=lambda r: r.student)
    for r in scored:
        family, learned = out.runs[r.student] = problem5_run(r)
        if learned is None:
            out.not_recorded.append(r.student)
        elif not learned:
            out.not_learned.append(r.student)
            if family is not None:
                out.learned_later.append(r.student)
        if family is not None:
            families[family] += 1
        if problem is not None:
            score = manual_scores(r, assignment).get(problem.column)
            if score is None:
                out.pending.append(r.student)
            else:
                out.graded[r.student] = score
    out.families = dict(sorted(families.items(), key=lambda kv: (-kv[1], kv[0])))
    if problem is not None and len(problem.manual_cells) == 1:
        from ..rubric import agreement

        grade_id = problem.manual_cells[0]
        out.agreement = agreement(scored, {r.student: r.manual.get(grade_id) for r in scored})
    return out
