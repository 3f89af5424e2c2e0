"""Does the harness run student code confined, and survive everything it does?"""

import os

import pytest

from byhand_grader import sandbox
from byhand_grader.course import Course
from byhand_grader.harness.protocol import CHILD_LIMITS, Request
from byhand_grader.limits import GraderLimits
from byhand_grader.runner import HarnessUnavailable, out_of_memory, Runner
from byhand_grader.sandbox import cgroup

from ..repo import REPO

BOUNDED, WHY_NOT = cgroup.memory_cgroup_available()
needs_cgroup = pytest.mark.skipif(not BOUNDED, reason=WHY_NOT)
# A slot of our own for the tests that start their own harness (test_sandbox.py uses 100-479).
OWN_SLOT = 900 + os.getpid() % 50

FAST = {"cell_s": 3, "call_s": 3, "total_s": 15}
GRADS = {
    "id": "g",
    "kind": "grads",
    "fn": "grads",
    "params": {"w": [1.0, 2.0], "b": [0.5]},
    "x": [1.0, 0.0],
    "y": [1.0],
}
GOOD = "import torch\ndef grads(params, x, y):\n    return {'w': x * 2, 'b': torch.ones(1)}\n"


@pytest.fixture(scope="module")
def runner():
    with Runner(REPO, slot=7) as r:
        yield r.start()


def _run(runner, *cells, calls=(GRADS,)):
    cells = [{"label": f"cell {n}", "source": s} for n, s in enumerate(cells)]
    return runner.run(Request(cells=cells, calls=list(calls), limits=FAST))


def test_calls_return_plain_data(runner):
    """Does a student function's result come back as lists, with its shape?"""
    reply = _run(runner, GOOD)
    assert reply.status == "ok"
    assert reply.calls["g"]["value"]["w"] == [2.0, 0.0]
    assert reply.calls["g"]["value"]["w.shape"] == [2]


def test_os_exit_in_a_cell_costs_only_that_cell(runner):
    """After os._exit in one cell, do the other cells and the calls still run?"""
    reply = _run(runner, GOOD, "import os\nos._exit(0)", "x = 1")
    assert reply.calls["g"]["ok"]
    assert "ended the process" in reply.reason
    assert [c["error"] is None for c in reply.cells] == [True, False, True]


def test_a_flood_of_output_is_cut_at_the_cap(runner):
    """Does a cell printing two million lines (as the sample class's output-flood does), on
    stdout and stderr, keep the first ``output_bytes`` exactly, say it was cut, and leave
    the next cell and the calls to run?

    What the lines past the cap cost (little: they never reach the pipe) is measured by
    ``benchmarks/fixed_costs.py``, not timed here: on a loaded machine this cell once
    outlasted a 3 s limit it keeps well inside when the machine is quiet."""
    cap = 4096
    flood = (
        "import sys\n"
        "for i in range(2_000_000):\n"
        "    print('debug', i, file=sys.stderr if i % 2 else sys.stdout)\n"
    )
    cells = [{"label": "cell 0", "source": flood}, {"label": "cell 1", "source": GOOD}]
    limits = {**FAST, "cell_s": 60, "total_s": 120, "output_bytes": cap}
    reply = runner.run(Request(cells=cells, calls=[GRADS], limits=limits))
    assert reply.status == "ok" and reply.limits == ["output"], reply
    assert reply.reason == "printed more than 4 KiB; output cut"
    printed = "".join(f"debug {i}\n" for i in range(1000))
    assert reply.output == printed[:cap]
    assert [c["error"] for c in reply.cells] == [None, None]
    assert reply.calls["g"]["ok"]


def test_a_cell_writing_bytes_to_stdout_gets_the_usual_type_error(runner):
    """Is ``sys.stdout.write(b"...")`` the TypeError a terminal gives, before and after the
    cap, and do ``sys.stdout.buffer``, ``fileno`` and ``flush`` still work?"""
    cell = (
        "import sys\n"
        "for when in ('before', 'after'):\n"
        "    try:\n"
        "        sys.stdout.write(b'x')\n"
        "    except TypeError as err:\n"
        "        print(when, type(err).__name__)\n"
        "    print('.' * 5000)\n"
        "sys.stdout.flush(); sys.stdout.buffer.flush(); assert sys.stdout.fileno() == 1\n"
    )
    reply = runner.run(
        Request(
            cells=[{"label": "cell 0", "source": cell}],
            calls=[],
            limits={**FAST, "output_bytes": 4096},
        )
    )
    assert reply.cells[0]["error"] is None, reply.cells
    assert reply.output.startswith("before TypeError\n.....")


def test_hang_in_a_call_is_stopped(runner):
    """Is a function that never returns stopped, with the other calls answered?"""
    slow = GOOD + "def hang(params, x, y):\n    while True:\n        pass\n"
    hang = {**GRADS, "id": "h", "fn": "hang"}
    reply = _run(runner, slow, calls=(hang, GRADS))
    assert "TimeoutError" in reply.calls["h"]["error"]
    assert reply.calls["g"]["ok"]


def test_hang_that_swallows_the_alarm_is_killed(runner):
    """Is code that catches every exception in a loop still stopped at the time limit?"""
    stubborn = (
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass\n"
    )
    reply = _run(runner, GOOD, stubborn)
    assert reply.calls["g"]["ok"]
    assert "time limit" in reply.reason


def test_memory_bomb_is_a_memory_error(runner):
    """Does a huge allocation fail inside the student's code, not in the grader?"""
    bomb = GOOD + "big = torch.ones(2**33)\n"
    reply = _run(runner, bomb)
    assert "MemoryError" in reply.cells[0]["error"]


def test_student_cannot_read_the_course(runner):
    """Are grader_tests/, source/ and the gradebook invisible from inside?"""
    spy = (
        f"import os\nseen = os.listdir({str(REPO)!r})\n"
        "def grads(params, x, y):\n    raise RuntimeError(str(seen))\n"
    )
    reply = _run(runner, spy)
    seen = reply.calls["g"]["error"]
    assert "grader_tests" not in seen and "source" not in seen and "gradebook" not in seen
    assert "byhand" in seen


def test_renamed_function_is_a_clear_error(runner):
    """Is a missing function reported by name?"""
    reply = _run(runner, "def grad(params, x, y):\n    pass\n")
    assert "no function named 'grads'" in reply.calls["g"]["error"]


def test_wrong_shape_is_a_clear_error(runner):
    """Is a gradient of the wrong shape named, with the expected shape?"""
    reply = _run(
        runner,
        "import torch\ndef grads(params, x, y):\n"
        "    return {'w': torch.ones(3), 'b': torch.ones(1)}\n",
    )
    assert "shape (3,); expected (2,)" in reply.calls["g"]["error"]


def test_nan_is_a_clear_error(runner):
    """Is a NaN gradient reported as such?"""
    reply = _run(
        runner,
        "import torch\ndef grads(params, x, y):\n"
        "    return {'w': torch.full((2,), float('nan')), 'b': torch.ones(1)}\n",
    )
    assert "NaN" in reply.calls["g"]["error"]


def test_nothing_carries_over_between_submissions(runner):
    """Can one submission see a file another one wrote?"""
    _run(runner, "open('note.txt', 'w').write('answers')\nopen('/tmp/t', 'w').write('x')")
    reply = _run(
        runner,
        "import os\nfound = os.listdir('.') + os.listdir('/tmp')\n"
        "def grads(params, x, y):\n    raise RuntimeError(str(found))\n",
    )
    assert "note.txt" not in reply.calls["g"]["error"]


@needs_cgroup
def test_harness_runs_in_its_memory_cgroup(runner):
    """Is every process of the harness's sandbox inside a cgroup sized for the harness plus
    one submission?"""
    inside = runner.cgroup.pids()
    assert (
        set(sandbox.uids._processes(sandbox.BASE_UID + 7)) <= inside and runner.proc.pid in inside
    )
    assert runner.cgroup.limit == GraderLimits().harness_memory_bytes + CHILD_LIMITS["memory_bytes"]


#: Four processes of 600 MiB each: every one far below the RLIMIT_AS a process gets
#: (``CHILD_LIMITS["memory_bytes"]``), together well above it.
EACH = 600 * 2**20
HOG = f"x = b'x' * {EACH}; import time; time.sleep(60)"
MANY_PROCESSES = (
    "import subprocess, sys\n"
    f"procs = [subprocess.Popen([sys.executable, '-c', {HOG!r}]) for _ in range(4)]\n"
    "for p in procs:\n    p.wait()\n"
)


@needs_cgroup
def test_processes_together_are_bounded():
    """Is a submission whose processes together exceed the memory cap, each under its
    RLIMIT_AS, stopped with the memory reason; does the next submission on the same harness
    still grade; and is the cgroup gone once the runner is closed?"""
    assert EACH < CHILD_LIMITS["memory_bytes"] < 4 * EACH
    slow = {"cell_s": 30, "call_s": 5, "total_s": 60}  # the cap, not a timer, must stop it
    with Runner(REPO, slot=OWN_SLOT) as r:
        r.start()
        where, harness = r.cgroup.path, r.proc.pid
        cells = [{"label": "cell 0", "source": GOOD}, {"label": "cell 1", "source": MANY_PROCESSES}]
        reply = r.run(Request(cells=cells, calls=[GRADS], limits=slow))
        reason = out_of_memory(CHILD_LIMITS["memory_bytes"])
        assert (
            reason == "ran out of memory (the grader's limit of 1.5 GiB for the whole submission)"
        )
        assert reply.cells[1]["error"] == reason and reason in reply.reason
        assert reply.calls["g"]["ok"]  # the rest was graded after all
        assert r.proc.pid == harness  # by the same harness
        assert r.cgroup.pids() == r._harness_pids  # and nothing of the submission is left
        assert _run(r, GOOD).status == "ok"
    assert not where.exists()


@needs_cgroup
def test_harness_too_big_for_its_cgroup_says_so():
    """Does a harness that cannot even start within its cgroup say so, leaving no cgroup?"""
    limits = GraderLimits(harness_memory_mb=100 - CHILD_LIMITS["memory_bytes"] // 2**20)
    r = Runner(REPO, slot=OWN_SLOT, limits=limits)
    with pytest.raises(
        HarnessUnavailable,
        match="needs more memory than its cgroup's 100.0 MiB "
        r"\(raise c.GraderLimits.harness_memory_mb in the course's nbgrader_config.py\)",
    ):
        r.start()
    assert r.cgroup is None and r.proc is None
    assert not list(cgroup.current_memory_cgroup().glob(f"byhand-{os.getpid()}-*-slot{OWN_SLOT}"))


def test_without_a_cgroup_rlimits_still_bound(monkeypatch):
    """Where no memory cgroup can be made, does the harness start without one and still
    stop a memory bomb by its RLIMIT_AS?"""
    monkeypatch.setattr(
        cgroup,
        "memory_cgroup_available",
        lambda: (False, cgroup.fallback_sentence("cgroup v2 only")),
    )
    with Runner(REPO, slot=OWN_SLOT) as r:
        r.start()
        assert r.cgroup is None
        assert _run(r, GOOD).status == "ok"
        assert "MemoryError" in _run(r, GOOD + "big = torch.ones(2**33)\n").cells[0]["error"]


def test_a_limit_set_in_nbgrader_config_reaches_the_harness(tmp_path):
    """Does ``c.GraderLimits.cell_s`` in a course's nbgrader_config.py, read where the
    course's config is, stop a slow cell in the sandboxed harness at that limit?"""
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\nc.GraderLimits.cell_s = 1\n"
    )
    course = Course(tmp_path)
    assert course.limits.cell_s == 1 and course.limits.call_s == CHILD_LIMITS["call_s"]
    slow = "import time\ntime.sleep(5)\n"
    with Runner(course.root, slot=OWN_SLOT, limits=course.limits) as r:
        r.start()
        reply = r.run(
            Request(
                cells=[{"label": "slow cell", "source": slow}, {"label": "cell 1", "source": GOOD}],
                calls=[GRADS],
            )
        )
    assert reply.cells[0]["error_type"] == "TimeoutError", reply.cells
    assert reply.calls["g"]["ok"]
