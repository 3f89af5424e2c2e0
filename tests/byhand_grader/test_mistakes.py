"""Does each catalogued mistake, written as student code, get exactly its code on exactly the
problems it breaks, and a correct answer none?

Each bug variant is the source's solution (``solved_release``, the cells the grader sends,
``harness_cells``) with one answer cell's text changed as a student would change it.  The
harness runs it in this process (``run_request``, no sandbox: what the harness reports as
data, a broken contract or a missing function, is part of what is judged), the judge runs
the hidden checks on the reply, and the codes per problem are read as the report CSV reads
them (``mistakes.codes_by_problem``).  The XOR training runs (and Problem 5's replay, which
no check scores) are left out of the request but for the variants that are about them: the
training check is then left out of what is compared, as ``test_hidden_checks_discriminate``
does.  The codes come from what the checks measure, never from this file's names for the
variants.
"""

import ast
import re
import signal

import nbformat
import pytest

from byhand_grader import judge
from byhand_grader.assignment import Assignment, AssignmentError, load_assignment, Problem
from byhand_grader.harness.protocol import reply_from, Request
from byhand_grader.harness.session import run_request
from byhand_grader.intake import harness_cells
from byhand_grader.mistakes import codes_by_problem, COMMON, OTHER
from byhand_grader.results import CellGrade, StudentResult
from byhand_instructor.sample_class import solved_release

from ..repo import COURSE, REPO
from .test_numerical_differentiation import finite_difference

STUDENT = "ada"
LEARN_CELL = "p4_xor_learns"

#: answer cell -> its label in the harness's cells
P1, P2, P3 = (
    "answer cell 'p1_logistic_grads_answer'",
    "answer cell 'p2_sgd_update_answer'",
    "answer cell 'p3_tanh_grads_answer'",
)
P4F, P4 = "answer cell 'p4_xor_forward_answer'", "answer cell 'p4_xor_grads_answer'"

LOGISTIC_D_NET = "d_net = 2 * (yhat - y) * yhat * (1 - yhat)"
TANH_D_NET = "d_net = 2 * (yhat - y) * (1 - yhat ** 2)"
D_Y = "d_y = 2 * (yhat - y) * yhat * (1 - yhat)"
D_H = 'd_h = d_y * params["w_012"][2] * h * (1 - h)'
UPDATE = "value - alpha * grads[name]"


def _partb_variants():
    """variant -> (changes, {problem: codes}, trained): each change ``(cell, old, new)``
    replaces text of the solution's answer cell, or ``(cell, None, source)`` the whole cell."""
    stub = (
        "def sgd_update(params, grads, alpha):\n"
        "    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    return {
        "correct": ((), {}, True),
        # -- the loss and the activation's derivative (P1, P3, P4) -----------------------
        "factor-2-missing": (
            [
                (P1, "2 * (yhat - y)", "(yhat - y)"),
                (P3, "2 * (yhat - y)", "(yhat - y)"),
                (P4, "2 * (yhat - y)", "(yhat - y)"),
            ],
            {"P1": {"factor-2-missing"}, "P3": {"factor-2-missing"}, "P4": {"factor-2-missing"}},
            False,
        ),
        "factor-2-doubled": (
            [(P1, "2 * (yhat - y)", "4 * (yhat - y)")],
            {"P1": {"factor-2-doubled"}},
            False,
        ),
        "opposite-sign": (
            [(P3, "(yhat - y)", "(y - yhat)")],
            {"P3": {"opposite-sign"}},
            False,
        ),
        "opposite-sign-factor-2-missing": (
            [(P4, "2 * (yhat - y)", "(y - yhat)")],
            {"P4": {"opposite-sign", "factor-2-missing"}},
            False,
        ),
        "activation-derivative-missing": (
            [(P1, LOGISTIC_D_NET, "d_net = 2 * (yhat - y)"), (P4, D_Y, "d_y = 2 * (yhat - y)")],
            {"P1": {"activation-derivative-missing"}, "P4": {"activation-derivative-missing"}},
            False,
        ),
        "tanh-derivative-wrong-quantity": (
            [
                (
                    P3,
                    'yhat = tanh_forward(params, x)["yhat"]',
                    'out = tanh_forward(params, x)\n    net, yhat = out["net"], out["yhat"]',
                ),
                (P3, "(1 - yhat ** 2)", "(1 - net ** 2)"),
            ],
            {"P3": {"tanh-derivative-wrong-quantity"}},
            False,
        ),
        "logistic-derivative-for-tanh": (
            [(P3, "(1 - yhat ** 2)", "yhat * (1 - yhat)")],
            {"P3": {"logistic-derivative-for-tanh"}},
            False,
        ),
        "bias-gradient-times-x": (
            [(P1, '"b": d_net}', '"b": d_net * x}'), (P4, '"b0": d_h,', '"b0": d_h * x,')],
            # the training run stops at the same wrong shape: the same mistake
            {"P1": {"bias-gradient-times-x"}, "P4": {"bias-gradient-times-x"}},
            True,
        ),
        # -- backprop through the XOR network (P4) ----------------------------------------
        "dh-missing-w2": (
            [(P4, D_H, "d_h = d_y * h * (1 - h)")],
            {"P4": {"dh-missing-w2"}},
            False,
        ),
        "dh-missing-hidden-derivative": (
            [(P4, D_H, 'd_h = d_y * params["w_012"][2]')],
            {"P4": {"dh-missing-hidden-derivative"}},
            False,
        ),
        "w012-skip-missing": (
            [(P4, "d_y * torch.cat([x, h])", "d_y * torch.cat([torch.zeros(2), h])")],
            {"P4": {"w012-skip-missing"}},
            False,
        ),
        "w012-hidden-missing": (
            [(P4, "d_y * torch.cat([x, h])", "d_y * torch.cat([x, torch.ones(1)])")],
            {"P4": {"w012-hidden-missing"}},
            False,
        ),
        "forward-activation-wrong": (
            [(P4F, "h = logistic(net_h)", "h = torch.tanh(net_h)")],
            # xor_grads backpropagates through that forward pass: the same mistake
            {"P4": {"forward-activation-wrong", "trains-differently"}},
            True,
        ),
        "trains-differently": (
            [(P4, D_H, "d_h = d_y * h * (1 - h)")],
            {"P4": {"dh-missing-w2", "trains-differently"}},
            True,
        ),
        # -- the update (P2) --------------------------------------------------------------
        "update-adds": (
            [(P2, UPDATE, "value + alpha * grads[name]")],
            {"P2": {"update-adds"}},
            False,
        ),
        "update-ignores-alpha": (
            [(P2, UPDATE, "value - grads[name]")],
            {"P2": {"update-ignores-alpha"}},
            False,
        ),
        "update-partial": (
            [(P2, UPDATE, '(value - alpha * grads[name] if name != "b" else value)')],
            {"P2": {"update-partial"}},
            False,
        ),
        "update-reads-grad": (
            [(P2, UPDATE, "value - alpha * value.grad")],
            {"P2": {"update-reads-grad"}},
            False,
        ),
        # -- what the judge recognises for any assignment ------------------------------------
        "autograd-used": (
            [
                (
                    P1,
                    None,
                    "def logistic_grads(params, x, y):\n"
                    "    with torch.inference_mode(False):\n"
                    "        return {k: v.float() for k, v in\n"
                    "                autograd_grads(logistic_forward, params, x, y).items()}\n",
                )
            ],
            {"P1": {"autograd-used"}},
            False,
        ),
        "numerical-differentiation": (
            [(P3, None, finite_difference("tanh_grads", "given", "central", "float64"))],
            {"P3": {"numerical-differentiation"}},
            False,
        ),
        "tampering": (
            [(P2, "    return {name:", "    torch.allclose = None\n    return {name:")],
            {"P2": {"tampering"}},
            False,
        ),
        "wrong-dtype": (
            [(P1, '{"w": d_net * x, "b": d_net}', '{"w": (d_net * x).tolist(), "b": d_net}')],
            {"P1": {"wrong-dtype"}},
            False,
        ),
        "wrong-keys": ([(P3, '"b": d_net}', '"bias": d_net}')], {"P3": {"wrong-keys"}}, False),
        "wrong-keys-forward": (
            [(P4F, '"net_h": net_h, ', "")],
            {"P4": {"wrong-keys"}},
            False,
        ),
        "wrong-shape": (
            [(P1, '"w": d_net * x,', '"w": (d_net * x).reshape(2, 1),')],
            {"P1": {"wrong-shape"}},
            False,
        ),
        "not-finite": ([(P3, '"b": d_net}', '"b": d_net / 0}')], {"P3": {"not-finite"}}, False),
        "raises-error": (
            [(P1, LOGISTIC_D_NET, LOGISTIC_D_NET + ' * params["w0"]')],
            {"P1": {"raises-error"}},
            False,
        ),
        "over-limit": (
            [(P2, "    return {name:", "    while True:\n        pass\n    return {name:")],
            {"P2": {"over-limit"}},
            False,
        ),
        "missing-function": (
            [(P2, "def sgd_update(", "def sgd_update_mine(")],
            {"P2": {"missing-function"}},
            False,
        ),
        "cell-fails": ([(P3, "return {", "return {{")], {"P3": {"cell-fails"}}, False),
        "not-attempted": ([(P2, None, stub)], {"P2": {"not-attempted"}}, False),
        # -- wrong, and by no catalogued mistake ------------------------------------------
        "other": (
            [(P1, LOGISTIC_D_NET, "d_net = 2 * (yhat - y) * (1 - yhat ** 2)")],
            {"P1": {OTHER}},
            False,
        ),
        "other-update": (
            [(P2, UPDATE, "value - 0.5 * alpha * grads[name]")],
            {"P2": {OTHER}},
            False,
        ),
    }


PARTB_VARIANTS = _partb_variants()
#: Variants whose calls run under a short call limit (each call of theirs loops forever).
SHORT_CALLS = {"over-limit": {"call_s": 0.3}}


@pytest.fixture(scope="module")
def partb():
    desc = load_assignment(COURSE, "partb")
    source = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    cells = harness_cells(solved_release(COURSE, "partb"), source, desc.setup_cells)
    return desc, cells, judge.build_calls(desc, STUDENT)


def _changed(cells, changes):
    cells = [dict(c) for c in cells]
    for label, old, new in changes:
        [cell] = [c for c in cells if c["label"] == label]
        if old is None:
            cell["source"] = new
        else:
            assert old in cell["source"], f"the solution no longer holds {old!r}: update this test"
            cell["source"] = cell["source"].replace(old, new)
    return cells


def _harness(desc, cells, calls, limits=None):
    """The harness's reply to ``calls`` after ``cells``, in this process."""
    items, alarm = [], signal.getsignal(signal.SIGALRM)
    try:
        run_request(
            Request(
                cells=cells,
                calls=calls,
                call_kinds=list(desc.call_kinds),
                by_hand=list(desc.by_hand),
                limits=limits or {},
            ),
            items.append,
        )
    finally:
        signal.signal(signal.SIGALRM, alarm)
    reply, _ = reply_from(items)
    return reply


def _judged(desc, calls, reply, left_out=()):
    """A ``StudentResult`` of the judge's verdicts on ``reply`` (``left_out``: grade cells
    whose checks had no calls to judge)."""
    verdicts = judge.judge(desc, judge.Probe(STUDENT, calls, reply))
    result = StudentResult(STUDENT, desc.name)
    for gid, v in verdicts.items():
        if gid not in left_out:
            result.cells.append(CellGrade(gid, 1.0, v.score(1.0), v.passed, v.total, v.failures))
    return result


def _codes(result, desc):
    return {p: set(codes) for p, codes in codes_by_problem(result, desc).items()}


@pytest.mark.parametrize("variant", sorted(PARTB_VARIANTS))
def test_each_partb_mistake_gets_exactly_its_code(partb, variant):
    """Does the variant lose points with exactly its catalogued codes, on exactly the
    problems it breaks, and does every other problem pass?"""
    desc, cells, calls = partb
    changes, expected, trained = PARTB_VARIANTS[variant]
    kinds = ("explain",) if trained else ("explain", "train")
    wanted = {cid: c for cid, c in calls.items() if c["kind"] not in kinds}
    reply = _harness(
        desc, _changed(cells, changes), list(wanted.values()), SHORT_CALLS.get(variant)
    )
    result = _judged(desc, wanted, reply, left_out=() if trained else (LEARN_CELL,))
    assert _codes(result, desc) == expected, [f.summary for c in result.cells for f in c.failures]
    broken = {desc.problem_of(c.grade_id).column for c in result.cells if c.score < c.points}
    assert broken == set(expected)
    assert all(c in desc.mistakes for codes in expected.values() for c in codes)


BUILD, TRAIN, NOISE = (
    "answer cell 'mlp_build_answer'",
    "answer cell 'mlp_train_answer'",
    "answer cell 'mlp_noise_answer'",
)
NOISE_STD = "return torch.sqrt(eta / (1 + t) ** gamma)"
SGD = "torch.optim.SGD(model.parameters(), lr=lr)"

#: variant -> (changes, {problem: codes}), as ``PARTB_VARIANTS`` (every call is made)
MLP_VARIANTS = {
    "correct": ((), {}),
    "mlp-modules-wrong": (
        [
            (
                BUILD,
                "nn.Linear(hidden, 1, bias=bias), nn.Sigmoid())",
                "nn.Linear(hidden, 1, bias=bias))",
            )
        ],
        {"mlp_build": {"mlp-modules-wrong"}},
    ),
    "mlp-bias-ignored": (
        [
            (BUILD, "nn.Linear(2, hidden, bias=bias)", "nn.Linear(2, hidden)"),
            (BUILD, "nn.Linear(hidden, 1, bias=bias)", "nn.Linear(hidden, 1)"),
        ],
        {"mlp_build": {"mlp-bias-ignored"}},
    ),
    "mlp-init-interval": (
        [(BUILD, "bound = 1 / math.sqrt(layer.in_features)", "bound = 1 / layer.in_features")],
        {"mlp_build": {"mlp-init-interval"}},
    ),
    "mlp-init-order": (
        [(BUILD, "for p in layer.parameters():", "for p in reversed(list(layer.parameters())):")],
        {"mlp_build": {"mlp-init-order"}},
    ),
    "mlp-losses-length": (
        [(TRAIN, "return losses", "return losses + [loss_fn(model(X), Y).item()]")],
        {"mlp_train": {"mlp-losses-length"}},
    ),
    "mlp-loss-after-step": (
        [(TRAIN, "losses.append(loss.item())", "losses.append(loss_fn(model(X), Y).item())")],
        {"mlp_train": {"mlp-loss-after-step"}},
    ),
    "mlp-loss-fn-ignored": (
        [
            (
                TRAIN,
                "loss = loss_fn(model(X), Y)",
                "loss = loss_fn(model(X), Y)\n        mine = nn.MSELoss()(model(X), Y).item()",
            ),
            (TRAIN, "losses.append(loss.item())", "losses.append(mine)"),
        ],
        {"mlp_train": {"mlp-loss-fn-ignored"}},
    ),
    "mlp-trains-a-copy": (
        [
            (
                TRAIN,
                f"optimizer = {SGD}",
                f"import copy\n    model = copy.deepcopy(model)\n    optimizer = {SGD}",
            )
        ],
        {"mlp_train": {"mlp-trains-a-copy"}},
    ),
    "mlp-zero-grad-missing": (
        [(TRAIN, "        optimizer.zero_grad()\n", "")],
        {"mlp_train": {"mlp-zero-grad-missing"}},
    ),
    "mlp-momentum": (
        [(TRAIN, SGD, "torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)")],
        {"mlp_train": {"mlp-momentum"}},
    ),
    "mlp-step-scaled": (
        [(TRAIN, SGD, "torch.optim.SGD(model.parameters(), lr=lr / 2)")],
        {"mlp_train": {"mlp-step-scaled"}},
    ),
    "noise-variance": (
        [(NOISE, NOISE_STD, "return eta / (1 + t) ** gamma")],
        {"mlp_noise": {"noise-variance"}},
    ),
    "noise-power-of-t": (
        [(NOISE, NOISE_STD, "return torch.sqrt(eta / (1 + t ** gamma))")],
        {"mlp_noise": {"noise-power-of-t"}},
    ),
    "noise-sqrt-eta-only": (
        [(NOISE, NOISE_STD, "return eta ** 0.5 / (1 + t) ** gamma")],
        {"mlp_noise": {"noise-sqrt-eta-only"}},
    ),
    "noise-gamma-ignored": (
        [(NOISE, NOISE_STD, "return torch.sqrt(eta / (1 + t) ** 0.55)")],
        {"mlp_noise": {"noise-gamma-ignored"}},
    ),
    "noise-default-gamma": (
        [(NOISE, "def noise_std(t, eta, gamma=0.55):", "def noise_std(t, eta, gamma=1.0):")],
        {"mlp_noise": {"noise-default-gamma"}},
    ),
    "wrong-dtype": ([(NOISE, NOISE_STD, NOISE_STD + ".tolist()")], {"mlp_noise": {"wrong-dtype"}}),
    "wrong-shape": ([(NOISE, NOISE_STD, NOISE_STD + ".flatten()")], {"mlp_noise": {"wrong-shape"}}),
    "other": (
        [(NOISE, NOISE_STD, "return torch.sqrt(eta / (2 + t) ** gamma)")],
        {"mlp_noise": {OTHER}},
    ),
}


@pytest.fixture(scope="module")
def xor_mlp():
    desc = load_assignment(COURSE, "xor_mlp")
    source = nbformat.read(COURSE.source_notebook("xor_mlp"), as_version=4)
    cells = harness_cells(solved_release(COURSE, "xor_mlp"), source, desc.setup_cells)
    return desc, cells, judge.build_calls(desc, STUDENT)


@pytest.mark.parametrize("variant", sorted(MLP_VARIANTS))
def test_each_xor_mlp_mistake_gets_exactly_its_code(xor_mlp, variant):
    """Does the extension's variant lose points with exactly its codes, on exactly the
    problems it breaks?"""
    desc, cells, calls = xor_mlp
    changes, expected = MLP_VARIANTS[variant]
    reply = _harness(desc, _changed(cells, changes), list(calls.values()))
    result = _judged(desc, calls, reply)
    assert _codes(result, desc) == expected, [f.summary for c in result.cells for f in c.failures]
    broken = {desc.problem_of(c.grade_id).column for c in result.cells if c.score < c.points}
    assert broken == set(expected)


def test_every_xor_mlp_code_has_a_variant():
    """Is every code of the extension's own (the common ones are Part B's variants) judged
    on a variant above?"""
    desc = load_assignment(COURSE, "xor_mlp")
    shown = {
        c for _, expected in MLP_VARIANTS.values() for codes in expected.values() for c in codes
    }
    assert {m.code for m in desc.mistakes} - set(COMMON) <= shown


def test_every_partb_code_has_a_variant():
    """Is every code of Part B's catalogue judged on a variant above (``check-crashed``, the
    grader's own fault, in ``test_a_check_that_crashes_is_the_graders_fault``)?"""
    desc = load_assignment(COURSE, "partb")
    shown = {
        c
        for _, expected, _ in PARTB_VARIANTS.values()
        for codes in expected.values()
        for c in codes
    }
    assert {m.code for m in desc.mistakes} - {"check-crashed"} <= shown
    assert OTHER in shown


# -- every code a check can raise is catalogued; an unknown one fails loudly ---------------

#: A code as the catalogues write them: lowercase words joined by hyphens.
CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def _code_literals(path):
    """The strings of ``path``'s code that look like mistake codes (docstrings included)."""
    tree = ast.parse(path.read_text())
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE.match(n.value)
    }


@pytest.mark.parametrize("assignment", ["partb", "xor_mlp"])
def test_every_code_the_checks_name_is_catalogued(assignment):
    """Is every code-like string of the hidden checks, and of the judge's own verdicts
    (``judge.py``), in the assignment's catalogue, and can every catalogued code be raised
    (it is named in the hidden checks or the judge)?  Read from the source, whatever the
    variants above reach."""
    desc = load_assignment(COURSE, assignment)
    catalogued = {m.code for m in desc.mistakes}
    checks = _code_literals(desc.tests)
    judged = _code_literals(REPO / "byhand_grader" / "judge.py")
    assert checks | judged <= catalogued, (checks | judged) - catalogued
    assert judged <= set(COMMON)
    words = {
        n.value for n in ast.walk(ast.parse(desc.tests.read_text())) if isinstance(n, ast.Constant)
    }
    words |= {
        n.value
        for n in ast.walk(ast.parse((REPO / "byhand_grader" / "judge.py").read_text()))
        if isinstance(n, ast.Constant)
    }
    assert catalogued <= words, catalogued - words


def _tiny(tmp_path, checks, mistakes=None):
    """A one-cell assignment whose hidden checks are ``checks`` (and catalogue ``mistakes``)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "test_tiny.py").write_text(
        "import pytest\nfrom byhand_grader.judge import Verdict\n\n" + checks
    )
    if mistakes is not None:
        (tmp_path / "mistakes.py").write_text(mistakes)
    return Assignment(
        name="tiny", problems=(Problem("P1", "tiny", ("tiny_cell",)),), folder=tmp_path
    )


def _judge_tiny(desc):
    return judge.judge(desc, judge.Probe(STUDENT, {}, None))


CATALOGUED = (
    "from byhand_grader.mistakes import Catalogue, common, Mistake\n"
    "MISTAKES = Catalogue(Mistake('known', ('P1',), 'a known one', 'a hint'), *common(('P1',)))\n"
)


def test_a_code_the_catalogue_lacks_fails_the_judgement_loudly(tmp_path):
    """Does a check that raises a code its catalogue does not list stop the judgement with
    AssignmentError naming it, while the same check with a listed code is judged?"""
    check = (
        '@pytest.mark.grade_cell("tiny_cell")\n'
        "def test_it(probe):\n"
        "    raise Verdict('wrong', codes=({code!r},))\n"
    )
    known = _judge_tiny(_tiny(tmp_path / "known", check.format(code="known"), CATALOGUED))
    assert [f.codes for f in known["tiny_cell"].failures] == [("known",)]
    with pytest.raises(
        AssignmentError, match=r"test_it raised the mistake code\(s\) \['nowhere'\]"
    ):
        _judge_tiny(_tiny(tmp_path / "unknown", check.format(code="nowhere"), CATALOGUED))


def test_a_catalogue_without_the_common_codes_is_refused(tmp_path):
    """Is a catalogue that leaves out the judge's common codes (which any check may raise
    through ``Probe.result``) refused, and is an assignment without one given them?"""
    bare = _tiny(tmp_path / "bare", "", None)
    assert {m.code for m in bare.mistakes} == set(COMMON)
    short = _tiny(
        tmp_path / "short",
        "",
        "from byhand_grader.mistakes import Catalogue, Mistake\n"
        "MISTAKES = Catalogue(Mistake('known', ('P1',), 'a known one', 'a hint'))\n",
    )
    with pytest.raises(AssignmentError, match="the common code 'autograd-used' is missing"):
        short.mistakes
    astray = _tiny(
        tmp_path / "astray", "", CATALOGUED.replace("('P1',), 'a known", "('P9',), 'a known")
    )
    with pytest.raises(AssignmentError, match="'known' names problem 'P9'"):
        astray.mistakes


def test_a_check_that_crashes_is_the_graders_fault(tmp_path):
    """Is a hidden check that crashes (not a Verdict) a failure coded ``check-crashed``,
    never ``other`` nor a student's mistake?"""
    crash = '@pytest.mark.grade_cell("tiny_cell")\ndef test_it(probe):\n    1 / 0\n'
    cells = _judge_tiny(_tiny(tmp_path, crash, CATALOGUED))
    [failure] = cells["tiny_cell"].failures
    assert failure.codes == ("check-crashed",) and "could not run" in failure.message


# -- the codes leave the grader: the report CSV ------------------------------------------------


def test_the_report_csv_ends_with_each_problems_codes(tmp_path):
    """Does report-<a>.csv keep every column in its order and add, last, the codes of each
    problem's failed checks (``P1:...; P4:...``), empty for a student who lost nothing?"""
    import csv

    from byhand_grader.report import write_report_csv
    from byhand_grader.results import Failure

    desc = load_assignment(COURSE, "partb")
    wrong = StudentResult("bob", "partb", status="graded")
    wrong.cells = [
        CellGrade(
            "p1_logistic_grads_match_autograd",
            10,
            0,
            0,
            4,
            [Failure("m", "s", ("factor-2-missing",))] * 4,
        ),
        CellGrade("p2_sgd_update_steps_against_gradient", 5, 5, 2, 2),
        CellGrade(
            "p4_xor_grads_match_autograd",
            8,
            0,
            0,
            4,
            [Failure("m", "s", ("dh-missing-w2",)), Failure("m", "s", (OTHER,))],
        ),
        CellGrade("p4_xor_learns", 4, 0, 0, 1, [Failure("m", "s", ("trains-differently",))]),
    ]
    right = StudentResult("ada", "partb", status="graded")
    right.cells = [CellGrade("p1_logistic_grads_match_autograd", 10, 10, 4, 4)]
    path = tmp_path / "report-partb.csv"
    write_report_csv([wrong, right], desc, path)
    with open(path, newline="") as f:
        head, *rows = list(csv.reader(f))
    assert head[-5:] == ["reasons", "points_lost", "notes", "flags", "mistakes"]
    assert head[:3] == ["student", "P1", "P2"]
    mistakes = {row[0]: row[-1] for row in rows}
    assert mistakes == {
        "ada": "",
        "bob": "P1:factor-2-missing; P4:dh-missing-w2, other, trains-differently",
    }


# -- the documentation lists every code ------------------------------------------------------

MISTAKES_PAGE = REPO / "docs" / "grading" / "mistakes.md"


@pytest.mark.parametrize("assignment", ["partb", "xor_mlp"])
def test_the_docs_list_every_code_as_the_catalogue_has_it(assignment):
    """Is the assignment's table on docs/grading/mistakes.md exactly its catalogue's
    (``markdown_table``): every code, its problems, name and hint, and nothing else?"""
    from byhand_grader.mistakes import markdown_table

    page = MISTAKES_PAGE.read_text(encoding="utf-8")
    start, end = f"<!-- mistakes: {assignment} -->\n", f"<!-- end of mistakes: {assignment} -->"
    assert start in page and end in page, f"{MISTAKES_PAGE} has no table for {assignment}"
    shown = page.split(start, 1)[1].split(end, 1)[0]
    table = markdown_table(load_assignment(COURSE, assignment).mistakes)
    assert shown == table, f"replace the table of {assignment} in {MISTAKES_PAGE} with:\n{table}"


def test_the_docs_say_where_every_common_code_comes_from():
    """Does the page's account of the judge's own codes, before the catalogues' tables, name
    every common code (``mistakes.COMMON``)?"""
    account = MISTAKES_PAGE.read_text(encoding="utf-8").split("## Part B", 1)[0]
    assert [c for c in COMMON if f"`{c}`" not in account] == []
