"""The class's numbers: how scores spread, and how each hidden check behaves.

Item analysis, as a test designer reads it, on the hidden checks (one pytest test
each, ``CellGrade.checks``):

* **difficulty**: the share of the class that passes the check (the mean fraction of
  its points earned: a check is passed or failed whole);
* **corrected discrimination**: the point-biserial correlation between passing the check
  and the *rest* of the automatic total, i.e. the total minus the points this check
  itself gave (its share of its grade cell's points).  Leaving the check out of the
  total keeps a check from correlating with itself; a good check is passed more often
  by the students who do well elsewhere (a positive correlation);
* **health**: the warnings below, each from a named threshold.

The population of a check is the students whose checks ran (``JUDGED``); a submission
that could not be read (``ungradable``) ran none and only counts in the score
distributions, at the 0 the gradebook holds.
"""

import math
from dataclasses import dataclass, field

from ..report import manual_scores, problem_scores

#: Statuses whose hidden checks ran: the population of the check statistics.
JUDGED = ("graded", "partly graded")
#: Statuses with an automatic score in the gradebook: the score distributions' population
#: (an unreadable submission is recorded as 0).
SCORED = (*JUDGED, "ungradable")

#: Below this many students a check's health is not judged: with fewer, one student
#: moves a share by more than a tenth and a correlation is mostly noise.
MIN_STUDENTS = 10

#: A check that this share of the class or less passes is *failed by nearly all*.  A tenth
#: is far below what any teaching gap gives on a check whose cell others pass: at that
#: rate the check itself (a tolerance too tight, an input no correct answer meets, a
#: check made to accept nothing) is the first suspect, before re-teaching.
NEARLY_ALL_FAIL = 0.10

#: A check that this share of the class or more passes is *passed by nearly all*; it is
#: unhealthy only when the students who fail the other checks of its grade cell pass it
#: as often (``FAILING_OTHERS``): then it gives points for answers its siblings reject,
#: which is how a check that accepts a known mistake looks (a saturated input where the
#: missing factor 2 changes nothing).  An easy check alone is no fault.
NEARLY_ALL_PASS = 0.90

#: A student *fails the other checks* of a grade cell when they pass at most this share
#: of them (half): the students the ``NEARLY_ALL_PASS`` rule looks at.  A sibling check
#: failed by nearly all (``NEARLY_ALL_FAIL``) is left out of "the others": it has its own
#: warning, and counting it would make every student look weak and its healthy siblings
#: look lenient.
FAILING_OTHERS = 0.5

#: A corrected discrimination below this is *near zero or negative*: the check separates
#: nobody (or rewards the students who do worse elsewhere, the mark of a check that
#: tests something else than its cell's answer).  Item-analysis practice calls an item
#: below 0.2 poor and below 0 miskeyed (Ebel and Frisbie, *Essentials of Educational
#: Measurement*); hidden checks are few per cell and classes small, so only the clear
#: cases, below 0.1, are flagged.
LOW_DISCRIMINATION = 0.10


@dataclass
class Distribution:
    """How many students scored what on one problem or one grade cell."""

    part: str  #: the problem's column ("P1") or the grade cell's id
    title: str  #: what it is, for a reader
    kind: str  #: "problem", "grade cell" or "hand-graded problem"
    points: float  #: its maximum
    counts: dict  #: score -> number of students, scores ascending
    pending: int = 0  #: hand-graded: students not graded yet (not in ``counts``)
    cells: tuple = ()  #: a problem's grade cells

    @property
    def students(self):
        return sum(self.counts.values())


def score_counts(scores):
    """``{score: number of students}``, ascending by score."""
    counts = {}
    for s in scores:
        s = round(float(s), 2)
        counts[s] = counts.get(s, 0) + 1
    return dict(sorted(counts.items()))


def distributions(results, assignment):
    """Each problem's distribution (autograded and hand-graded, in the description's
    order), each followed by its grade cells' when it has more than one."""
    scored = [r for r in results if r.status in SCORED]
    out = []
    for p in assignment.problems:
        if p.grade_cells:
            per = [problem_scores(r, assignment).get(p.column) for r in scored]
            per = [x for x in per if x is not None]
            if not per:
                continue
            out.append(
                Distribution(
                    p.column,
                    p.title,
                    "problem",
                    max(pts for _, pts in per),
                    score_counts(s for s, _ in per),
                    cells=p.grade_cells,
                )
            )
            if len(p.grade_cells) > 1:
                out += [d for d in cell_distributions(scored, p.grade_cells) if d]
        elif p.manual_cells:
            manual = [manual_scores(r, assignment).get(p.column) for r in scored]
            points = max((r.manual_points.get(p.column, 0) for r in scored), default=0)
            out.append(
                Distribution(
                    p.column,
                    p.title,
                    "hand-graded problem",
                    points,
                    score_counts(s for s in manual if s is not None),
                    pending=sum(s is None for s in manual),
                    cells=p.manual_cells,
                )
            )
    return out


def cell_distributions(results, grade_ids):
    """The distribution of each grade cell in ``grade_ids`` (None where no student has it)."""
    out = []
    for gid in grade_ids:
        cells = [c for r in results for c in r.cells if c.grade_id == gid]
        out.append(
            Distribution(
                gid,
                gid,
                "grade cell",
                max(c.points for c in cells),
                score_counts(c.score for c in cells),
            )
            if cells
            else None
        )
    return out


# -- the hidden checks -------------------------------------------------------------------


def point_biserial(passed, rest):
    """The correlation between passing (bools) and the rest of the total (numbers).

    ``(r, None)``, or ``(None, why)`` when it is undefined: a column that does not vary
    has no correlation with anything (everyone passed, everyone failed, or the rest of
    the total is the same for everyone).  The point-biserial formula,
    ``(M1 - M0) / s * sqrt(p q)`` with the population standard deviation ``s``: the same
    number as Pearson's correlation of the 0/1 column with ``rest``.
    """
    n = len(passed)
    if n != len(rest):
        raise ValueError(f"{n} pass/fail values but {len(rest)} totals")
    k = sum(bool(x) for x in passed)
    if n == 0:
        return None, "no student ran it"
    if k == n:
        return None, "undefined: every student passed it"
    if k == 0:
        return None, "undefined: every student failed it"
    mean = sum(rest) / n
    s = math.sqrt(sum((x - mean) ** 2 for x in rest) / n)
    if s < 1e-12:
        return None, "undefined: the rest of the total is the same for every student"
    m1 = sum(x for x, ok in zip(rest, passed) if ok) / k
    m0 = sum(x for x, ok in zip(rest, passed) if not ok) / (n - k)
    p = k / n
    return (m1 - m0) / s * math.sqrt(p * (1 - p)), None


@dataclass
class CheckStats:
    """One hidden check across the class."""

    grade_id: str  #: the grade cell it scores
    name: str  #: the hidden test's name (``test_logistic_grads[saturated]``)
    students: int  #: students whose checks ran
    passed: int
    discrimination: float = None  #: corrected point-biserial correlation, or None
    undefined: str = None  #: why ``discrimination`` is None
    #: of the students failing the cell's other checks (``FAILING_OTHERS``): how many, and
    #: how many of them pass this one; (0, 0) for a cell with no other check
    failing_others: tuple = (0, 0)
    health: list = field(default_factory=list)  #: warnings, one sentence each

    @property
    def difficulty(self):
        """The share of the class that passes it (None: nobody ran it)."""
        return self.passed / self.students if self.students else None


def check_stats(results, assignment=None):
    """``[CheckStats]`` of every hidden check the class ran, by grade cell then name.

    ``assignment`` orders the grade cells as its description does (else by name).
    """
    judged = [r for r in results if r.status in JUDGED]
    order = list(assignment.autograded_cells) if assignment is not None else []
    ran = {}  #: (grade cell, check) -> [(result, its CellGrade)]
    for r in judged:
        for c in r.cells:
            for name in c.checks:
                ran.setdefault((c.grade_id, name), []).append((r, c))
    share = {k: sum(bool(c.checks[k[1]]) for _, c in v) / len(v) for k, v in ran.items()}
    rank = {g: i for i, g in enumerate(order)}
    out = []
    for gid, name in sorted(ran, key=lambda k: (rank.get(k[0], len(rank)), k[0], k[1])):
        passed, rest, weak, weak_passed = [], [], 0, 0
        for r, cell in ran[gid, name]:
            ok = bool(cell.checks[name])
            own = cell.points / cell.total if ok and cell.total else 0.0
            passed.append(ok)
            rest.append(r.auto_score - own)
            # the cell's other checks, less those nearly all fail: a broken sibling would
            # make every student look as if they failed the others
            others = [
                v for k, v in cell.checks.items() if k != name and share[gid, k] > NEARLY_ALL_FAIL
            ]
            if others and sum(map(bool, others)) <= FAILING_OTHERS * len(others):
                weak += 1
                weak_passed += ok
        r_pb, why = point_biserial(passed, rest)
        stat = CheckStats(gid, name, len(passed), sum(passed), r_pb, why, (weak, weak_passed))
        stat.health = health(stat)
        out.append(stat)
    return out


def health(stat):
    """The check-health warnings of one check (empty: healthy, or too few students)."""
    if stat.students < MIN_STUDENTS:
        return []
    out = []
    share = stat.difficulty
    if share <= NEARLY_ALL_FAIL:
        out.append(
            f"almost everyone fails it ({stat.passed} of {stat.students} pass): "
            "is the check broken, or its tolerance too tight?"
        )
    weak, weak_passed = stat.failing_others
    if share >= NEARLY_ALL_PASS and weak and weak_passed >= NEARLY_ALL_PASS * weak:
        out.append(
            f"almost everyone passes it, even {weak_passed} of the {weak} students who fail "
            f"the other checks of {stat.grade_id}: does it accept wrong answers?"
        )
    if stat.discrimination is not None and stat.discrimination < LOW_DISCRIMINATION:
        if stat.discrimination < -LOW_DISCRIMINATION:
            out.append(
                f"discrimination {stat.discrimination:+.2f}: students who do better on the "
                "rest fail it more often"
            )
        else:
            out.append(f"discrimination {stat.discrimination:+.2f}, near zero: it separates nobody")
    return out
