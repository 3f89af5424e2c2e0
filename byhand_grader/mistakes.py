"""The catalogue of known mistakes: a stable code, a name for instructors, a hint for students.

Each assignment lists its mistakes in ``grader_tests/<a>/mistakes.py`` (``MISTAKES``, a
``Catalogue``), the common ones (``common``) among them.  A hidden check that recognises a
mistake raises its ``Verdict`` with the mistake's code; the code then travels as data
(``results.Failure.codes``, ``results.CellGrade``, the run's results file, the verdict
under each grade cell with the catalogue's hint, the report CSV, the Gradescope and
PrairieLearn output) and is never recovered by reading a sentence.  A failed check whose
diagnosis fits no entry carries ``OTHER``: the grader says it does not know rather than
guessing.  The judge fails loudly on a code its assignment's catalogue does not list.

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

    def hints(self, codes):
        """The hints of ``codes``, once each, in their order (``OTHER`` and unknown codes give
        none): what a student reads under a failed check."""
        return list(dict.fromkeys(h for h in map(self.hint, codes) if h))


def common(problems):
    """The mistakes the judge itself recognises, whatever the assignment: in every catalogue.

    ``judge.Probe.result`` raises these when a student function could not give a value:
    what the harness reports as data (the autograd and numerical-differentiation evidence,
    the given code changed during the call, the contract a result broke, the function
    missing or its cell failing, the stub, an error, a limit).  ``problems``: the columns
    where they can happen (an assignment's autograded problems).
    """
    problems = tuple(problems)
    return (
        Mistake(
            "autograd-used",
            problems,
            "autograd used where the answer must be by hand",
            "This problem asks for the closed form by hand: write the derivative with the chain "
            "rule instead of calling backward() or torch.autograd.",
        ),
        Mistake(
            "numerical-differentiation",
            problems,
            "a numerical derivative (finite differences) instead of the closed form",
            "Finite differences approximate the gradient; this problem asks for the exact "
            "derivative from the chain rule.",
        ),
        Mistake(
            "tampering",
            problems,
            "changed the given code while the grader called the function",
            "Leave the given code as it is: the grader runs its own copies, and a function "
            "that changes them gets no points for the calls where it did.",
        ),
        Mistake(
            "wrong-dtype",
            problems,
            "returns another type or dtype than the one asked for (a list or a float for a "
            "tensor, an integer or float64 tensor for float32)",
            "Compare the type of what you return with the docstring: a dict of tensors where "
            "it asks for one, float32 tensors, Python floats where it asks for those.",
        ),
        Mistake(
            "wrong-keys",
            problems,
            "returns a dict whose keys are not the ones asked for",
            "Return exactly the keys the docstring names (for a gradient: the keys of params), "
            "spelled the same way.",
        ),
        Mistake(
            "wrong-shape",
            problems,
            "returns a value of the wrong shape",
            "Compare the shape of each value you return with the one the docstring states: "
            "a gradient has the shape of its parameter.",
        ),
        Mistake(
            "not-finite",
            problems,
            "returns NaN or inf",
            "Your result holds NaN or inf: print the intermediate values of your function on "
            "the notebook's example to find the step where they appear.",
        ),
        Mistake(
            "raises-error",
            problems,
            "the function raises an error on the grader's inputs",
            "Your function stops with an error: call it in a new cell on the notebook's example "
            "to see the whole traceback.",
        ),
        Mistake(
            "over-limit",
            problems,
            "runs past the grader's time or memory limit",
            "Your code runs too long or uses too much memory: look for a loop that never ends "
            "or a large allocation, and time the cell on the notebook's example.",
        ),
        Mistake(
            "missing-function",
            problems,
            "the function is renamed, deleted or never defined",
            "The grader calls the function by the name the notebook gives it: check that the "
            "answer cell still defines it under that name.",
        ),
        Mistake(
            "cell-fails",
            problems,
            "the answer cell that defines the function fails when it runs",
            "Restart the kernel and run the notebook from the top: the answer cell stops with "
            "an error (a syntax error, an exception, a limit) before it defines your function.",
        ),
        Mistake(
            "not-attempted",
            problems,
            "not attempted: the stub still raises NotImplementedError",
            "Replace the raise NotImplementedError line with your answer.",
        ),
        Mistake(
            "check-crashed",
            problems,
            "a hidden check itself failed to run (the grader's fault, not the student's)",
            "The grader could not run this check on your answer: your instructor will look at it.",
        ),
    )


#: The codes of ``common``, which the judge raises and every catalogue lists.
COMMON = tuple(m.code for m in common(()))


def cell_codes(cell):
    """The codes of a grade cell's failed checks (a ``results.CellGrade``), once each, in
    the order the checks gave them."""
    return list(dict.fromkeys(c for f in cell.failures for c in f.codes))


def codes_by_problem(result, assignment):
    """``{column: [code, ...]}`` of a ``StudentResult``: each failed check's codes under the
    problem of its grade cell, once each, in the order the checks gave them."""
    out = {}
    for cell in result.cells:
        if cell.failures:
            codes = out.setdefault(assignment.problem_of(cell.grade_id).column, [])
            codes += [c for c in cell_codes(cell) if c not in codes]
    return out


def codes_text(result, assignment):
    """The codes per problem as one line: ``P1:factor-2-missing; P4:dh-missing-w2, other``."""
    return "; ".join(
        f"{column}:{', '.join(codes)}"
        for column, codes in codes_by_problem(result, assignment).items()
    )


def markdown_table(catalogue):
    """The catalogue as the Markdown table ``docs/grading/mistakes.md`` shows (a test keeps
    the page equal to it): code, problems, the name for instructors, the hint for students."""
    rows = ["| code | problems | what it is | the hint a student reads |", "|---|---|---|---|"]
    for m in catalogue:
        rows.append(f"| `{m.code}` | {', '.join(m.problems)} | {m.name} | {m.hint} |")
    return "\n".join(rows) + "\n"
