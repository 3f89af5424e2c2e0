"""Is a gradient computed by finite differences caught as not by hand, and is every
closed form, however it is written, left alone?

A finite difference evaluates the loss at parameters a small step from the given ones,
through the given forward pass (``logistic_forward``, ``tanh_forward``, the student's
own ``xor_forward``) or through a forward pass written inside the gradient function.
Each reply comes from the source notebook's setup and solution cells plus one cell that
redefines student functions, run through the harness in this process
(``byhand_grader.harness.session.run_request``, no sandbox) with Part B's by-hand kinds, on one
student's hidden gradient calls and a one-epoch training call (which pairs xor_grads
with xor_forward, as the grader's own training calls do); the judge then runs the hidden
checks on it.
"""

import signal

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.harness.protocol import (
    add_flag,
    merge_flags,
    no_flags,
    Reply,
    reply_from,
    Request,
)
from byhand_grader.harness.session import run_request
from byhand_grader.judge import build_calls, judge, Probe, Verdict

from ..course.test_hidden_checks_discriminate import MUTATIONS as DISCRIMINATE_VARIANTS
from ..repo import COURSE

PARTB = load_assignment(COURSE, "partb")
STUDENT = "ada"
CALLS = build_calls(PARTB, STUDENT)
GRADS = ("logistic_grads", "tanh_grads", "xor_grads")
CELL_OF = {
    "logistic_grads": "p1_logistic_grads_match_autograd",
    "tanh_grads": "p3_tanh_grads_match_autograd",
    "xor_grads": "p4_xor_grads_match_autograd",
}
#: The gradient calls, and one short training call: its xor_grads / xor_forward pairing
#: is what tells the harness which forward pass is the student's own.
TRAIN = {
    **next(c for c in CALLS.values() if c["kind"] == "train"),
    "id": "p4/learn/short",
    "epochs": 1,
}
REQUEST_CALLS = [c for c in CALLS.values() if c["kind"] == "grads"] + [TRAIN]


def _solution_cells():
    nb = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    return [
        {"label": cell.get("id"), "source": cell.source}
        for cell in nb.cells
        if cell.cell_type == "code"
        and (
            cell.get("id") in PARTB.setup_cells
            or (cell.metadata.get("nbgrader") or {}).get("solution")
        )
    ]


CELLS = _solution_cells()


def _reply(source, by_hand=PARTB.by_hand, calls=REQUEST_CALLS):
    """The harness's reply after the solution's cells and ``source``, in this process."""
    items, alarm = [], signal.getsignal(signal.SIGALRM)
    request = Request(
        cells=CELLS + [{"label": "mutation", "source": source}],
        calls=calls,
        call_kinds=list(PARTB.call_kinds),
        by_hand=list(by_hand),
    )
    try:
        run_request(request, items.append)
    finally:
        signal.signal(signal.SIGALRM, alarm)
    reply, _ = reply_from(items)
    assert [c["error"] for c in reply.cells] == [None] * (len(CELLS) + 1), reply.cells
    return reply


def _gradient_cells(reply):
    """``{function: CellResult}`` of the three gradient cells, judged on ``reply``."""
    cells = judge(PARTB, Probe(STUDENT, CALLS, reply))
    return {fn: cells[CELL_OF[fn]] for fn in GRADS}


def _own_calls(reply, fn):
    return {
        cid: v
        for cid, v in reply.calls.items()
        if CALLS.get(cid, {}).get("fn") == fn and CALLS[cid]["kind"] == "grads"
    }


# -- finite differences: written by the scenarios module, which the bug variants share -------

_SCENARIOS = PARTB.module(PARTB.scenarios)
finite_difference, STEPS, DTYPES = (
    _SCENARIOS.finite_difference,
    _SCENARIOS.STEPS,
    _SCENARIOS.DTYPES,
)


CHEATS = [
    (through, scheme, dtype) for through in ("given", "own") for scheme in STEPS for dtype in DTYPES
]


@pytest.mark.parametrize("through, scheme, dtype", CHEATS)
def test_finite_differences_lose_the_gradient_checks(through, scheme, dtype):
    """Does a central or forward difference, in float32 or float64, through the given forward
    pass or one written inside the function, lose every gradient check of all three
    functions, with a verdict and a summary that say it differentiates numerically, the
    evidence as data and a ``numerical`` flag?"""
    reply = _reply("".join(finite_difference(fn, through, scheme, dtype) for fn in GRADS))
    assert reply.flags["numerical"] == list(GRADS)
    assert reply.flags["autograd"] == [] and reply.flags["monkeypatch"] == []
    for fn, cell in _gradient_cells(reply).items():
        assert cell.passed == 0 and len(cell.failures) == cell.total == 4, (fn, cell.checks)
        for failure in cell.failures:
            assert failure.message.startswith(f"{fn} differentiates numerically ("), failure.message
            assert "instead of using the closed form" in failure.message
            assert "By hand means the derivative's formulas" in failure.message
            assert (
                failure.summary == f"{fn} differentiates numerically instead of using "
                "the closed form"
            )
        caught = [
            v
            for v in _own_calls(reply, fn).values()
            if v.get("error_type") == "NumericalDifferentiation"
        ]
        assert caught and all(v["ok"] is False and v["numerical"] for v in caught)
        words = "called" if through == "given" else "evaluated torch."
        assert all(v["numerical"].startswith(words) for v in caught), caught[0]["numerical"]
    assert reply.calls[TRAIN["id"]]["ok"]  # training is not where this is judged


@pytest.mark.parametrize("through", ["given", "own"])
def test_through_a_forward_pass_every_call_is_caught(through):
    """Through the given forward passes every gradient call is caught on its own (the
    parameters it passes have moved); through a forward pass written inside the function,
    every call whose input lets a step move three activations apart (the random ones)."""
    reply = _reply("".join(finite_difference(fn, through, "central", "float64") for fn in GRADS))
    for fn in GRADS:
        calls = _own_calls(reply, fn)
        caught = {cid for cid, v in calls.items() if v.get("numerical")}
        want = set(calls) if through == "given" else {c for c in calls if "/random/" in c}
        assert caught >= want, sorted(set(want) - caught)


def test_the_same_answers_pass_without_the_watch():
    """Would these finite differences have passed the checks unwatched (so the watch, not a
    wrong value, is what costs them the points)?"""
    source = "".join(finite_difference(fn, "given", "central", "float64") for fn in GRADS)
    reply = _reply(source, by_hand=())
    assert reply.flags["numerical"] == []
    for fn, cell in _gradient_cells(reply).items():
        assert cell.passed == cell.total == 4, (fn, [f.summary for f in cell.failures])


def test_a_step_in_float32_of_1e_4_is_caught():
    """A forward difference in float32 with h = 1e-4, a step of a few hundred ulps: caught?"""
    source = "".join(finite_difference(fn, "own", "forward", "float32", h=1e-4) for fn in GRADS)
    assert "torch.float32, 0.0001\n" in source
    reply = _reply(source)
    assert reply.flags["numerical"] == list(GRADS)


def test_vectorised_finite_difference_is_caught():
    """A finite difference evaluated in one batched sigmoid call (every step at once): caught?"""
    source = (
        "def logistic_grads(params, x, y):\n"
        "    h = 1e-3\n"
        "    p = torch.cat([params['w'], params['b']])\n"
        "    P = p + h * torch.cat([torch.zeros(1, 3), torch.eye(3)])\n"
        "    E = (torch.sigmoid(P[:, :2] @ x + P[:, 2]) - y) ** 2\n"
        "    g = (E[1:] - E[0]) / h\n"
        "    return {'w': g[:2], 'b': g[2:]}\n"
    )
    reply = _reply(source)
    assert reply.flags["numerical"] == ["logistic_grads"]
    assert _gradient_cells(reply)["logistic_grads"].passed == 0


def test_steps_taken_in_place_are_caught():
    """A finite difference that moves the given tensors themselves, and back, between calls
    of the given forward pass: caught?"""
    source = (
        "def tanh_grads(params, x, y):\n"
        "    h, out = 1e-3, {}\n"
        "    for k, v in params.items():\n"
        "        g = torch.zeros_like(v)\n"
        "        for i in range(v.numel()):\n"
        "            v[i] += h\n"
        "            up = ((tanh_forward(params, x)['yhat'] - y) ** 2).sum()\n"
        "            v[i] -= 2 * h\n"
        "            down = ((tanh_forward(params, x)['yhat'] - y) ** 2).sum()\n"
        "            v[i] += h\n"
        "            g[i] = (up - down) / (2 * h)\n"
        "        out[k] = g\n"
        "    return out\n"
    )
    reply = _reply(source)
    assert reply.flags["numerical"] == ["tanh_grads"]
    assert all(
        v["numerical"].startswith("called tanh_forward")
        for v in _own_calls(reply, "tanh_grads").values()
    )


def test_a_wrong_finite_difference_is_caught_as_numerical():
    """A finite difference that also gets the gradient wrong (halved): is the verdict the
    numerical one, not a diagnosis of its factor?"""
    source = finite_difference("tanh_grads", "given", "central", "float64").replace(
        "/ (2 * h)", "/ (4 * h)"
    )
    cells = _gradient_cells(_reply(source))
    assert cells["tanh_grads"].passed == 0
    assert all("differentiates numerically" in f.summary for f in cells["tanh_grads"].failures)


# -- the closed form, however it is written -------------------------------------------------

EQUIVALENT = {
    "the solution": "",
    # tests/course/test_hidden_checks_discriminate.py's legitimate variants
    "float64 inside, (1 - yhat)(1 + yhat), yhat - yhat**2": DISCRIMINATE_VARIANTS["variants"],
    # ... and its float32 variants: sigmoid(-net) for 1 - yhat, 1 / cosh^2
    "sigmoid(net) sigmoid(-net), 1 / cosh(net)^2": (
        "def logistic_grads(params, x, y):\n"
        "    net = (x * params['w']).sum().reshape(1) + params['b']\n"
        "    yhat = torch.sigmoid(net)\n"
        "    d_net = 2 * (yhat - y) * yhat * torch.sigmoid(-net)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def tanh_grads(params, x, y):\n"
        "    net = (x * params['w']).sum().reshape(1) + params['b']\n"
        "    d_net = 2 * (torch.tanh(net) - y) / torch.cosh(net) ** 2\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
    ),
    # the forward pass recomputed, each time the same point
    "the forward pass called twice": (
        "def logistic_grads(params, x, y):\n"
        "    yhat = logistic_forward(params, x)['yhat']\n"
        "    d_net = 2 * (logistic_forward(params, x)['yhat'] - y) * yhat * (1 - yhat)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def tanh_grads(params, x, y):\n"
        "    d_net = 2 * (tanh_forward(params, x)['yhat'] - y) \\\n"
        "        * (1 - tanh_forward(params, x)['yhat'] ** 2)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def xor_grads(params, x, y):\n"
        "    h, yhat = xor_forward(params, x)['h'], xor_forward(params, x)['yhat']\n"
        "    d_y = 2 * (yhat - y) * yhat * (1 - yhat)\n"
        "    d_h = d_y * params['w_012'][2] * xor_forward(params, x)['h'] * (1 - h)\n"
        "    return {'w_34': d_h * x, 'b0': d_h, 'w_012': d_y * torch.cat([x, h]), 'b1': d_y}\n"
    ),
    # tanh's derivative from exponentials, tanh itself from a sigmoid of 2 net
    "4 / (exp(net) + exp(-net))^2, 2 sigmoid(2 net) - 1, exp(-net)": (
        "def tanh_grads(params, x, y):\n"
        "    net = (x * params['w']).sum().reshape(1) + params['b']\n"
        "    yhat = 2 * torch.sigmoid(2 * net) - 1\n"
        "    d_net = 2 * (yhat - y) * 4 / (torch.exp(net) + torch.exp(-net)) ** 2\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def logistic_grads(params, x, y):\n"
        "    net = (x * params['w']).sum().reshape(1) + params['b']\n"
        "    e = torch.exp(-net)\n"
        "    yhat = 1 / (1 + e)\n"
        "    d_net = 2 * (yhat - y) * e / (1 + e) ** 2\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
    ),
    # a forward pass of its own in float64, beside the float32 one: the same points, rounded
    # float32 sums in two orders and one in float64: three roundings of one point
    "float64 and float32 forward passes side by side": (
        "def logistic_grads(params, x, y):\n"
        "    w, b = params['w'], params['b']\n"
        "    yhat = torch.sigmoid((b + x[1] * w[1]) + x[0] * w[0])\n"
        "    check = logistic_forward(params, x)['yhat']\n"
        "    net = (x.double() * w.double()).sum().reshape(1) + b.double()\n"
        "    d_net = 2 * (yhat.double() - y) * torch.sigmoid(net) * torch.sigmoid(-net)\n"
        "    return {'w': (d_net * x).float(), 'b': d_net.float()}\n"
        "def xor_grads(params, x, y):\n"
        "    out = xor_forward(params, x)\n"
        "    p, x64 = {k: v.double() for k, v in params.items()}, x.double()\n"
        "    out64 = xor_forward(p, x64)\n"
        "    h, yhat = out64['h'], out['yhat'].double()\n"
        "    d_y = 2 * (yhat - y) * yhat * (1 - yhat)\n"
        "    d_h = d_y * p['w_012'][2] * h * (1 - h)\n"
        "    g = {'w_34': d_h * x64, 'b0': d_h, 'w_012': d_y * torch.cat([x64, h]), 'b1': d_y}\n"
        "    return {k: v.float() for k, v in g.items()}\n"
    ),
    # grader_tests/partb/xor_starts.py's correct variants: the forward pass reordered and
    # written with exp, the products grouped otherwise
    "xor_starts' reordered forward, expanded and grouped products": (
        "def xor_grads(params, x, y):\n"
        "    w3, w4 = params['w_34']\n"
        "    w0, w1, w2 = params['w_012']\n"
        "    x0, x1 = x\n"
        "    net_h = params['b0'] + (w3 * x0 + w4 * x1)\n"
        "    h = 1 / (1 + torch.exp(-net_h))\n"
        "    net_y = (params['b1'] + w2 * h) + (w0 * x0 + w1 * x1)\n"
        "    yhat = 1 / (1 + torch.exp(-net_y))\n"
        "    d_y = ((yhat - y) * 2) * (yhat * (1 - yhat))\n"
        "    d_h = (d_y * w2 * h) * (1 - h)\n"
        "    return {'w_34': torch.cat([x0 * d_h, x1 * d_h]), 'b0': d_h,\n"
        "            'w_012': torch.cat([x0 * d_y, x1 * d_y, h * d_y]), 'b1': d_y}\n"
    ),
    # the whole network in one loop over its two units, through one helper
    "one helper for both units, in a loop": (
        "def g(z):\n"
        "    return 1 / (1 + torch.exp(-z))\n"
        "def xor_grads(params, x, y):\n"
        "    acts = []\n"
        "    for w, b in ((params['w_34'], params['b0']), (params['w_012'], params['b1'])):\n"
        "        acts.append(g((w * torch.cat([x] + acts)).sum().reshape(1) + b))\n"
        "    h, yhat = acts\n"
        "    net_y = xor_forward(params, x)['net_y']\n"
        "    d_y = 2 * (yhat - y) * g(net_y) * g(-net_y)\n"
        "    d_h = d_y * params['w_012'][2] * h * (1 - h)\n"
        "    return {'w_34': d_h * x, 'b0': d_h, 'w_012': d_y * torch.cat([x, h]), 'b1': d_y}\n"
    ),
}


@pytest.mark.parametrize("variant", EQUIVALENT)
def test_closed_forms_keep_full_marks_unflagged(variant):
    """Does every closed form (the solution, the hidden-check tests' and xor_starts' correct
    variants, the forward pass called twice or in float64 beside float32, sigmoid(-net),
    exp(-net), 2 sigmoid(2 net) - 1, 4 / (e^net + e^-net)^2) pass every gradient check,
    with no call caught and no flag?"""
    reply = _reply(EQUIVALENT[variant])
    assert reply.flags == no_flags()
    assert not any(v.get("numerical") for v in reply.calls.values())
    assert all(v["ok"] for v in reply.calls.values()), {
        cid: v.get("error") for cid, v in reply.calls.items() if not v["ok"]
    }
    for fn, cell in _gradient_cells(reply).items():
        assert cell.passed == cell.total == 4, (fn, [f.summary for f in cell.failures])


def test_rewrites_near_zero_are_not_steps():
    """Near net = 0, sigmoid(net), sigmoid(-net), tanh(net / 2), sigmoid(2 net) and
    exp(+-net) are points a small step apart: are they, as rewrites of one point, never
    caught?"""
    source = (
        "def logistic_grads(params, x, y):\n"
        "    net = (x * params['w']).sum().reshape(1) + params['b']\n"
        "    yhat = (1 + torch.tanh(net / 2)) / 2\n"
        "    d_net = 2 * (yhat - y) * torch.sigmoid(net) * torch.sigmoid(-net)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def tanh_grads(params, x, y):\n"
        "    net = (x * params['w']).sum().reshape(1) + params['b']\n"
        "    yhat = 2 * torch.sigmoid(2 * net) - 1\n"
        "    d_net = 2 * (yhat - y) * 4 / (torch.exp(net) + torch.exp(-net)) ** 2\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
    )
    calls = [
        {
            "id": f"near0/{fn}/{b}",
            "kind": "grads",
            "fn": fn,
            "params": {"w": [0.0, 0.0], "b": [b]},
            "x": [1.0, 1.0],
            "y": [1.0],
        }
        for fn in ("logistic_grads", "tanh_grads")
        for b in (0.0, 1e-6, 1e-3, 0.02, -0.04)
    ]
    reply = _reply(source, calls=calls)
    assert all(v["ok"] for v in reply.calls.values()), reply.calls
    assert reply.flags == no_flags()


#: wrong answer -> (the cell, the summary every failure of each gradient cell starts with)
WRONG = {
    "zero": (
        "".join(
            f"def {fn}(params, x, y):\n"
            "    return {k: torch.zeros_like(v) for k, v in params.items()}\n"
            for fn in GRADS
        ),
        "{fn} returns zeros",
    ),
    "half": (
        "".join(
            f"_ref_{fn} = {fn}\ndef {fn}(params, x, y):\n"
            f"    return {{k: v / 2 for k, v in _ref_{fn}(params, x, y).items()}}\n"
            for fn in GRADS
        ),
        "{fn} is off by a constant factor: the factor 2 is missing",
    ),
}


@pytest.mark.parametrize("wrong", WRONG)
def test_zero_and_wrong_answers_fail_as_before(wrong):
    """Does a zero gradient, or a halved one, fail every gradient check with its own
    diagnosis, never the numerical verdict, and no flag?"""
    source, summary = WRONG[wrong]
    reply = _reply(source)
    assert reply.flags["numerical"] == []
    for fn, cell in _gradient_cells(reply).items():
        assert cell.passed == 0 and len(cell.failures) == 4
        assert all(f.summary.startswith(summary.format(fn=fn)) for f in cell.failures), [
            f.summary for f in cell.failures
        ]


# -- the verdict, as data -----------------------------------------------------------------


def test_one_caught_call_costs_every_call_of_the_function():
    """A function caught on one gradient call (a step shows only where an input moves three
    activations apart): do its other gradient calls give the numerical verdict too, and
    the other functions' calls their values?"""
    caught = {
        "ok": False,
        "error": "NumericalDifferentiation: ...",
        "error_type": "NumericalDifferentiation",
        "missing": False,
        "cause": None,
        "numerical": "evaluated torch.sigmoid at nearby points, a small step apart (about 1e-03)",
    }
    value = {"ok": True, "value": {"w": [0.0, 0.0], "b": [0.0]}}
    reply = Reply(calls={"p1/random/0": caught, "p1/zero_input": value, "p3/zero_input": value})
    probe = Probe(STUDENT, CALLS, reply)
    with pytest.raises(Verdict, match=r"logistic_grads differentiates numerically \(evaluated"):
        probe.result("p1/zero_input")
    assert probe.result("p3/zero_input") == value["value"]
    reply.calls["p1/random/0"] = value  # a later try's: only the flag is left
    reply.flags = {**no_flags(), "numerical": ["logistic_grads"]}
    with pytest.raises(Verdict, match="on another of the grader's inputs"):
        probe.result("p1/zero_input")


def test_flags_merge_across_tries():
    """Are ``numerical`` flags folded from emitted lines and merged across tries, as
    ``autograd`` is (and an older reply without the key still merges)?"""
    flags = add_flag(no_flags(), {"flag": "numerical", "fn": "tanh_grads", "evidence": "..."})
    assert flags["numerical"] == ["tanh_grads"]
    merged = merge_flags(flags, {"numerical": ["xor_grads", "tanh_grads"]})
    assert merged["numerical"] == ["tanh_grads", "xor_grads"]
    old = {k: v for k, v in no_flags().items() if k != "numerical"}
    assert merge_flags(old, merged)["numerical"] == ["tanh_grads", "xor_grads"]
