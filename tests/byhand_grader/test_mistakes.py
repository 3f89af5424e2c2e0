"""Does each catalogued mistake, written as student code, get exactly its code on exactly the
problems it breaks, and a correct answer none?

Each bug variant is the source's solution (``solved_release``, the cells the grader sends,
``harness_cells``) with one answer cell's text changed as a student would change it: Part B's
are declared, with the codes each must get when graded, in its scenarios module
(``grader_tests/partb/sample_scenarios.py``'s ``VARIANTS``), which the generated class
draws on too.  The
harness runs it in this process (``run_request``, no sandbox: what the harness reports as
data, a broken contract or a missing function, is part of what is judged), the judge runs
the hidden checks on the reply, and the codes per problem are read as the report CSV reads
them (``mistakes.codes_by_problem``).  The XOR training runs (and Problem 5's replay, which
no check scores) are left out of the request but for the variants that are about them
(``TRAINED``): the training check and its code are then left out of what is compared, as
``test_hidden_checks_discriminate`` does.  The codes come from what the checks measure, never from this file's names for the
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

STUDENT = "ada"
LEARN_CELL = "p4_xor_learns"

_SCENARIOS = load_assignment(COURSE, "partb").module("sample_scenarios")
#: variant -> (changes, {problem: codes}), as graded (the training check's code included)
PARTB_VARIANTS = _SCENARIOS.VARIANTS
#: The variants judged with the XOR training runs: those whose mistake shows in training
#: (the wrong shape it stops at, the training that ends elsewhere).  The others leave the
#: training check, and its code (``TRAINS``), out of what is compared.
TRAINED = ("bias-gradient-times-x", "forward-activation-wrong", "dh-missing-w2")


def _untrained(codes):
    """``codes`` (per problem) less the training check's code, and the problems left empty."""
    left = {p: set(c) - {_SCENARIOS.TRAINS} for p, c in codes.items()}
    return {p: c for p, c in left.items() if c}


#: Variants whose calls run under a short call limit (each call of theirs loops forever).
SHORT_CALLS = {"over-limit": {"call_s": 0.3}}


@pytest.fixture(scope="module")
def partb():
    desc = load_assignment(COURSE, "partb")
    source = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    cells = harness_cells(solved_release(COURSE, "partb"), source, desc.setup_cells)
    return desc, cells, judge.build_calls(desc, STUDENT)


def _changed(cells, changes):
    """The harness's ``cells`` with a variant's ``changes`` made (each names an answer cell by
    its id, the harness labels it ``answer cell '<id>'``)."""
    cells = [dict(c) for c in cells]
    for cell_id, old, new in changes:
        label = f"answer cell '{cell_id}'"
        [cell] = [c for c in cells if c["label"] == label]
        cell["source"] = _SCENARIOS.changed_source(cell["source"], old, new, label)
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
    changes, expected = PARTB_VARIANTS[variant]
    trained = variant in TRAINED
    expected = expected if trained else _untrained(expected)
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


#: A generated student whose salted hidden inputs put one random forward case where tanh and
#: the logistic agree (net near 0.88): the forward pass is right there, the gradient built on
#: it is not.  ``ada`` has no such case.
CROSSING = "s165"


@pytest.mark.parametrize("student", [STUDENT, CROSSING])
def test_a_wrong_activation_is_named_where_it_crosses_the_right_one(partb, student):
    """Does the sample scenario with a tanh hidden unit under logistic gradients get its
    forward pass's code on P4, and no ``other``, for a student whose hidden inputs include a
    case where the wrong forward pass happens to be right?"""
    desc, _, _ = partb
    make, codes = _SCENARIOS.generated_kinds()["scenario:tanh-forward-logistic-grads"]
    solved = solved_release(COURSE, "partb")
    release = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    source = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    cells = harness_cells(make(solved, release), source, desc.setup_cells)
    calls = judge.build_calls(desc, student)
    wanted = {cid: c for cid, c in calls.items() if c["kind"] not in ("explain", "train")}
    reply = _harness(desc, cells, list(wanted.values()))
    result = _judged(desc, wanted, reply, left_out=(LEARN_CELL,))
    summaries = [f.summary for c in result.cells for f in c.failures]
    assert _codes(result, desc) == _untrained(codes), summaries
    right_somewhere = [s for s in summaries if re.search(r"wrongly on (\d+) of (?!\1\b)\d+", s)]
    assert bool(right_somewhere) == (student == CROSSING), summaries


BUILD, TRAIN, NOISE = "mlp_build_answer", "mlp_train_answer", "mlp_noise_answer"
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
        c for _, expected in PARTB_VARIANTS.values() for codes in expected.values() for c in codes
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
