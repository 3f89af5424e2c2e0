"""Can a submission cheat the harness: autograd inside a "by hand" answer, rebinding the
given code the harness relies on, forking, probing the filesystem?

The honest answers are the source's solutions (``solved_release``), run through the
same cells the grader sends (``harness_cells``); every cheat replaces one answer cell or
adds a cell after them.  Most checks call ``run_request`` in this process (no sandbox,
as ``test_grade_xor_mlp._harness`` does); those that need the child's fork hook, the
sandbox's own filesystem or a child killed halfway go through the real ``Runner``.
"""

import os
import signal

import nbformat
import pytest
import torch

from byhand_grader import judge
from byhand_grader.assignment import load_assignment
from byhand_grader.harness.protocol import no_flags, reply_from, Request
from byhand_grader.harness.session import run_request
from byhand_grader.intake import harness_cells
from byhand_grader.runner import Runner
from byhand_instructor.sample_class import solved_release

from ..repo import COURSE, REPO

PARTB = load_assignment(COURSE, "partb")
BY_HAND = list(PARTB.by_hand)
P1 = "answer cell 'p1_logistic_grads_answer'"
P4 = "answer cell 'p4_xor_grads_answer'"
#: A slot of its own (test_runner uses 7 and 900-949, test_sandbox 100-479).
SLOT = 950 + os.getpid() % 40


def _solution_cells(assignment):
    desc = load_assignment(COURSE, assignment)
    source = nbformat.read(COURSE.source_notebook(assignment), as_version=4)
    return harness_cells(solved_release(COURSE, assignment), source, desc.setup_cells)


CELLS = _solution_cells("partb")
ALL_CALLS = judge.build_calls(PARTB, "cheater")
#: One call of each kind and problem, and one XOR training run (the grader makes three).
CALLS = [
    ALL_CALLS[cid]
    for cid in (
        "p1/random/0",
        "p1/shown",
        "p2/step/0",
        "p3/random/0",
        "p4f/random/0",
        "p4/random/0",
    )
] + [next(c for c in ALL_CALLS.values() if c["kind"] == "train")]
TRAIN = CALLS[-1]["id"]


def _cells(replace=None, extra=()):
    """The solution's cells, ``replace`` = ``(label, source)`` swapped in, ``extra`` added."""
    cells = [dict(c) for c in CELLS]
    if replace:
        [cell] = [c for c in cells if c["label"] == replace[0]]
        cell["source"] = replace[1]
    return cells + [{"label": f"cell {n} (added by you)", "source": s} for n, s in enumerate(extra)]


def _request(cells, calls=CALLS, by_hand=BY_HAND):
    return Request(
        cells=cells, calls=list(calls), call_kinds=list(PARTB.call_kinds), by_hand=list(by_hand)
    )


def _harness(cells, calls=CALLS, by_hand=BY_HAND):
    """The harness's reply (cells, calls, flags) in this process."""
    items, alarm = [], signal.getsignal(signal.SIGALRM)
    try:
        run_request(_request(cells, calls, by_hand), items.append)
    finally:
        signal.signal(signal.SIGALRM, alarm)
    reply, _ = reply_from(items)
    return reply


@pytest.fixture(scope="module")
def honest():
    reply = _harness(_cells())
    assert all(c["error"] is None for c in reply.cells), reply.cells
    return reply


@pytest.fixture(scope="module")
def runner():
    with Runner(REPO, slot=SLOT) as r:
        yield r.start()


def test_closed_form_passes_unflagged(honest):
    """Does the solution pass every call, the XOR training run included, with no flag at all?"""
    assert all(v["ok"] for v in honest.calls.values()), honest.calls
    assert len(honest.calls) == len(CALLS)
    assert honest.flags == no_flags()


# -- autograd in a "by hand" answer ------------------------------------------------------

#: cheat -> (logistic_grads that gets its gradient from autograd, words the evidence names)
AUTOGRAD_CHEATS = {
    "backward under enable_grad": (
        "def logistic_grads(params, x, y):\n"
        "    with torch.enable_grad():\n"
        "        leaves = {k: v.clone().requires_grad_() for k, v in params.items()}\n"
        "        loss = ((logistic_forward(leaves, x)['yhat'] - y) ** 2).sum()\n"
        "        loss.backward()\n"
        "    return {k: v.grad for k, v in leaves.items()}\n",
        "called Tensor.backward",
    ),
    "torch.autograd.grad": (
        "def logistic_grads(params, x, y):\n"
        "    with torch.enable_grad():\n"
        "        leaves = {k: v.clone().requires_grad_() for k, v in params.items()}\n"
        "        loss = ((logistic_forward(leaves, x)['yhat'] - y) ** 2).sum()\n"
        "        grads = torch.autograd.grad(loss, list(leaves.values()))\n"
        "    return dict(zip(leaves, grads))\n",
        "called torch.autograd.grad",
    ),
    "torch.func.grad": (
        "def logistic_grads(params, x, y):\n"
        "    loss = lambda p: ((logistic_forward(p, x)['yhat'] - y) ** 2).sum()\n"
        "    return torch.func.grad(loss)(params)\n",
        "torch.func transform",
    ),
    "autograd_grads in inference_mode(False)": (
        "def logistic_grads(params, x, y):\n"
        "    with torch.inference_mode(False):\n"
        "        return {k: v.float() for k, v in\n"
        "                autograd_grads(logistic_forward, params, x, y).items()}\n",
        "called Tensor.backward",
    ),
    "requires_grad_ then backward": (
        "def logistic_grads(params, x, y):\n"
        "    leaves = {k: v.detach().clone().requires_grad_() for k, v in params.items()}\n"
        "    with torch.set_grad_enabled(True):\n"
        "        loss = ((logistic_forward(leaves, x)['yhat'] - y) ** 2).sum()\n"
        "    loss.backward()\n"
        "    return {k: v.grad for k, v in leaves.items()}\n",
        "called Tensor.backward",
    ),
    "autograd in another thread": (
        "import threading\n"
        "def logistic_grads(params, x, y):\n"
        "    found = {}\n"
        "    work = lambda: found.update(autograd_grads(logistic_forward, params, x, y))\n"
        "    thread = threading.Thread(target=work)\n"
        "    thread.start()\n"
        "    thread.join()\n"
        "    return {k: v.float() for k, v in found.items()}\n",
        "backward pass",
    ),
    "forward mode (torch.func.jacfwd)": (
        "def logistic_grads(params, x, y):\n"
        "    loss = lambda w, b: ((logistic_forward({'w': w, 'b': b}, x)['yhat'] - y) ** 2).sum()\n"
        "    w, b = torch.func.jacfwd(loss, argnums=(0, 1))(params['w'], params['b'])\n"
        "    return {'w': w, 'b': b}\n",
        "forward-mode autograd",
    ),
}


@pytest.mark.parametrize("cheat", sorted(AUTOGRAD_CHEATS))
def test_autograd_in_a_by_hand_answer_fails_with_evidence(cheat):
    """Does a logistic_grads that takes its gradient from autograd fail every call, with the
    evidence, an autograd flag and the judge's autograd verdict, while the rest passes?"""
    source, words = AUTOGRAD_CHEATS[cheat]
    reply = _harness(_cells(replace=(P1, source)))
    for cid in ("p1/random/0", "p1/shown"):
        got = reply.calls[cid]
        assert got["ok"] is False and got["error_type"] == "AutogradUsed", got
        assert words in got["autograd"], got
    assert all(v["ok"] for cid, v in reply.calls.items() if not cid.startswith("p1/"))
    assert reply.flags["autograd"] == ["logistic_grads"]
    assert reply.flags["monkeypatch"] == []
    with pytest.raises(judge.Verdict, match="computes its result with autograd"):
        judge.Probe("cheater", ALL_CALLS, reply).result("p1/random/0")


def test_autograd_only_inside_the_training_run_is_caught():
    """Is an xor_grads that answers the gradient checks by hand but switches to autograd
    when the trainer calls it caught in the training run?"""
    cheat = (
        "import sys\n"
        "def xor_grads(params, x, y):\n"
        "    if sys._getframe(1).f_code.co_name == 'train' or "
        "sys._getframe(2).f_code.co_name == 'train':\n"
        "        with torch.inference_mode(False):\n"
        "            grads = autograd_grads(xor_forward, params, x, y)\n"
        "        return {k: v.float() for k, v in grads.items()}\n"
        "    return _by_hand(params, x, y)\n"
    )
    cells = _cells(extra=["_by_hand = xor_grads\n" + cheat])
    reply = _harness(cells)
    assert reply.calls["p4/random/0"]["ok"]
    got = reply.calls[TRAIN]
    assert got["error_type"] == "AutogradUsed" and "Tensor.backward" in got["autograd"], got
    assert reply.flags["autograd"] == ["xor_grads"]


def test_comparing_with_autograd_at_top_level_is_not_flagged(honest):
    """A student who runs the notebook's comparisons (and a backward of their own) at a
    cell's top level, outside the graded calls: are they graded as if they had not?"""
    compare = (
        "gen = torch.Generator().manual_seed(0)\n"
        "compare_with_autograd(logistic_grads, logistic_forward, init_neuron(gen),\n"
        "                      X[3], Y_OR[3])\n"
        "assert_grads_match(xor_grads, xor_forward, init_xor(gen), X[2], Y_XOR[2])\n"
        "w = torch.ones(2, requires_grad=True)\n"
        "(w * 3).sum().backward()\n"
    )
    reply = _harness(_cells(extra=[compare]))
    assert reply.calls == honest.calls
    assert reply.flags == no_flags()


def test_train_full_batch_may_use_autograd():
    """xor_mlp's train_full_batch must call loss.backward() (its kind is not by hand): does
    the solution pass unflagged even when the request names Part B's by-hand kinds?"""
    desc = load_assignment(COURSE, "xor_mlp")
    assert "train_full_batch" not in desc.by_hand
    calls = [
        c for c in judge.build_calls(desc, "cheater").values() if c["kind"] == "train_full_batch"
    ][:3]
    items, alarm = [], signal.getsignal(signal.SIGALRM)
    try:
        run_request(
            Request(
                cells=_solution_cells("xor_mlp"),
                calls=calls,
                call_kinds=list(desc.call_kinds),
                by_hand=BY_HAND,
            ),
            items.append,
        )
    finally:
        signal.signal(signal.SIGALRM, alarm)
    reply, _ = reply_from(items)
    assert [v["ok"] for v in reply.calls.values()] == [True] * 3, reply.calls
    assert reply.flags == no_flags()


# -- rebinding the given code ------------------------------------------------------------

FAKE_TRAIN = (
    "import types\n"
    "from byhand.training import TrainResult\n"
    "def fake_train(forward, grads, update, params, X, Y, **kw):\n"
    "    return TrainResult(params=params, epoch_errors=[0.0],\n"
    "                       yhat=torch.tensor([[0.0], [1.0], [1.0], [0.0]]))\n"
)
#: cheat -> (a cell run after the answers, the names the flag must list)
REBINDINGS = {
    "byhand.training.train": (
        FAKE_TRAIN + "import byhand.training\nbyhand.training.train = fake_train\n",
        ["byhand.training.train"],
    ),
    "torch.allclose": ("torch.allclose = lambda *a, **k: True\n", ["torch.allclose"]),
    "builtins.isinstance": (
        "import builtins\nbuiltins.isinstance = lambda *a: True\n",
        ["builtins.isinstance"],
    ),
    "the harness's own _call": (
        "import sys\nsys.modules['byhand_grader.harness.calls']._call = lambda *a: {'w': [0.0]}\n",
        ["byhand_grader.harness.calls._call"],
    ),
    "a kind of the registry": (
        "import sys\ncalls = sys.modules['byhand_grader.harness.calls']\n"
        "calls.KINDS['grads'] = calls.KINDS['grads']._replace(perform=lambda *a: {'w': [0.0]})\n",
        ["byhand_grader.harness.calls.KINDS.grads"],
    ),
    "the module byhand.training": (
        FAKE_TRAIN + "import sys\nfake = types.ModuleType('byhand.training')\n"
        "fake.train = fake_train\n"
        "sys.modules['byhand.training'] = fake\n",
        ["sys.modules['byhand.training']"],
    ),
    "a contract check and a Tensor method": (
        "import byhand.contract\nbyhand.contract.check_param_dict = lambda value, *a: value\n"
        "torch.Tensor.tolist = lambda self: [0.0]\n",
        ["byhand.contract.check_param_dict", "torch.Tensor.tolist"],
    ),
}


@pytest.mark.parametrize("cheat", sorted(REBINDINGS))
def test_rebinding_the_given_code_changes_no_result(honest, cheat):
    """After a cell rebinds given code the harness uses, is every result the honest one,
    the rebinding recorded under flags.monkeypatch, and this process's code put back?"""
    import builtins

    import byhand.training

    real = (torch.allclose, builtins.isinstance, byhand.training.train, torch.Tensor.tolist)
    source, names = REBINDINGS[cheat]
    reply = _harness(_cells(extra=[source]))
    assert reply.calls == honest.calls
    assert reply.flags["monkeypatch"] == names
    import sys

    assert sys.modules["byhand.training"] is byhand.training
    assert (torch.allclose, builtins.isinstance, byhand.training.train, torch.Tensor.tolist) == real


def test_rebinding_during_a_call_voids_it(honest):
    """Is a call during which the student's function rebinds given code void (Tampering,
    naming what changed), and is the next call graded normally?"""
    tamper = (
        "_honest_update = sgd_update\n"
        "import byhand.training\n"
        "def sgd_update(params, grads, alpha):\n"
        "    byhand.training.train = None\n"
        "    torch.allclose = None\n"
        "    return _honest_update(params, grads, alpha)\n"
    )
    reply = _harness(_cells(extra=[tamper]))
    got = reply.calls["p2/step/0"]
    assert got["ok"] is False and got["error_type"] == "Tampering", got
    assert got["error"] == "changed the given code: torch.allclose, byhand.training.train"
    assert {cid: v for cid, v in reply.calls.items() if cid != "p2/step/0"} == {
        cid: v for cid, v in honest.calls.items() if cid != "p2/step/0"
    }
    assert reply.flags["monkeypatch"] == ["torch.allclose", "byhand.training.train"]


def test_glob_of_the_hidden_tests_is_recorded():
    """Is a glob for grader_tests recorded under flags.filesystem, first, of at most 20?"""
    probe = "import glob\nfound = glob.glob('/*/*/grader_tests/*.py')\n"
    reply = _harness(_cells(extra=[probe]), calls=CALLS[:1])
    assert reply.flags["filesystem"][0] == "/*/*/grader_tests/*.py"
    assert len(reply.flags["filesystem"]) <= 20


# -- through the real sandboxed Runner ---------------------------------------------------


def test_autograd_cheat_is_caught_in_the_sandbox(runner):
    """Through the sandboxed Runner: does a backward() cheat fail with its evidence?"""
    source, words = AUTOGRAD_CHEATS["autograd_grads in inference_mode(False)"]
    reply = runner.run(_request(_cells(replace=(P1, source)), calls=CALLS[:3]))
    assert reply.status == "ok", reply.reason
    got = reply.calls["p1/random/0"]
    assert got["error_type"] == "AutogradUsed" and words in got["autograd"], got
    assert reply.calls["p2/step/0"]["ok"]
    assert reply.flags["autograd"] == ["logistic_grads"]


def test_rebinding_the_harness_in_the_sandbox_changes_no_result(runner, honest):
    """In the sandbox, where the harness runs as ``python -m byhand_grader.harness``: does
    rebinding its ``_call``, and replacing ``sys.modules['byhand.training']``, change no result?"""
    cheat = (
        FAKE_TRAIN + "import sys\n"
        "sys.modules['byhand_grader.harness.calls']._call = lambda *a: {'w': [0.0]}\n"
        "fake = types.ModuleType('byhand.training')\nfake.train = fake_train\n"
        "sys.modules['byhand.training'] = fake\n"
    )
    reply = runner.run(_request(_cells(extra=[cheat])))
    assert reply.status == "ok", reply.reason
    assert reply.calls == honest.calls
    assert reply.flags["monkeypatch"] == [
        "byhand_grader.harness.calls._call",
        "sys.modules['byhand.training']",
    ]


def test_fork_and_filesystem_probe_are_recorded(runner):
    """Are three fork attempts counted and a glob for the hidden tests recorded?"""
    probe = (
        "import glob, os\nfound = glob.glob('/*/*/grader_tests/*.py')\n"
        "for _ in range(3):\n    os.fork()\n"
    )
    reply = runner.run(_request(_cells(extra=[probe]), calls=CALLS[:1]))
    assert reply.calls["p1/random/0"]["ok"]
    assert reply.flags["fork"] == 3
    assert reply.flags["filesystem"][0] == "/*/*/grader_tests/*.py"


def test_flags_survive_a_child_killed_midway(runner):
    """The cell that probes also ends the process, so only the killed try saw the probe:
    does the merged reply still record it, beside the results of the try after?"""
    probe = "import glob, os\nglob.glob('/*/grader_tests/*.py')\nos._exit(0)\n"
    reply = runner.run(_request(_cells(extra=[probe]), calls=CALLS[:1]))
    assert "ended the process" in reply.reason
    assert reply.calls["p1/random/0"]["ok"]
    assert reply.flags["filesystem"][0] == "/*/grader_tests/*.py"
