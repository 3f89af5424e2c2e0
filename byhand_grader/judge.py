"""Run one assignment's hidden pytest checks on one submission's results.

The judge never runs student code.  ``grader_tests/<a>/probes.py`` builds the
calls (hidden inputs, seeded per student), which the judge sends as a ``Request``
(``build_request``); the harness answers it with plain data, a ``Reply``; then ``grader_tests/<a>/test_<a>.py`` runs in pytest, in this trusted
process, with a ``probe`` fixture holding the request and the reply.  Each
test carries ``@pytest.mark.grade_cell("<grade_id>")``: a grade cell's score
is its points times the share of its tests that passed.  The judge fails
loudly (``AssignmentError``) on a test marked for no grade cell of the
assignment's description, on a test with no mark, and on an autograded grade
cell that no test scores: such a cell would otherwise give 0 or full marks by
accident.

The judge also weighs the static autograd scan of the answer cells
(``make_probe``): a by-hand call whose code uses autograd fails its checks as one
the harness caught at run time does (``Probe.got``), and the reply stays as the
harness sent it.

Only a failed check's *message* leaves the judge (``Verdict`` says what is
wrong on a shown example, and a one-line ``summary`` for the grade table), with
the codes of the mistakes it recognised (``grader_tests/<a>/mistakes.py``; the
common ones, ``mistakes.common``, come from ``Probe.result``); pytest's
tracebacks, which quote the hidden test source, never do.  A code the
assignment's catalogue does not list fails the judgement loudly
(``AssignmentError``).
"""

import hashlib
from dataclasses import dataclass, field

import pytest

from .assignment import AssignmentError
from .autograd_scan import scan
from .harness.calls import KINDS
from .harness.protocol import Request
from .mistakes import OTHER
from .results import Failure


class Verdict(AssertionError):
    """A failed check whose message is safe to show the student.

    ``summary`` is the short form the grade table shows (default: the message);
    ``codes`` the catalogue's codes of the mistakes the check recognised
    (``grader_tests/<a>/mistakes.py``), ``(OTHER,)`` when it recognised none.
    """

    def __init__(self, message, summary=None, codes=(OTHER,)):
        super().__init__(message)
        self.message = message
        self.summary = summary or message
        self.codes = tuple(codes) or (OTHER,)


@dataclass
class CellResult:
    """The hidden checks of one grade cell."""

    passed: int = 0
    total: int = 0
    failures: list = field(default_factory=list)  #: a ``Failure`` per failed check
    checks: dict = field(default_factory=dict)  #: test name -> passed (for the grader's own tests)

    def score(self, points):
        return round(points * self.passed / self.total, 2) if self.total else 0.0


@dataclass
class Probe:
    """What a hidden test sees: the request the judge built and the harness's reply."""

    student: str
    calls: dict  #: call id -> the call (inputs included)
    reply: object  #: the harness's ``Reply``: cells, calls, flags, status, reason, output
    #: what the static scan of the answer cells found: function -> evidence of autograd
    #: (``make_probe``), and the kinds whose functions are written by hand
    scan: dict = field(default_factory=dict)
    by_hand: tuple = ()

    def got(self, call_id):
        """The harness's reply to ``call_id`` as the judge weighs it, or None (never reached).

        A by-hand call whose function (or, for training, its forward pass) the static scan
        found using autograd counts as failed with the evidence, like one the harness
        caught at run time, whatever it returned.
        """
        call = self.calls.get(call_id) or {}
        evidence = next((self.scan[f] for f in _functions(call) if f in self.scan), None)
        if evidence and call.get("kind") in self.by_hand:
            return {
                "ok": False,
                "error": f"AutogradUsed: {evidence}",
                "error_type": "AutogradUsed",
                "autograd": evidence,
                "missing": False,
                "cause": None,
            }
        return self.reply.calls.get(call_id)

    def result(self, call_id):
        """The value a student function returned for ``call_id``, or a ``Verdict``.

        The verdict carries the common code (``mistakes.common``) of what the harness
        reported as data: autograd, numerical differentiation, the given code changed, a
        broken contract (``contract``), a missing function or its failing cell, the stub,
        a limit, an error.
        """
        got = self.got(call_id)
        fn = self.calls[call_id].get("fn", "the function")
        if got is None:
            why = self.reply.reason or "it was never reached"
            codes = ("over-limit",) if self.reply.limits else (OTHER,)
            raise Verdict(f"{fn} could not be called: {why}.", codes=codes)
        if got.get("autograd"):
            raise Verdict(
                f"{fn} computes its result with autograd ({got['autograd']}); the "
                "homework asks for the closed form by hand, so this check gives no "
                "points.",
                summary=f"{fn} uses autograd instead of the closed form",
                codes=("autograd-used",),
            )
        numerical = self.numerical(call_id)
        if numerical:
            raise Verdict(
                f"{fn} differentiates numerically ({numerical}): it evaluates the "
                "loss at parameters moved by a small step, instead of using the "
                "closed form. By hand means the derivative's formulas (the chain "
                "rule), so this check gives no points.",
                summary=f"{fn} differentiates numerically instead of using the closed form",
                codes=("numerical-differentiation",),
            )
        if got.get("ok"):
            return got["value"]
        error = got.get("error")
        if got.get("error_type") == "NotImplementedError":
            raise Verdict(
                f"{fn} failed: {error}",
                summary="not attempted (the stub raises NotImplementedError)",
                codes=("not-attempted",),
            )
        if got.get("missing"):
            cause, missing = got.get("cause"), f"there is no function named '{fn}'"
            raise Verdict(
                f"{missing}; {cause}" if cause else f"{missing} (was it renamed or never defined?)",
                summary=cause or missing,
                codes=("cell-fails",) if cause else ("missing-function",),
            )
        raise Verdict(f"{fn} failed: {error}", codes=(_error_code(got),))

    def numerical(self, call_id):
        """The harness's evidence that ``call_id``'s gradient differentiates numerically, or None.

        A gradient function caught on one of its calls is caught on all of them: the same
        code ran on inputs where a step changes fewer of the network's values (``x = 0``
        leaves ``w`` out of ``net``), so one call may show it where another cannot.
        """
        got = self.got(call_id) or {}
        if got.get("numerical"):
            return got["numerical"]
        call = self.calls[call_id]
        if not _numeric(call):
            return None
        for cid in self.reply.calls:
            other, twin = self.got(cid) or {}, self.calls.get(cid) or {}
            if (
                other.get("numerical")
                and twin.get("kind") == call.get("kind")
                and twin.get("fn") == call.get("fn")
            ):
                return other["numerical"]
        if call.get("fn") in ((self.reply.flags or {}).get("numerical") or ()):
            return "on another of the grader's inputs"
        return None


#: The common code of each part of the contract a result may break (``byhand.contract``).
CONTRACT_CODES = {
    "type": "wrong-dtype",
    "keys": "wrong-keys",
    "shape": "wrong-shape",
    "finite": "not-finite",
}


def _error_code(got):
    """The common code of a failed call that returned no value (``Probe.result``)."""
    if got.get("error_type") == "Tampering":
        return "tampering"
    if got.get("error_type") in ("TimeoutError", "MemoryError"):
        return "over-limit"
    if got.get("contract"):
        return CONTRACT_CODES.get(got["contract"], OTHER)
    return "raises-error"


def _numeric(call):
    """Is ``call`` of a kind watched for numerical differentiation (a gradient)?"""
    kind = KINDS.get(call.get("kind"))
    return kind is not None and kind.numeric


def _functions(call):
    """The student functions a call runs: its ``fn`` and, for training, its ``forward``."""
    return [f for f in (call.get("fn"), call.get("forward")) if f]


def make_probe(assignment, student, calls, reply, cells):
    """The ``Probe`` of one submission: its calls and reply, with the static autograd scan.

    The scan (``autograd_scan.scan``, on the answer ``cells``' code, trusted side) is
    the judge's second layer of autograd detection: it reads the functions the by-hand
    calls run, and ``Probe.got`` counts a by-hand call whose function it caught as
    failed, as the harness's run-time watch would; the harness's ``reply`` stays as it
    came.
    """
    by_hand = tuple(assignment.by_hand)
    wanted = sorted({f for c in calls.values() if c["kind"] in by_hand for f in _functions(c)})
    return Probe(student, calls, reply, scan=scan(cells, wanted) if wanted else {}, by_hand=by_hand)


def student_seed(student, assignment, salt):
    """The seed of a student's hidden inputs: fixed per student, unknown to students."""
    digest = hashlib.sha256(f"{salt}/{assignment}/{student}".encode()).hexdigest()
    return int(digest[:12], 16)


def build_calls(assignment, student):
    """The hidden request for one student of ``assignment`` (a description): ``{call_id: call}``."""
    calls = {call["id"]: call for call in assignment.module("probes").build_calls(student)}
    unknown = sorted({c["kind"] for c in calls.values()} - set(assignment.call_kinds))
    if unknown:
        raise AssignmentError(
            f"{assignment.folder}/probes.py asks for call kinds {unknown}, "
            f"which assignment.py does not list ({list(assignment.call_kinds)})"
        )
    return calls


def build_request(assignment, student, cells):
    """``(calls, request)``: the hidden calls for one student of ``assignment`` by id
    (``build_calls``, what the ``Probe`` holds) and the ``Request`` that sends them to the
    harness after the submission's staged ``cells``."""
    calls = build_calls(assignment, student)
    return calls, Request(
        cells=list(cells),
        calls=list(calls.values()),
        call_kinds=list(assignment.call_kinds),
        by_hand=list(assignment.by_hand),
    )


class _Plugin:
    def __init__(self, probe, grade_cells, catalogue):
        self._probe = probe
        self.grade_cells = grade_cells
        self.catalogue = catalogue  #: the assignment's ``mistakes.Catalogue``
        self.cells = {}
        self.errors = []
        self.verdicts = {}  #: nodeid -> the Verdict its test raised

    @pytest.fixture
    def probe(self):
        return self._probe

    def pytest_collectreport(self, report):
        if report.failed:  # the hidden test file itself does not import
            self.errors.append(
                f"{report.nodeid or 'a hidden test file'} could not be collected: "
                + str(report.longrepr).strip().splitlines()[-1]
            )

    def pytest_collection_modifyitems(self, items):
        scored = set()
        for item in items:
            marker = item.get_closest_marker("grade_cell")
            if marker is None:
                self.errors.append(f"{item.nodeid} has no @pytest.mark.grade_cell")
            elif marker.args[0] not in self.grade_cells:
                self.errors.append(
                    f"{item.nodeid} is marked for {marker.args[0]!r}, which is "
                    "not an autograded cell of the assignment"
                )
            else:
                scored.add(marker.args[0])
        for gid in self.grade_cells:
            if gid not in scored:
                self.errors.append(f"no hidden check scores the grade cell {gid!r}")
        if self.errors:
            items[:] = []
            self.errors = list(dict.fromkeys(self.errors))

    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        """Take a check's ``Verdict`` where it is raised: pytest would otherwise format
        a long traceback of every failed check (most of a failing judgement's time), and
        only the verdict's message is ever shown."""
        try:
            return (yield)
        except Verdict as err:
            self.verdicts[pyfuncitem.nodeid] = err
            return True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when != "call" and not report.failed:
            return
        cell = self.cells.setdefault(item.get_closest_marker("grade_cell").args[0], CellResult())
        cell.total += 1
        verdict = self.verdicts.get(item.nodeid) if report.when == "call" else None
        passed = report.passed and verdict is None
        cell.checks[item.name] = passed
        if passed:
            cell.passed += 1
            return
        err = verdict or (call.excinfo.value if call.excinfo else None)
        if isinstance(err, Verdict):
            unknown = [c for c in err.codes if c not in self.catalogue]
            if unknown:
                self.errors.append(
                    f"{item.nodeid} raised the mistake code(s) {unknown}, which its "
                    "catalogue (mistakes.py) does not list"
                )
            cell.failures.append(Failure(err.message, err.summary, err.codes))
        else:  # a bug in a hidden test: never its source or traceback
            text = f"a check could not run ({type(err).__name__}); the grader will look at it"
            cell.failures.append(Failure(text, text, ("check-crashed",)))


def judge(assignment, probe):
    """Run the assignment's hidden checks against one probe; return ``{grade_id: CellResult}``.

    Fails loudly (``AssignmentError``) when the checks do not match the description's grade
    cells, or raise a mistake code the assignment's catalogue (``Assignment.mistakes``)
    does not list: a code nobody can name, hint or count."""
    plugin = _Plugin(probe, assignment.autograded_cells, assignment.mistakes)
    # importlib mode with the root at /: the module's name is its full path, so two courses'
    # test_partb.py are two modules, never one cached under the other's name.  No
    # unraisable-exception or logging plugin: no student code runs here, and the first's
    # gc.collect() at the end of every session cost most of a judgement in a grading
    # worker (0.35 s of 0.5), the second's capture around every test 0.1 s more.  No
    # plugin that happens to be installed (pytest-xdist, anyio's, pytest-randomly...): the
    # hidden checks run the same wherever the grader is installed, and no process pays
    # importing them (0.3 s at the first judgement of every grading process).
    args = [
        str(assignment.tests),
        "--disable-plugin-autoload",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "-p",
        "no:warnings",
        "-p",
        "no:unraisableexception",
        "-p",
        "no:logging",
        "--import-mode=importlib",
        "-o",
        "markers=grade_cell(grade_id): the grade cell a check scores",
        "--rootdir",
        "/",
        "-c",
        "/dev/null",
    ]
    code = pytest.main(args, plugins=[plugin])
    if plugin.errors:
        raise AssignmentError(
            f"the hidden checks of {assignment.name} do not match its "
            "description: " + "; ".join(plugin.errors)
        )
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(
            f"the hidden checks of {assignment.name} did not run (pytest exit {code})"
        )
    return plugin.cells
