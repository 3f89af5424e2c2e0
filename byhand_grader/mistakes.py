"""The catalogue of known mistakes: a stable code, a name for instructors, a hint for students.

Each assignment lists its mistakes in ``grader_tests/<a>/mistakes.py`` (``MISTAKES``, a
``Catalogue``).  A hidden check that recognises a mistake raises its ``Verdict`` with the
mistake's code; the code then travels as data (``judge.Failure.codes``,
``results.CellGrade``, the run's results file, the gradebook comment, the report CSV, the
Gradescope and PrairieLearn output) and is never recovered by reading a sentence.  A failed
check whose diagnosis fits no entry carries ``OTHER``: the grader says it does not know
rather than guessing.

The student package carries the hints (``byhand/hints.py``, generated from the catalogues
by ``byhand release``), never a formula that answers a problem: a hint points at the step
to re-derive.
"""

from dataclasses import dataclass

#: The code of a failed check that no catalogue entry explains.
OTHER = "other"


@dataclass(frozen=True)
class Mistake:
    """One known mistake of an assignment."""

    code: str  #: stable, kebab-case, unique in the assignment: "factor-2-missing"
    problems: tuple  #: the problem columns it belongs to ("P1", "P3", "P4")
    name: str  #: one line for instructors: "the factor 2 of d(yhat - y)^2/dyhat is missing"
    hint: str  #: for students: the step to re-derive, never the formula


class Catalogue:
    """An assignment's mistakes by code, in the order the report lists ties."""

    def __init__(self, *mistakes):
        self.mistakes = {}
        for m in mistakes:
            if m.code in self.mistakes or m.code == OTHER:
                raise ValueError(f"mistake code {m.code!r} is listed twice (or is {OTHER!r})")
            self.mistakes[m.code] = m

    def __getitem__(self, code):
        return self.mistakes[code]

    def __contains__(self, code):
        return code == OTHER or code in self.mistakes

    def __iter__(self):
        return iter(self.mistakes.values())

    def __len__(self):
        return len(self.mistakes)

    def name(self, code):
        """The instructor's one line for ``code`` (``OTHER`` included)."""
        if code == OTHER:
            return "a mistake the grader does not recognise"
        return self.mistakes[code].name

    def hint(self, code):
        """The student's hint for ``code``, or None (``OTHER`` has none)."""
        m = self.mistakes.get(code)
        return m.hint if m else None
