"""What the grader knows about one assignment, in one place: ``grader_tests/<a>/assignment.py``.

Intake, harness, judge and report read everything assignment-specific from
this description and nowhere else: the given setup cells the harness runs
before the student's code, the problems (the grade table's columns) and the
grade cells each is made of, the cells graded by hand, the kinds of call the
hidden checks may ask the harness to make (each a kind of the harness's one
registry, ``byhand_grader.harness.calls.KINDS``), the grade cell under which the
XOR training curves are drawn, the hand-graded cell before which the grader's
rerun of the student's explanation helper goes, and the sample-class scenarios.
Beside it, ``mistakes.py`` lists the assignment's known mistakes and ``rubric.py`` the
rubric of its hand-graded cell (both optional).  A new
assignment is a new folder, ``grader_tests/<a>/``, holding this description,
``probes.py`` (the hidden request) and ``test_<a>.py`` (the hidden checks),
beside its ``source/<a>.py``.

Points are not repeated here: they stay in the notebook's nbgrader metadata,
where nbgrader reads them.  ``Assignment.check`` compares the description with
the source notebook and fails loudly on any grade cell that one names and the
other does not.
"""

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


class AssignmentError(ValueError):
    """The description and the assignment's notebook or hidden checks disagree."""


@dataclass(frozen=True)
class Problem:
    """One column of the grade table: a heading and the grade cells it adds up."""

    column: str  #: "P1", "mlp_build": the grade table's heading
    title: str  #: what a reader of the table is told it is
    grade_cells: tuple = ()  #: autograded grade cells (nbgrader grade_id), in order
    manual_cells: tuple = ()  #: grade cells graded by hand in formgrader


@dataclass(frozen=True)
class Assignment:
    """The grader's description of one assignment (see the module docstring)."""

    name: str
    problems: tuple
    setup_cells: tuple = ()  #: given cells (by cell id) run before the student's code
    call_kinds: tuple = ()  #: the kinds of call the probes may make (harness.calls.KINDS)
    by_hand: tuple = ()  #: call kinds whose functions must not use autograd
    curves_under: str = None  #: grade cell under which the XOR training curves go
    explain_before: str = None  #: hand-graded cell the grader's rerun of the student's
    #: explanation helper goes before (calls of the kind whose
    #: ``explanation`` is set in harness.calls.KINDS)
    scenarios: str = None  #: module of sample-class scenarios in grader_tests/<a>/
    folder: Path = field(default=None, compare=False)

    @property
    def autograded_cells(self):
        return tuple(g for p in self.problems for g in p.grade_cells)

    @property
    def manual_cells(self):
        return tuple(g for p in self.problems for g in p.manual_cells)

    @property
    def columns(self):
        return tuple(p.column for p in self.problems)

    def problem_of(self, grade_id):
        """The problem (a ``Problem``) a grade cell counts in."""
        for p in self.problems:
            if grade_id in p.grade_cells or grade_id in p.manual_cells:
                return p
        raise AssignmentError(
            f"{self.name}: grade cell {grade_id!r} is in no problem of {self.folder}/assignment.py"
        )

    @property
    def tests(self):
        return self.folder / f"test_{self.name}.py"

    @property
    def mistakes(self):
        """The assignment's ``mistakes.Catalogue`` (``grader_tests/<a>/mistakes.py``'s
        ``MISTAKES``), checked: every common code (``mistakes.COMMON``, which the judge raises
        for any assignment) listed, and every mistake in problems of this description.  An
        assignment that lists none gets the common ones, on its autograded problems."""
        from .mistakes import Catalogue, COMMON, common

        path = self.folder / "mistakes.py"
        if not path.is_file():
            return Catalogue(*common(p.column for p in self.problems if p.grade_cells))
        catalogue = getattr(load_file(path), "MISTAKES", None)
        if not isinstance(catalogue, Catalogue):
            raise AssignmentError(f"{path} must define MISTAKES = Catalogue(...)")
        problems = [f"the common code {c!r} is missing" for c in COMMON if c not in catalogue]
        problems += [
            f"{m.code!r} names problem {p!r}, which is not a column of assignment.py"
            for m in catalogue
            for p in m.problems
            if p not in self.columns
        ]
        if problems:
            raise AssignmentError(f"{path}: " + "; ".join(problems) + " (mistakes.common)")
        return catalogue

    @property
    def rubric(self):
        """The rubric of the hand-graded cell (``grader_tests/<a>/rubric.py``'s ``RUBRIC``, a
        ``byhand_grader.rubric.Rubric``), or None when the assignment has none."""
        path = self.folder / "rubric.py" if self.folder is not None else None
        return load_file(path).RUBRIC if path is not None and path.is_file() else None

    @property
    def tests_digest(self):
        """A digest of every file of ``grader_tests/<a>/``: it changes with the hidden checks,
        so a results file says which checks gave its scores."""
        import hashlib

        digest = hashlib.sha256()
        for f in sorted(self.folder.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(f.relative_to(self.folder).as_posix().encode() + b"\0")
                digest.update(f.read_bytes() + b"\0")
        return digest.hexdigest()[:16]

    def module(self, name):
        """Import ``grader_tests/<a>/<name>.py`` (grader-only; not a package students can import)."""
        return load_file(self.folder / f"{name}.py")

    def check(self, source_nb):
        """Fail loudly unless the notebook's grade cells are exactly the described ones."""
        auto, manual = notebook_grade_cells(source_nb)
        described = self.autograded_cells + self.manual_cells
        problems = []
        if len(set(described)) != len(described):
            problems.append("a grade cell is listed in two problems")
        for gid in sorted(set(auto) - set(self.autograded_cells)):
            problems.append(f"the notebook's autograded cell {gid!r} is in no problem")
        for gid in sorted(set(manual) - set(self.manual_cells)):
            problems.append(f"the notebook's hand-graded cell {gid!r} is in no problem")
        for gid in sorted(set(self.autograded_cells) - set(auto)):
            problems.append(f"{gid!r} is not an autograded grade cell of the notebook")
        for gid in sorted(set(self.manual_cells) - set(manual)):
            problems.append(f"{gid!r} is not a hand-graded cell of the notebook")
        if self.curves_under and self.curves_under not in auto:
            problems.append(f"curves_under names {self.curves_under!r}, which is not a grade cell")
        if self.explain_before and self.explain_before not in manual:
            problems.append(
                f"explain_before names {self.explain_before!r}, which is not a hand-graded cell"
            )
        if self.rubric is not None:
            problems += self.rubric.problems(manual)
        from .harness.calls import KINDS

        for kind in sorted(set(self.call_kinds) - set(KINDS)):
            problems.append(
                f"call_kinds names {kind!r}, which is no kind of call the harness "
                f"makes ({', '.join(KINDS)})"
            )
        for kind in sorted(set(self.by_hand) - set(self.call_kinds)):
            problems.append(f"by_hand names {kind!r}, which is not in call_kinds")
        if problems:
            raise AssignmentError(
                f"{self.folder}/assignment.py does not match "
                f"source/{self.name}: " + "; ".join(problems) + "."
            )
        return auto, manual


def notebook_grade_cells(nb):
    """``({autograded grade_id: points}, {hand-graded grade_id: points})`` of a notebook."""
    auto, manual = {}, {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if not meta.get("grade"):
            continue
        target = manual if meta.get("solution") else auto
        target[meta["grade_id"]] = float(meta.get("points", 0))
    return auto, manual


def load_file(path):
    """Import a grader-only file by path, once per process and path.

    The module's name comes from the file's full path, so the hidden files of two
    courses (both with a ``grader_tests/partb/probes.py``) are never mixed up.
    Grader-only files import their neighbours the same way:
    ``load_file(Path(__file__).with_name("reference.py"))``.
    """
    path = Path(path).resolve()
    key = f"_byhand_grader_{_key(path)}_{path.stem}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, path)
        if spec is None:
            raise AssignmentError(f"{path} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[key]
            raise
    return sys.modules[key]


def load_assignment(course, name):
    """The description of assignment ``name`` of ``course`` (a ``byhand_grader.course.Course``)."""
    folder = course.assignment_tests(name)
    path = folder / "assignment.py"
    if not path.is_file():
        raise AssignmentError(f"assignment {name!r} has no description: {path} is missing")
    module = load_file(path)
    desc = getattr(module, "ASSIGNMENT", None)
    if not isinstance(desc, Assignment) or desc.name != name:
        raise AssignmentError(f"{path} must define ASSIGNMENT = Assignment(name={name!r}, ...)")
    return Assignment(**{**desc.__dict__, "folder": folder})


def _key(path):
    import hashlib

    return hashlib.sha256(str(path).encode()).hexdigest()[:12]


def read_source(course, name):
    """The source notebook of an assignment, checked against its description."""
    desc = load_assignment(course, name)
    nb = nbformat.read(course.source_notebook(name), as_version=4)
    desc.check(nb)
    return desc, nb
