"""Do the hidden checks run the same wherever the grader is installed?"""

import subprocess
import sys

from ..repo import REPO

#: pytest plugins this venv installs (pytest-xdist for ``make test``; anyio's comes with
#: jupyter_server), registered for every pytest run of the venv.
INSTALLED_PLUGINS = ("xdist", "anyio")


def test_installed_pytest_plugins_stay_out_of_the_hidden_checks():
    """In a fresh process, does judging a probe (a reply with nothing in it: every check
    fails) load none of the venv's third-party pytest plugins?"""
    code = f"""
import sys
from byhand_grader.assignment import load_assignment
from byhand_grader.course import Course
from byhand_grader.harness.protocol import Reply
from byhand_grader.judge import build_calls, judge, Probe

partb = load_assignment(Course({str(REPO)!r}), "partb")
cells = judge(partb, Probe("ada", build_calls(partb, "ada"), Reply()))
print(sum(c.passed for c in cells.values()), sum(c.total for c in cells.values()))
print(*sorted({{m.split(".")[0] for m in sys.modules}} & set({INSTALLED_PLUGINS!r})))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    checks, plugins = out.stdout.splitlines()
    passed, total = map(int, checks.split())
    assert passed == 0 and total > 10  # the checks ran, and failed on nothing
    assert plugins == "", f"the hidden checks loaded {plugins}"
