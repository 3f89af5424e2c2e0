"""Run the hidden pytest checks in ``grader_tests/`` on one submission's results.

The judge never runs student code.  ``grader_tests/<a>_probes.py`` builds the
request (hidden inputs, seeded per student); the harness answers it with plain
data; then ``grader_tests/test_<a>.py`` runs in pytest, in this trusted
process, with a ``probe`` fixture holding the request and the reply.  Each
test carries ``@pytest.mark.grade_cell("<grade_id>")``: a grade cell's score
is its points times the share of its tests that passed.

Only a failed check's *message* leaves the judge (``Verdict`` says what is
wrong on a shown example); pytest's tracebacks, which quote the hidden test
source, never do.
"""

import hashlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .course import ROOT

GRADER_TESTS = ROOT / "grader_tests"


class Verdict(AssertionError):
    """A failed check whose message is safe to show the student."""


@dataclass
class CellResult:
    """The hidden checks of one grade cell."""

    passed: int = 0
    total: int = 0
    messages: list = field(default_factory=list)   #: one per failed check, student-safe

    def score(self, points):
        return round(points * self.passed / self.total, 2) if self.total else 0.0


@dataclass
class Probe:
    """What a hidden test sees: the request the judge built and the harness's reply."""

    student: str
    calls: dict      #: call id -> the call (inputs included)
    reply: dict      #: the harness reply: cells, calls, status, reason, output

    def result(self, call_id):
        """The value a student function returned for ``call_id``, or a ``Verdict``."""
        got = self.reply.get("calls", {}).get(call_id)
        if got is None:
            fn = self.calls[call_id].get("fn", "the function")
            why = self.reply.get("reason") or "it was never reached"
            raise Verdict(f"{fn} could not be called: {why}.")
        if not got.get("ok"):
            raise Verdict(f"{self.calls[call_id].get('fn')} failed: {got.get('error')}")
        return got["value"]


def student_seed(student, assignment, salt):
    """The seed of a student's hidden inputs: fixed per student, unknown to students."""
    digest = hashlib.sha256(f"{salt}/{assignment}/{student}".encode()).hexdigest()
    return int(digest[:12], 16)


def load_module(name, tests_dir=GRADER_TESTS):
    """Import ``grader_tests/<name>.py`` (it is not a package students can import)."""
    key = f"_byhand_grader_{name}"
    if key not in sys.modules:
        path = Path(tests_dir) / f"{name}.py"
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def build_calls(assignment, student, tests_dir=GRADER_TESTS):
    """The hidden request for one student: ``{call_id: call}``."""
    probes = load_module(f"{assignment}_probes", tests_dir)
    return {call["id"]: call for call in probes.build_calls(student)}


class _Plugin:
    def __init__(self, probe):
        self._probe = probe
        self.cells = {}

    @pytest.fixture
    def probe(self):
        return self._probe

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when != "call" and not report.failed:
            return
        marker = item.get_closest_marker("grade_cell")
        if marker is None:
            return
        cell = self.cells.setdefault(marker.args[0], CellResult())
        if report.when == "call" or report.failed:
            cell.total += 1
            if report.passed:
                cell.passed += 1
            else:
                err = call.excinfo.value if call.excinfo else None
                if isinstance(err, Verdict):
                    cell.messages.append(str(err))
                elif isinstance(err, AssertionError):
                    cell.messages.append(str(err).split("\nassert")[0])
                else:
                    cell.messages.append(f"a check could not run ({type(err).__name__}); "
                                         "the grader will look at it")


def judge(assignment, probe, tests_dir=GRADER_TESTS):
    """Run ``test_<assignment>.py`` against one probe; return ``{grade_id: CellResult}``."""
    plugin = _Plugin(probe)
    args = [str(Path(tests_dir) / f"test_{assignment}.py"), "-p", "no:cacheprovider",
            "-p", "no:terminal", "-p", "no:warnings",
            "-o", "markers=grade_cell(grade_id): the grade cell a check scores",
            "--rootdir", str(tests_dir), "-c", "/dev/null"]
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the hidden checks of {assignment} did not run (pytest exit {code})")
    return plugin.cells
