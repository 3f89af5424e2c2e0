"""The class's mistakes: each catalogue code, how many students made it, and where.

A code counts once per student, however many checks carried it; ``where`` says in
which problems (the grade table's columns) it was made.  The codes come from the
results as data (``Failure.codes``); nothing here reads a sentence.  A code the grader
could not name (``OTHER``) is listed like the others: a large count there says the
catalogue misses a mistake the class makes.
"""

from dataclasses import dataclass, field

from ..mistakes import OTHER
from .statistics import SCORED


@dataclass
class ClassMistake:
    """One catalogue code across the class."""

    code: str
    name: str  #: the instructor's one line (``Catalogue.name``)
    hint: str  #: the students' hint, or None
    students: list = field(default_factory=list)  #: who made it, sorted
    where: dict = field(default_factory=dict)  #: problem column -> students, in column order
    #: ``(student, grade_id)`` of the answers that made it, the clearest first: those
    #: whose grade cell carried this code alone
    examples: list = field(default_factory=list)
    share: float = 0.0  #: of the graded submissions
    snippet: str = None  #: one anonymised answer that made it (``snippets``), once chosen

    @property
    def count(self):
        return len(self.students)


def graded_submissions(results):
    """The students with a graded submission: the denominator of every share."""
    return sorted(r.student for r in results if r.status in SCORED)


def count_mistakes(results, assignment, catalogue=None):
    """``[ClassMistake]``: every code of the catalogue and every code the class made,
    most students first; ties in the catalogue's order, ``OTHER`` and codes the
    catalogue does not list after it.  Codes nobody made have no students (count 0)."""
    catalogue = assignment.mistakes if catalogue is None else catalogue
    order = [m.code for m in catalogue] + [OTHER]
    found = {}
    for r in results:
        if r.status not in SCORED:
            continue
        for cell in r.cells:
            column = assignment.problem_of(cell.grade_id).column
            codes_here = {code for f in cell.failures for code in f.codes}
            for code in sorted(codes_here):
                m = found.setdefault(code, {"students": set(), "where": {}, "examples": []})
                m["students"].add(r.student)
                m["where"].setdefault(column, set()).add(r.student)
                m["examples"].append((len(codes_here) > 1, r.student, cell.grade_id))
    n = len(graded_submissions(results))
    columns = list(assignment.columns)
    out = []
    for code in order + sorted(set(found) - set(order)):
        m = found.get(code, {"students": set(), "where": {}, "examples": []})
        out.append(
            ClassMistake(
                code,
                catalogue.name(code) if code in catalogue else f"{code} (not in the catalogue)",
                catalogue.hint(code) if code in catalogue else None,
                sorted(m["students"]),
                {
                    c: len(m["where"][c])
                    for c in sorted(m["where"], key=lambda c: (columns + [c]).index(c))
                },
                [(s, g) for _, s, g in sorted(m["examples"])],
                len(m["students"]) / n if n else 0.0,
            )
        )
    rank = {code: i for i, code in enumerate(m.code for m in out)}
    return sorted(out, key=lambda m: (-m.count, rank[m.code]))
