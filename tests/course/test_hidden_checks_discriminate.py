"""Does every hidden check of Part B tell a right answer from a wrong one, and say truly why?

Each reply comes from running the source notebook's setup and solution cells, plus one
mutation cell that redefines student functions, through the harness in this process
(``byhand_grader.harness.session.run_request``, no sandbox, with Part B's by-hand watch), on
the hidden request (``grader_tests/partb/probes.py``) of a few student ids; the judge then
runs the hidden checks (``grader_tests/partb/test_partb.py``) on it.  A zero answer and a
wrong one (negated, halved, a missing term) must fail every check; legitimate variants
must pass every one; a diagnosis must hold on the hidden cases and quote only the
notebook's own shown examples.
"""

import re
import signal
import warnings

import nbformat
import pytest
import torch

from byhand.autograd import autograd_grads
from byhand.neuron import logistic_forward, tanh_forward
from byhand_grader.assignment import load_assignment
from byhand_grader.harness.protocol import Reply, Request
from byhand_grader.harness.session import run_request
from byhand_grader.judge import build_calls, judge, Probe

from ..conftest import solution_namespace
from ..repo import COURSE

PARTB = load_assignment(COURSE, "partb")
with warnings.catch_warnings():  # its grade_cell marks are the judge's, not this session's
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    HIDDEN = PARTB.module("test_partb")

#: Students whose hidden inputs are used; the first one also gets the XOR training runs and
#: the explain call (the student's own 8000-epoch run for Problem 5, which no check reads).
STUDENTS = ("ada", "grace", "missing-factor-2")
TRAINED = STUDENTS[0]

GRADIENT_CELLS = (
    "p1_logistic_grads_match_autograd",
    "p3_tanh_grads_match_autograd",
    "p4_xor_grads_match_autograd",
)
FORWARD_CELL, UPDATE_CELL = "p4_xor_forward_values", "p2_sgd_update_steps_against_gradient"
LEARN_CELL = "p4_xor_learns"
#: the grade cell of each function's checks
CELL_OF = {
    "logistic_grads": GRADIENT_CELLS[0],
    "tanh_grads": GRADIENT_CELLS[1],
    "xor_grads": GRADIENT_CELLS[2],
}

GRADS = ("logistic_grads", "tanh_grads", "xor_grads")


def _wrap(fn, body):
    """A mutation cell: ``fn`` redefined around the solution's own, as ``_ref_<fn>``."""
    return f"_ref_{fn} = {fn}\ndef {fn}(params, x, y):\n    {body}\n"


MUTATIONS = {
    "correct": "",
    # every gradient zero, and an update that returns zeros
    "zero": "".join(
        f"def {fn}(params, x, y):\n    return {{k: torch.zeros_like(v) for k, v in "
        "params.items()}\n"
        for fn in GRADS
    )
    + "def sgd_update(params, grads, alpha):\n"
    "    return {k: torch.zeros_like(v) for k, v in params.items()}\n",
    "zero-forward": "def xor_forward(params, x):\n"
    "    return {k: torch.zeros(1) for k in ('net_h', 'h', 'net_y', 'yhat')}\n",
    # every gradient sign-flipped, and an update that steps uphill
    "negated": "".join(
        _wrap(fn, f"return {{k: -v for k, v in _ref_{fn}(params, x, y).items()}}") for fn in GRADS
    )
    + "def sgd_update(params, grads, alpha):\n"
    "    return {k: v + alpha * grads[k] for k, v in params.items()}\n",
    "negated-forward": "_ref_forward = xor_forward\ndef xor_forward(params, x):\n"
    "    return {k: -v for k, v in _ref_forward(params, x).items()}\n",
    # the 2 of d(yhat - y)^2 / dyhat is missing everywhere (the sample class's missing-factor-2)
    "half": "".join(
        _wrap(fn, f"return {{k: v / 2 for k, v in _ref_{fn}(params, x, y).items()}}")
        for fn in GRADS
    ),
    # monkeypatch-cheat's bug: dE/dnet = yhat - y (no 2, no yhat (1 - yhat)); tanh_grads
    # without tanh's derivative; xor_grads with d_h lacking h (1 - h)
    "missing-terms": (
        "def logistic_grads(params, x, y):\n"
        "    yhat = logistic_forward(params, x)['yhat']\n"
        "    d_net = yhat - y\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def tanh_grads(params, x, y):\n"
        "    yhat = tanh_forward(params, x)['yhat']\n"
        "    d_net = 2 * (yhat - y)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def xor_grads(params, x, y):\n"
        "    out = xor_forward(params, x)\n"
        "    h, yhat = out['h'], out['yhat']\n"
        "    d_y = 2 * (yhat - y) * yhat * (1 - yhat)\n"
        "    d_h = d_y * params['w_012'][2]\n"
        "    return {'w_34': d_h * x, 'b0': d_h, 'w_012': d_y * torch.cat([x, h]), 'b1': d_y}\n"
    ),
    # xor_grads with monkeypatch-cheat's d_y = yhat - y; tanh_grads with the logistic's
    # derivative (a swap the checks name) and logistic_grads with tanh's: wrong, by no
    # single relation
    "other-terms": (
        "def xor_grads(params, x, y):\n"
        "    out = xor_forward(params, x)\n"
        "    h, yhat = out['h'], out['yhat']\n"
        "    d_y = yhat - y\n"
        "    d_h = d_y * params['w_012'][2] * h * (1 - h)\n"
        "    return {'w_34': d_h * x, 'b0': d_h, 'w_012': d_y * torch.cat([x, h]), 'b1': d_y}\n"
        "def tanh_grads(params, x, y):\n"
        "    yhat = tanh_forward(params, x)['yhat']\n"
        "    d_net = 2 * (yhat - y) * yhat * (1 - yhat)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
        "def logistic_grads(params, x, y):\n"
        "    yhat = logistic_forward(params, x)['yhat']\n"
        "    d_net = 2 * (yhat - y) * (1 - yhat ** 2)\n"
        "    return {'w': d_net * x, 'b': d_net}\n"
    ),
    # legitimate: float64 inside, other algebraic forms of the derivatives, another update
    "variants": (
        _wrap(
            "logistic_grads",
            "return {k: v.float() for k, v in _ref_logistic_grads("
            "{n: p.double() for n, p in params.items()}, x.double(), y.double()).items()}",
        )
        + "def tanh_grads(params, x, y):\n"
        "    yhat = tanh_forward(params, x)['yhat']\n"
        "    d_net = 2 * (yhat - y) * (1 - yhat) * (1 + yhat)\n"
        "    return {'w': x * d_net, 'b': d_net}\n"
        "def xor_grads(params, x, y):\n"
        "    out = xor_forward(params, x)\n"
        "    h, yhat = out['h'], out['yhat']\n"
        "    d_y = 2 * (yhat - y) * (yhat - yhat ** 2)\n"
        "    d_h = params['w_012'][2] * d_y * (h - h ** 2)\n"
        "    return {'w_34': x * d_h, 'b0': d_h, 'w_012': torch.cat([x, h]) * d_y, 'b1': d_y}\n"
        "def sgd_update(params, grads, alpha):\n"
        "    return {k: v.clone().sub_(grads[k], alpha=alpha) for k, v in params.items()}\n"
    ),
    # the sample class's tanh-forward-logistic-grads: h = tanh(net_h) in xor_forward
    "tanh-forward": (
        "def xor_forward(params, x):\n"
        "    net_h = (params['w_34'] * x).sum().reshape(1) + params['b0']\n"
        "    h = torch.tanh(net_h)\n"
        "    net_y = (params['w_012'] * torch.cat([x, h])).sum().reshape(1) + params['b1']\n"
        "    return {'net_h': net_h, 'h': h, 'net_y': net_y, 'yhat': logistic(net_y)}\n"
    ),
}


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


def _reply(calls, mutation, train):
    """The harness's reply to ``calls`` after the solution and ``mutation``, in this process."""
    reply = Reply()

    def emit(item):
        if "cell" in item:
            reply.cells.append({"label": item["cell"], "error": item.get("error")})
        else:
            reply.calls[item["call"]] = {k: v for k, v in item.items() if k != "call"}

    request = Request(
        cells=_solution_cells() + [{"label": "mutation", "source": mutation}],
        calls=[c for c in calls.values() if train or c["kind"] not in ("train", "explain")],
        call_kinds=list(PARTB.call_kinds),
        by_hand=list(PARTB.by_hand),
    )
    alarm = signal.getsignal(signal.SIGALRM)
    try:
        run_request(request, emit)
    finally:
        signal.signal(signal.SIGALRM, alarm)
    assert [c["error"] for c in reply.cells] == [None] * len(reply.cells), reply.cells
    return reply


_JUDGED, _REPLIES = {}, {}


def judged(student, mutation):
    """``{grade_id: CellResult}`` for ``student`` answering with ``MUTATIONS[mutation]``
    (the XOR training and explain runs only for ``TRAINED``: for others the training check
    is left out)."""
    key = (student, mutation)
    if key not in _JUDGED:
        calls = build_calls(PARTB, student)
        train = student == TRAINED
        _REPLIES[key] = _reply(calls, MUTATIONS[mutation], train)
        cells = judge(PARTB, Probe(student, calls, _REPLIES[key]))
        if not train:
            cells.pop(LEARN_CELL, None)
        _JUDGED[key] = cells
    return _JUDGED[key]


def _checks(cells, only=None):
    return {
        (gid, name): ok
        for gid, cell in cells.items()
        if only is None or gid in only
        for name, ok in cell.checks.items()
    }


@pytest.fixture(scope="module")
def every_check():
    """Every hidden check, (grade cell, test name), as the correct solution's run lists them."""
    return set(_checks(judged(TRAINED, "correct")))


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("mutation", ["correct", "variants"])
def test_correct_answers_pass_every_check(student, mutation, every_check):
    """Do the solution and legitimate variants (float64 inside, yhat - yhat**2, (1 - yhat)
    (1 + yhat), an in-place update on a copy) pass every hidden check, XOR training included?"""
    cells = judged(student, mutation)
    checks = _checks(cells)
    expected = every_check if student == TRAINED else {c for c in every_check if c[0] != LEARN_CELL}
    assert set(checks) == expected
    assert all(checks.values()), {c: ok for c, ok in checks.items() if not ok}
    assert not any(cell.failures for cell in cells.values())


def test_every_cell_has_checks(every_check):
    """Are all autograded cells of Part B scored by at least one hidden check here?"""
    assert {gid for gid, _ in every_check} == set(PARTB.autograded_cells)
    assert {gid for gid, _ in every_check} >= {
        *GRADIENT_CELLS,
        FORWARD_CELL,
        UPDATE_CELL,
        LEARN_CELL,
    }


#: kind of wrong answer -> (the mutation for gradients, update and training; for the forward pass)
WRONG = {"zero": ("zero", "zero-forward"), "negated": ("negated", "negated-forward")}


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("kind", WRONG)
def test_zero_and_negated_answers_fail_every_check(student, kind, every_check):
    """Does a zero answer, and a sign-flipped one, fail every hidden check: each group of the
    three gradient cells, both update checks, both forward checks and the XOR training?"""
    main, forward = WRONG[kind]
    checks = {
        **_checks(judged(student, main), only=set(PARTB.autograded_cells) - {FORWARD_CELL}),
        **_checks(judged(student, forward), only={FORWARD_CELL}),
    }
    expected = every_check if student == TRAINED else {c for c in every_check if c[0] != LEARN_CELL}
    assert set(checks) == expected
    assert not any(checks.values()), {c: ok for c, ok in checks.items() if ok}


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("mutation", ["half", "missing-terms", "other-terms"])
def test_wrong_gradients_score_zero(student, mutation):
    """Does a halved gradient, or one missing a term, fail every check of its gradient cell
    (no free points from cases where the gradient is tiny)?"""
    cells = judged(student, mutation)
    for gid in GRADIENT_CELLS:
        assert cells[gid].passed == 0 and cells[gid].total == 4, (gid, cells[gid].checks)
        assert cells[gid].score(8) == 0


#: (mutation, function) -> (words every failure message says, the summary's start)
DIAGNOSES = {}
for _fn in GRADS:
    DIAGNOSES[("half", _fn)] = (
        ("every component is 0.5 times autograd's: the factor 2 of d(yhat - y)^2/dyhat is missing"),
        f"{_fn} is off by a constant factor: the factor 2 is missing",
    )
    DIAGNOSES[("negated", _fn)] = (
        "every component is -1 times autograd's: it has the opposite sign",
        f"{_fn} is off by a constant factor: has the opposite sign",
    )
    DIAGNOSES[("zero", _fn)] = (f"{_fn} returns 0 for every gradient", f"{_fn} returns zeros")
DIAGNOSES[("missing-terms", "logistic_grads")] = (
    (
        "logistic_grads lacks the logistic's derivative yhat (1 - yhat) and the factor 2 of "
        "d(yhat - y)^2/dyhat: on every case where it is wrong, yours / autograd's = "
        "1 / (2 yhat (1 - yhat)) for every component"
    ),
    "logistic_grads lacks yhat (1 - yhat) and the factor 2",
)
DIAGNOSES[("missing-terms", "tanh_grads")] = (
    (
        "tanh_grads lacks tanh's derivative 1 - yhat^2: on every case where it is wrong, "
        "yours / autograd's = 1 / (1 - yhat^2)"
    ),
    "tanh_grads lacks 1 - yhat^2",
)
DIAGNOSES[("missing-terms", "xor_grads")] = (
    (
        "On every case where xor_grads is wrong, dE/dw_34 and dE/db0 lack the hidden unit's "
        "derivative h (1 - h); dE/dw_012 and dE/db1 are right."
    ),
    "xor_grads: dE/dw_34, dE/db0 lack h (1 - h)",
)
DIAGNOSES[("other-terms", "tanh_grads")] = (
    (
        "tanh_grads uses yhat (1 - yhat) for tanh's derivative 1 - yhat^2: on every case where "
        "it is wrong, yours / autograd's = yhat (1 - yhat) / (1 - yhat^2)"
    ),
    "tanh_grads uses yhat (1 - yhat) for 1 - yhat^2",
)
DIAGNOSES[("other-terms", "xor_grads")] = (
    (
        "xor_grads lacks the output unit's derivative yhat (1 - yhat) and the factor 2 of "
        "d(yhat - y)^2/dyhat: on every case where it is wrong, yours / autograd's = "
        "1 / (2 yhat (1 - yhat))"
    ),
    "xor_grads lacks yhat (1 - yhat) and the factor 2",
)
#: words that state a relation: a neutral message has none of them
RELATION_WORDS = ("factor", "lack", "opposite sign", "returns 0", "times autograd", " uses ")


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("mutation, fn", sorted(DIAGNOSES))
def test_diagnosis_is_the_true_one(student, mutation, fn):
    """Does every failed check of the cell name the real relation (a factor 1/2, the opposite
    sign, zeros, the missing derivative, which parameters), in the message and the summary?"""
    cell = judged(student, mutation)[CELL_OF[fn]]
    words, summary = DIAGNOSES[(mutation, fn)]
    assert len(cell.failures) == cell.total == 4
    for failure in cell.failures:
        assert words in failure.message, failure.message
        assert failure.summary.startswith(summary), failure.summary


@pytest.mark.parametrize("student", STUDENTS)
def test_missing_derivative_is_no_constant_factor(student):
    """Is monkeypatch-cheat's dE/dnet = yhat - y no longer called "off by a constant factor"
    (on the shown example, where every component equals dE/dnet, it looks like one)?"""
    cell = judged(student, "missing-terms")[CELL_OF["logistic_grads"]]
    assert all(
        "constant factor" not in f.message and "times autograd's" not in f.message
        for f in cell.failures
    )


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("fn", ["logistic_grads"])
def test_no_single_relation_gives_a_neutral_message(student, fn):
    """When no one relation explains every failing case (tanh's derivative in the logistic
    neuron), does the message only say where it is wrong, claiming no factor, missing term
    or swapped one?"""
    cell = judged(student, "other-terms")[CELL_OF[fn]]
    assert cell.passed == 0 and len(cell.failures) == 4
    for failure in cell.failures:
        assert f"{fn} disagrees with autograd on" in failure.message
        assert not any(w in failure.message or w in failure.summary for w in RELATION_WORDS), (
            failure.message
        )


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _numbers(text):
    """The numbers a text prints with 3 significant digits or more (fewer say too little:
    0.2 is also a gap the XOR training verdict quotes, and a hidden 0.2003 to 3 digits)."""
    return {
        n
        for n in _NUMBER.findall(text)
        if len(n.split("e")[0].replace("-", "").replace(".", "").lstrip("0")) >= 3
    }


def _hidden_values(calls):
    """The seeded, per-student numbers of the hidden request (not the integers of its design)."""
    values = set()
    for cid, call in calls.items():
        if cid.endswith("/shown") or call["kind"] == "train":
            continue
        for field in ("params", "grads"):
            for v in call.get(field, {}).values():
                values.update(v)
        values.update(call.get("x", []))
    return {v for v in values if abs(v - round(v)) > 1e-3}


def _shown_values(calls, reply):
    """The numbers of the notebook's shown examples: inputs, the student's results, the right ones."""
    values = set()
    for cid, call in calls.items():
        if not cid.endswith("/shown"):
            continue
        for field in ("params", "grads"):
            for v in call.get(field, {}).values():
                values.update(v)
        values.update(call.get("x", []) + call.get("y", []))
        got = reply.calls.get(cid, {}).get("value") or {}
        values.update(v for k, vs in got.items() if not k.endswith(".shape") for v in vs)
        if call["kind"] == "grads":
            ref = autograd_grads(
                FORWARDS[call["fn"]],
                HIDDEN._params(call),
                HIDDEN._t(call["x"]),
                HIDDEN._t(call["y"]),
            )
            values.update(v for r in ref.values() for v in r.flatten().tolist())
        if call["kind"] == "update":
            values.update(
                p - call["alpha"] * g
                for k in call["params"]
                for p, g in zip(call["params"][k], call["grads"][k])
            )
    return values


def _formats(values):
    """How a message might print a number: 3, 4 or 6 significant digits, or 4 decimals."""
    return {f"{v:.{d}g}" for v in values for d in (3, 4, 6)} | {str(round(v, 4)) for v in values}


@pytest.mark.parametrize("student", STUDENTS)
def test_messages_quote_no_hidden_input(student):
    """Does no verdict, for any answer, quote a hidden input (a number that is not also one
    of the shown examples'), nor name a hidden call?"""
    calls = build_calls(PARTB, student)
    hidden = _formats(_hidden_values(calls))
    checked = 0
    for mutation in MUTATIONS:
        cells = judged(student, mutation)
        shown = _formats(_shown_values(calls, _REPLIES[(student, mutation)]))
        for failure in (f for cell in cells.values() for f in cell.failures):
            text = failure.message + " " + failure.summary
            assert not (_numbers(text) & hidden) - shown, text
            for needle in ("p1/", "p3/", "p4/", "p4f/", "p2/step"):
                assert needle not in text, text
            checked += 1
    assert checked > 50


def test_training_verdict_says_what_it_checks():
    """Does the XOR training verdict say it checks "trains like a correct implementation", and
    that a network with a tanh hidden unit solved XOR from the grader's start, yet ended away
    from a correct implementation's outputs?"""
    cell = judged(TRAINED, "tanh-forward")[LEARN_CELL]
    assert cell.passed == 0 and len(cell.failures) == 1
    message, summary = cell.failures[0].message, cell.failures[0].summary
    assert "trains like a correct implementation" in message
    assert "Your network solved XOR (every output on the right side of 0.5), but" in message
    assert "away from a correct implementation's" in message
    assert "so it did not train like one" in message
    assert summary.startswith("trains unlike a correct implementation: solved XOR, outputs ")


@pytest.mark.parametrize(
    "solved, expected",
    [
        (3, "solved XOR (every output on the right side of 0.5) from 3 of the 3 starts, but"),
        (0, "solved XOR (every output on the right side of 0.5) from 0 of the 3 starts, and"),
    ],
)
def test_training_verdict_reads_for_several_starts(solved, expected):
    """Worded for a design of 2 of 3 starts too (``xor_starts.K`` may change): does it say
    how many starts solved XOR and trained like a correct implementation?"""
    message, summary = HIDDEN._training_verdict(
        {"epochs": 2000}, 3, 2, 1, solved, [0.1, 0.01, float("inf")]
    )
    assert expected in message
    assert "on at least 2 of the 3 starts" in message
    assert "so it trained like one from 1 of the 3 starts (2 needed)" in message
    assert "0.1, 0.01, no finite output away" in message
    assert summary.startswith(f"trains unlike a correct implementation: solved XOR from {solved}/3")


# -- the hidden inputs themselves, for many students (no student code) --------------------

MANY = [f"student-{n}" for n in range(150)]
FORWARDS = {
    "logistic_grads": logistic_forward,
    "tanh_grads": tanh_forward,
    "xor_grads": HIDDEN.xor_forward64,
}


def _float32_variants():
    """Correct float32 implementations: the solution and other algebraic forms."""
    ns = solution_namespace("partb")
    sigmoid = torch.sigmoid

    def logistic_sigmoid_minus(params, x, y):
        net = (x * params["w"]).sum().reshape(1) + params["b"]
        yhat = sigmoid(net)
        d_net = 2 * (yhat - y) * yhat * sigmoid(-net)
        return {"w": d_net * x, "b": d_net}

    def logistic_expanded(params, x, y):
        yhat = logistic_forward(params, x)["yhat"]
        d_net = 2 * (yhat - y) * (yhat - yhat**2)
        return {"w": d_net * x, "b": d_net}

    def tanh_cosh(params, x, y):
        net = (x * params["w"]).sum().reshape(1) + params["b"]
        d_net = 2 * (torch.tanh(net) - y) / torch.cosh(net) ** 2
        return {"w": d_net * x, "b": d_net}

    def xor_expanded(params, x, y):
        out = ns["xor_forward"](params, x)
        h, yhat = out["h"], out["yhat"]
        d_y = 2 * (yhat - y) * (yhat - yhat**2)
        d_h = params["w_012"][2] * d_y * (h - h**2)
        return {"w_34": x * d_h, "b0": d_h, "w_012": torch.cat([x, h]) * d_y, "b1": d_y}

    return {
        "logistic_grads": [ns["logistic_grads"], logistic_sigmoid_minus, logistic_expanded],
        "tanh_grads": [ns["tanh_grads"], tanh_cosh],
        "xor_grads": [ns["xor_grads"], xor_expanded],
    }


@pytest.fixture(scope="module")
def group_margins():
    """Per (function, group): the largest |error| / tolerance of a correct float32 answer, and
    the smallest, over students, of the group's largest |error| / tolerance of a halved one."""
    variants = _float32_variants()
    correct, halved = {}, {}
    for student in MANY:
        worst_half = {}
        for cid, call in build_calls(PARTB, student).items():
            if call["kind"] != "grads" or cid.endswith("/shown"):
                continue
            fn, group = call["fn"], cid.split("/")[1]
            params, x, y = HIDDEN._params(call), HIDDEN._t(call["x"]), HIDDEN._t(call["y"])
            ref = autograd_grads(FORWARDS[fn], params, x, y)
            tol = {k: HIDDEN.ATOL + HIDDEN.RTOL * w.abs() for k, w in ref.items()}
            for variant in variants[fn]:
                with torch.no_grad():
                    got = variant(params, x, y)
                err = max(float(((got[k].double() - ref[k]).abs() / tol[k]).max()) for k in ref)
                correct[fn, group] = max(correct.get((fn, group), 0.0), err)
            half = max(float((0.5 * ref[k].abs() / tol[k]).max()) for k in ref)
            worst_half[fn, group] = max(worst_half.get((fn, group), 0.0), half)
        for key, value in worst_half.items():
            halved[key] = min(halved.get(key, float("inf")), value)
    return correct, halved


def test_correct_float32_answers_stay_far_inside_the_tolerance(group_margins):
    """On every hidden case of 150 students, do correct float32 answers (the solution,
    sigmoid(-net) for 1 - yhat, yhat - yhat**2, 1 / cosh^2) stay below a tenth of the tolerance?"""
    correct, _ = group_margins
    assert len(correct) == 12
    assert max(correct.values()) < 0.1, correct


def test_every_group_holds_a_case_a_halved_gradient_fails_by_far(group_margins):
    """For each of 150 students and each group of each gradient cell, is there a case where a
    halved gradient (and so a zero or a negated one) misses the tolerance by a factor of 10 or
    more?"""
    _, halved = group_margins
    assert len(halved) == 12
    assert min(halved.values()) > 10, halved
