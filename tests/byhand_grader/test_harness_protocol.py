"""Is the wire between the runner and the harness typed, torch-free and one-way?

The runner imports ``byhand_grader.harness.protocol`` and nothing else of the harness;
the harness imports only the given package ``byhand`` and its own modules.  Checked in
fresh interpreters, by the modules each one actually loads.
"""

import json
import subprocess
import sys

from byhand_grader.harness.calls import KINDS
from byhand_grader.harness.protocol import no_flags, Reply, reply_from, Request

from ..repo import REPO

LOADED = (
    "import importlib, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
    "('byhand', 'byhand_grader', 'torch'))))"
)


def _loaded(module):
    proc = subprocess.run(
        [sys.executable, "-c", LOADED, module],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_protocol_and_the_runner_load_no_torch_side_harness():
    """Does importing the protocol load neither torch nor another harness module, and the
    runner no harness module but the protocol?"""
    assert [m for m in _loaded("byhand_grader.harness.protocol") if m != "byhand_grader"] == [
        "byhand_grader.harness",
        "byhand_grader.harness.protocol",
    ]
    harness = [m for m in _loaded("byhand_grader.runner") if m.startswith("byhand_grader.harness")]
    assert harness == ["byhand_grader.harness", "byhand_grader.harness.protocol"]


def test_the_harness_loads_only_byhand_and_itself():
    """Does the harness's whole process (its supervisor) load nothing of the grader outside
    ``byhand_grader.harness``?"""
    grader = {
        m for m in _loaded("byhand_grader.harness.supervisor") if m.split(".")[0] == "byhand_grader"
    }
    assert {m for m in grader if not m.startswith("byhand_grader.harness")} == {"byhand_grader"}


def test_request_and_reply_round_trip_through_the_wire():
    """Does a Request or Reply come back equal from its wire form, and a missing key
    take its default?"""
    request = Request(
        cells=[{"label": "a", "source": "x = 1"}],
        calls=[{"id": "g", "kind": "grads", "fn": "grads"}],
        call_kinds=["grads"],
        by_hand=["grads"],
        limits={"cell_s": 3},
    )
    wire = json.loads(json.dumps(request.to_wire()))
    assert Request.from_wire(wire) == request
    assert "train_watch_every" not in wire
    reply = Reply(
        calls={"g": {"ok": True, "value": {"w": [1.0]}}},
        status="killed",
        reason="why",
        limits=["time"],
    )
    assert Reply.from_wire(json.loads(json.dumps(reply.to_wire()))) == reply
    assert Reply.from_wire({"status": "ok"}) == Reply()
    assert Reply().flags == no_flags()


def test_reply_from_the_childs_lines():
    """Are the child's lines folded into a Reply: cells, calls, flags, and the end?"""
    reply, finished = reply_from(
        [
            {"cell": "a", "error": None, "error_type": None},
            {"call": "g", "ok": True, "value": 1},
            {"flag": "fork", "count": 2},
            "noise",
            {"done": True},
        ]
    )
    assert finished
    assert reply.cells == [{"label": "a", "error": None, "error_type": None}]
    assert reply.calls == {"g": {"ok": True, "value": 1}} and reply.flags["fork"] == 2


def test_every_kind_an_assignment_names_is_in_the_registry():
    """Does each course assignment's description name only kinds of ``calls.KINDS``, and
    only its own kinds as by hand?"""
    from byhand_grader.assignment import load_assignment

    from ..repo import COURSE

    for name in COURSE.assignments():
        desc = load_assignment(COURSE, name)
        assert set(desc.call_kinds) <= set(KINDS), name
        assert set(desc.by_hand) <= set(desc.call_kinds), name
