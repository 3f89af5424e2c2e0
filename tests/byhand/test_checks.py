"""Do the visible checks say *what* differs, in one sentence, as the hidden judge does, and
print the catalogue's hint where the notebook's own examples pin a mistake down?

They are what a student reads in the notebook: first the shape of what a function returns,
then its dtype, then its values (a constant factor, the opposite sign, which parameters are
wrong and which are right, the step of an update, a forward value); and, for an unwritten
or broken function, what it raised, without re-raising.  The wrong answers are the
solution's own answer cells with one slip made in them (``mutant``), or, for the sentences'
wording, written by hand in this file (the package holds none).  Every hint a check prints
is compared with the catalogue's text, ``grader_tests/partb/mistakes.py``, through the
generated ``byhand/hints.py``.
"""

import pytest
import torch

from byhand.checks import (
    assert_grads_match,
    CheckFailed,
    compare_with_autograd,
    fmt,
    fmt_list,
    forward_problem,
    grads_problem,
    HINT_WIDTH,
    Problem,
    Raised,
    run_example,
    show_update,
    update_problem,
)
from byhand.data import X, Y_OR, Y_XOR
from byhand.hints import hint
from byhand.neuron import init_neuron, logistic, logistic_forward, tanh_forward
from byhand.training import NO_STUDENT_SEED
from byhand.xor import init_xor
from byhand_grader.assignment import load_assignment
from byhand_instructor.source import read_twin

from ..repo import COURSE

PARAMS = init_neuron(torch.Generator().manual_seed(3))
CATALOGUE = load_assignment(COURSE, "partb").mistakes
#: The answer cells of Part B's source, by cell id: the solution students are graded against.
ANSWERS = {
    c.id: c.source
    for c in read_twin(COURSE, "partb").cells
    if (c.metadata.get("nbgrader") or {}).get("solution") and c.cell_type == "code"
}
#: The notebook's own examples: its seeds (no student id; a student's), its hand-built network.
SEEDS = (NO_STUDENT_SEED, 20240917, 7)
HAND_BUILT = {
    "w_34": torch.tensor([20.0, 20.0]),
    "b0": torch.tensor([-30.0]),
    "w_012": torch.tensor([20.0, 20.0, -60.0]),
    "b1": torch.tensor([-10.0]),
}
#: The update check's example: the parameters, their gradients, alpha, the right result.
BEFORE, GRADS, ALPHA = {"w": [1.0, 2.0], "b": [0.5]}, {"w": [0.1, -0.2], "b": [0.3]}, 0.5
EXPECTED = {"w": [0.95, 2.1], "b": [0.35]}


def mutant(cell_id, *edits):
    """The namespace of answer cell ``cell_id`` with each ``(old, new)`` edit made (each must
    apply: a solution that changed fails here, not silently), beside the given code and the
    solution's own forward pass of the XOR network."""
    source = ANSWERS[cell_id]
    for old, new in edits:
        assert old in source, f"{old!r} is no longer in {cell_id}: update the mutant"
        source = source.replace(old, new)
    ns = {
        "torch": torch,
        "logistic": logistic,
        "logistic_forward": logistic_forward,
        "tanh_forward": tanh_forward,
    }
    exec(ANSWERS["p4_xor_forward_answer"], ns)
    exec(compile(source, f"<mutant of {cell_id}>", "exec"), ns)
    return ns


def hints_in(lines):
    """The ``Hint: ...`` paragraphs among printed ``lines``, each joined back into one line
    (a continuation line is indented under the hint's text)."""
    hints = []
    for line in lines:
        if line.startswith("Hint: "):
            hints.append(line)
        elif hints and line.startswith(" " * len("Hint: ")):
            hints[-1] += " " + line.strip()
    return hints


def read(problem):
    """What the student reads when the grade cell raises: ``(sentence, [hints])``, checking
    that no line of a hint is wider than HINT_WIDTH."""
    sentence, *lines = str(CheckFailed(problem)).splitlines()
    assert all(len(line) <= HINT_WIDTH for line in lines), lines
    return sentence, hints_in(lines)


def catalogue_hints(codes):
    """The catalogue's hints for ``codes``, read from grader_tests/partb/mistakes.py."""
    return [f"Hint: {CATALOGUE.hint(c)}" for c in codes]


# -- gradients: mutated solutions, each pinned to its catalogue code ------------------------

P1 = ("p1_logistic_grads_answer", "logistic_grads", logistic_forward)
P3 = ("p3_tanh_grads_answer", "tanh_grads", tanh_forward)

NEURON_MUTANTS = {
    "factor-2-missing": (P1, [("d_net = 2 *", "d_net =")], ["factor-2-missing"]),
    "factor-2-doubled": (P1, [("d_net = 2 *", "d_net = 4 *")], ["factor-2-doubled"]),
    "opposite-sign": (P1, [("(yhat - y)", "(y - yhat)")], ["opposite-sign"]),
    "opposite-sign-and-half": (
        P1,
        [("2 * (yhat - y)", "(y - yhat)")],
        ["opposite-sign", "factor-2-missing"],
    ),
    "p1-activation-derivative-missing": (
        P1,
        [(" * yhat * (1 - yhat)", "")],
        ["activation-derivative-missing"],
    ),
    "p3-activation-derivative-missing": (
        P3,
        [(" * (1 - yhat ** 2)", "")],
        ["activation-derivative-missing"],
    ),
    "p3-half": (P3, [("d_net = 2 *", "d_net =")], ["factor-2-missing"]),
    # the logistic's derivative for tanh: a ratio only a formula would name, so no hint
    "p3-logistic-derivative": (P3, [("(1 - yhat ** 2)", "yhat * (1 - yhat)")], []),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NEURON_MUTANTS)
def test_a_neuron_mutant_prints_its_catalogue_hint(name, seed):
    """Does each slip in the neuron's gradient (Problems 1 and 3), checked on the four OR
    patterns from the notebook's seed, give its sentence and the catalogue's hint for its
    code, and no other hint?"""
    (cell, fn, forward), edits, codes = NEURON_MUTANTS[name]
    params = init_neuron(torch.Generator().manual_seed(seed))
    problem = grads_problem(mutant(cell, *edits)[fn], forward, params, X, Y_OR)
    sentence, hints = read(problem)
    assert sentence.startswith(f"{fn} differs from autograd on 4 of 4 patterns: ")
    assert hints == catalogue_hints(codes)


XOR_MUTANTS = {
    "factor-2-missing": ([("d_y = 2 *", "d_y =")], ["factor-2-missing"]),
    "opposite-sign": ([("(yhat - y)", "(y - yhat)")], ["opposite-sign"]),
    "activation-derivative-missing": (
        [("d_y = 2 * (yhat - y) * yhat * (1 - yhat)", "d_y = 2 * (yhat - y)")],
        ["activation-derivative-missing"],
    ),
    "dh-missing-w2": ([(' * params["w_012"][2]', "")], ["dh-missing-w2"]),
    "dh-missing-hidden-derivative": ([(" * h * (1 - h)", "")], ["dh-missing-hidden-derivative"]),
    "w012-skip-missing": (
        [("torch.cat([x, h])", "torch.cat([torch.zeros(2), h])")],
        ["w012-skip-missing"],
    ),
    "w012-hidden-missing": (
        [("torch.cat([x, h])", "torch.cat([x, torch.ones(1)])")],
        ["w012-hidden-missing"],
    ),
    # d_h from the output's net input instead of h: wrong, but nothing shown pins it
    "dh-other": ([("h * (1 - h)", "out['net_y'] * h")], []),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", XOR_MUTANTS)
def test_an_xor_mutant_prints_its_catalogue_hint(name, seed):
    """Does each slip in Problem 4's backprop, checked on the four XOR patterns from the
    notebook's seed, give the catalogue's hint for its code, and no other (a d_h that only
    its formula would name gets the sentence alone)?"""
    edits, codes = XOR_MUTANTS[name]
    ns = mutant("p4_xor_grads_answer", *edits)
    params = init_xor(torch.Generator().manual_seed(seed))
    problem = grads_problem(ns["xor_grads"], ns["xor_forward"], params, X, Y_XOR)
    sentence, hints = read(problem)
    assert sentence.startswith("xor_grads differs from autograd on ")
    assert hints == catalogue_hints(codes)


def test_d_h_mutants_name_the_hidden_parameters_wrong_and_the_output_ones_right():
    """Does the sentence of a d_h slip say that only dE/dw_34 and dE/db0 are wrong?"""
    for name in ("dh-missing-w2", "dh-missing-hidden-derivative"):
        ns = mutant("p4_xor_grads_answer", *XOR_MUTANTS[name][0])
        params = init_xor(torch.Generator().manual_seed(NO_STUDENT_SEED))
        problem = grads_problem(ns["xor_grads"], ns["xor_forward"], params, X, Y_XOR)
        assert "dE/dw_34 and dE/db0 " in problem and "dE/dw_012 and dE/db1 are right" in problem


def test_the_solution_passes_every_check_and_prints_no_hint(capsys):
    """Do the solution's own functions pass every check, each comparison printing OK and no
    hint?"""
    ns = {}
    for cell in ANSWERS:
        ns.update(mutant(cell))
    for seed in SEEDS:
        neuron = init_neuron(torch.Generator().manual_seed(seed))
        xor = init_xor(torch.Generator().manual_seed(seed))
        assert grads_problem(ns["logistic_grads"], logistic_forward, neuron, X, Y_OR) is None
        assert grads_problem(ns["tanh_grads"], tanh_forward, neuron, X, Y_OR) is None
        assert grads_problem(ns["xor_grads"], ns["xor_forward"], xor, X, Y_XOR) is None
        compare_with_autograd(ns["xor_grads"], ns["xor_forward"], xor, X[2], Y_XOR[2])
    assert update_problem(BEFORE, _update(ns["sgd_update"]), EXPECTED, ALPHA) is None
    expected = [ns["xor_forward"](HAND_BUILT, x) for x in X]
    assert forward_problem(ns["xor_forward"], HAND_BUILT, X, expected) is None
    out = capsys.readouterr().out
    assert "Hint" not in out and out.count(" OK\n") == len(SEEDS)


def test_compare_prints_the_hint_under_the_table(capsys):
    """Does the printed comparison end with the DIFFERENT line, then the catalogue's hint for
    a slip that one pattern pins down?"""
    fn = mutant("p1_logistic_grads_answer", ("d_net = 2 *", "d_net ="))["logistic_grads"]
    compare_with_autograd(fn, logistic_forward, PARAMS, X[3], Y_OR[3])
    lines = capsys.readouterr().out.strip().splitlines()
    different = next(n for n, line in enumerate(lines) if "DIFFERENT" in line)
    assert (
        "logistic_grads differs from autograd here: dE/dw and dE/db are 0.5" in (lines[different])
    )
    assert hints_in(lines[different + 1 :]) == catalogue_hints(["factor-2-missing"])
    assert len(lines) > different + 2  # the hint is wrapped between words, not one long line


def test_one_pattern_never_pins_down_a_slope():
    """Is the activation's missing derivative left unnamed on one pattern, where any ratio
    could be the slope's (it needs two patterns where the slopes differ)?"""
    fn = mutant("p1_logistic_grads_answer", (" * yhat * (1 - yhat)", ""))["logistic_grads"]
    assert grads_problem(fn, logistic_forward, PARAMS, X[3:], Y_OR[3:]).codes == ()
    assert grads_problem(fn, logistic_forward, PARAMS, X, Y_OR).codes == (
        "activation-derivative-missing",
    )


# -- shape, then dtype, then values ----------------------------------------------------------

#: One slip per stage in logistic_grads; a mutant with several is reported at its first stage.
WRONG_SHAPE = ('"w": d_net * x', '"w": (d_net * x).reshape(1, 2)')
WRONG_DTYPE = ('"b": d_net}', '"b": d_net.double()}')
WRONG_VALUE = ("d_net = 2 *", "d_net =")


@pytest.mark.parametrize(
    "edits, sentence, codes",
    [
        (
            [WRONG_SHAPE, WRONG_DTYPE, WRONG_VALUE],
            "logistic_grads returns 'w' with shape (1, 2); expected shape (2,), the shape of "
            "the parameter 'w'.",
            ["wrong-shape"],
        ),
        (
            [WRONG_DTYPE, WRONG_VALUE],
            "logistic_grads returns 'b' as a float64 tensor; expected float32 tensors, the "
            "dtype of the inputs it is given.",
            ["wrong-dtype"],
        ),
        (
            [WRONG_VALUE],
            "logistic_grads differs from autograd on 4 of 4 patterns: ",
            ["factor-2-missing"],
        ),
    ],
    ids=["shape-first", "then-dtype", "then-values"],
)
def test_shape_is_reported_before_dtype_before_values(edits, sentence, codes):
    """Does a function wrong in shape, dtype and values hear about its shape first, then,
    with the shape fixed, its dtype, and only then its values, each with its own message
    and hint?"""
    fn = mutant("p1_logistic_grads_answer", *edits)["logistic_grads"]
    problem = grads_problem(fn, logistic_forward, PARAMS, X, Y_OR)
    first, hints = read(problem)
    assert first.startswith(sentence)
    assert hints == catalogue_hints(codes)


@pytest.mark.parametrize(
    "edit, sentence, code",
    [
        (
            ('"b": d_net}', '"bias": d_net}'),
            "logistic_grads returns the keys ['w', 'bias']; expected ['w', 'b'] (missing "
            "['b']) (unexpected ['bias']).",
            "wrong-keys",
        ),
        (
            ('return {"w": d_net * x, "b": d_net}', "return d_net * x, d_net"),
            "logistic_grads returns a tuple; expected a dict with the keys ['w', 'b'].",
            "wrong-dtype",
        ),
        (
            ('"b": d_net}', '"b": d_net.tolist()}'),
            "logistic_grads returns 'b' as a list; expected float32 tensors, the dtype of the "
            "inputs it is given.",
            "wrong-dtype",
        ),
        (
            ('"b": d_net}', '"b": d_net * x}'),
            "logistic_grads returns 'b' with shape (2,); expected shape (1,), the shape of the "
            "parameter 'b'.",
            "bias-gradient-times-x",
        ),
        (
            ('"b": d_net}', '"b": d_net * x.sum()}'),
            "logistic_grads differs from autograd on 2 of 4 patterns: dE/db differs",
            None,
        ),
    ],
    ids=["keys", "not-a-dict", "a-list", "bias-times-x", "bias-times-sum-x"],
)
def test_each_stage_names_what_it_expected(edit, sentence, code):
    """Does the shape stage name the key and the shape expected, the dtype stage the value
    and the dtype, and is a bias's gradient shaped like x and equal to autograd's times x
    the bias-times-x slip (and a bias's gradient merely wrong no slip the examples pin)?"""
    fn = mutant("p1_logistic_grads_answer", edit)["logistic_grads"]
    first, hints = read(grads_problem(fn, logistic_forward, PARAMS, X, Y_OR))
    assert first.startswith(sentence)
    assert hints == catalogue_hints([code] if code else [])


def test_an_xor_bias_times_x_is_named_for_either_bias():
    """Is the hidden bias's or the output bias's gradient times x the same slip?"""
    for edit in (('"b0": d_h,', '"b0": d_h * x,'), ('"b1": d_y}', '"b1": d_y * x}')):
        ns = mutant("p4_xor_grads_answer", edit)
        params = init_xor(torch.Generator().manual_seed(NO_STUDENT_SEED))
        problem = grads_problem(ns["xor_grads"], ns["xor_forward"], params, X, Y_XOR)
        assert problem.codes == ("bias-gradient-times-x",), problem


def test_a_stage_problem_replaces_the_table(capsys):
    """Does the comparison print the shape's sentence and hint instead of a table it cannot
    fill?"""
    fn = mutant("p1_logistic_grads_answer", WRONG_SHAPE)["logistic_grads"]
    assert compare_with_autograd(fn, logistic_forward, PARAMS, X[3], Y_OR[3]) is None
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("logistic_grads returns 'w' with shape (1, 2)")
    assert hints_in(lines[1:]) == catalogue_hints(["wrong-shape"])


# -- the update ------------------------------------------------------------------------------


def _update(sgd_update):
    """The notebook's update example, run as its check cell runs it."""
    return run_example(
        sgd_update,
        {n: torch.tensor(v) for n, v in BEFORE.items()},
        {n: torch.tensor(v) for n, v in GRADS.items()},
        ALPHA,
    )


UPDATE_MUTANTS = {
    "update-adds": ([("value - alpha", "value + alpha")], "the step is -1 times", ["update-adds"]),
    "update-ignores-alpha": (
        [("value - alpha * grads[name]", "value - grads[name]")],
        "the step is 2 = 1 / alpha times the expected step",
        ["update-ignores-alpha"],
    ),
    "adds-and-ignores-alpha": (
        [("value - alpha * grads[name]", "value + grads[name]")],
        "the step is -2 = -1 / alpha times the expected step: it goes uphill",
        ["update-adds", "update-ignores-alpha"],
    ),
    "update-partial": (
        [("value - alpha * grads[name]", "value - alpha * grads[name] if name == 'w' else value")],
        "the update returns 'b' unchanged; 'w' moved as expected",
        ["update-partial"],
    ),
    "none-moved": (
        [("value - alpha * grads[name]", "value")],
        "the step is zero: the parameters did not move",
        ["update-partial"],
    ),
    "alpha-squared": (
        [("value - alpha * grads[name]", "value - alpha * alpha * grads[name]")],
        "the step is 0.5 times the expected step",
        [],
    ),
    "reads-grad": (
        [("grads[name]", "value.grad")],
        "sgd_update raised TypeError in <dictcomp>",
        ["raises-error"],
    ),
    "wrong-dtype": (
        [("value - alpha * grads[name]", "(value - alpha * grads[name]).tolist()")],
        "the update returns 'w' as a list, 'b' as a list; expected float32 tensors",
        ["wrong-dtype"],
    ),
}


@pytest.mark.parametrize("name", UPDATE_MUTANTS)
def test_an_update_mutant_prints_its_catalogue_hint(name):
    """Does each slip in sgd_update, on the notebook's example, give its sentence and the
    catalogue's hint for each code it pins down (an uphill step, alpha = 1, a parameter left
    where it was), and no hint for a step the example does not explain?"""
    edits, sentence, codes = UPDATE_MUTANTS[name]
    got = _update(mutant("p2_sgd_update_answer", *edits)["sgd_update"])
    first, hints = read(update_problem(BEFORE, got, EXPECTED, ALPHA))
    assert first.startswith(sentence), first
    assert hints == catalogue_hints(codes)


def test_update_check_prints_both_sides_alike(capsys):
    """Does the update check print 0.95, not 0.949999988079071, on both lines?"""
    right = {"w": torch.tensor([0.95, 2.1]), "b": torch.tensor([0.35])}
    show_update(right, EXPECTED)
    out = capsys.readouterr().out.splitlines()
    assert out == ["yours:    w = [0.95, 2.1], b = [0.35]", "expected: w = [0.95, 2.1], b = [0.35]"]
    assert update_problem(BEFORE, right, EXPECTED, ALPHA) is None


# -- the forward pass --------------------------------------------------------------------------


def _hand_built_expected():
    solution = mutant("p4_xor_forward_answer")["xor_forward"]
    return [solution(HAND_BUILT, x) for x in X]


@pytest.mark.parametrize(
    "edit, sentence, codes",
    [
        (
            ("h = logistic(net_h)", "h = torch.tanh(net_h)"),
            "xor_forward computes 'h' and 'net_y' and 'yhat' wrongly",
            ["forward-activation-wrong"],
        ),
        (
            ('"yhat": logistic(net_y)', '"yhat": torch.tanh(net_y)'),
            "xor_forward computes 'yhat' wrongly",
            ["forward-activation-wrong"],
        ),
        (
            ('"h": h,', '"h": h.reshape(1, 1),'),
            "xor_forward returns 'h' with shape (1, 1); expected shape (1,), as the docstring "
            "states.",
            ["wrong-shape"],
        ),
        (
            ('"h": h,', '"h": float(h),'),
            "xor_forward returns 'h' as a float; expected float32 tensors",
            ["wrong-dtype"],
        ),
        (
            ('params["b0"]\n', 'params["b0"] + 10\n'),
            "xor_forward computes 'net_h' and 'h' and 'net_y' and 'yhat' wrongly",
            [],
        ),
    ],
    ids=["tanh-hidden", "tanh-output", "shape", "dtype", "net_h"],
)
def test_a_forward_mutant_prints_its_catalogue_hint(edit, sentence, codes):
    """Is a right net input with a wrong output another activation, with the catalogue's
    hint, and a wrong net input not (nothing shown says which term)?"""
    fn = mutant("p4_xor_forward_answer", edit)["xor_forward"]
    first, hints = read(forward_problem(fn, HAND_BUILT, X, _hand_built_expected()))
    assert first.startswith(sentence), first
    assert hints == catalogue_hints(codes)


# -- the hints are the catalogue's ------------------------------------------------------------


def test_every_hint_is_the_catalogues_text():
    """Does byhand/hints.py give, for every code of Part B's catalogue, the catalogue's hint
    and problems (what the checks print is what the grader's feedback says)?"""
    from byhand.hints import HINTS

    assert list(HINTS["partb"]) == [m.code for m in CATALOGUE]
    for m in CATALOGUE:
        assert hint("partb", m.code) == m.hint
        assert HINTS["partb"][m.code].problems == tuple(m.problems)


# -- the sentences' wording (hand-written wrong answers) -------------------------------------


def _logistic(scale=2.0, deriv=True):
    def logistic_grads(params, x, y):
        yhat = logistic_forward(params, x)["yhat"]
        d = scale * (yhat - y) * (yhat * (1 - yhat) if deriv else 1)
        return {"w": d * x, "b": d}

    return logistic_grads


def _xor_forward(params, x):
    net_h = (params["w_34"] * x).sum().reshape(1) + params["b0"]
    h = logistic(net_h)
    net_y = (params["w_012"] * torch.cat([x, h])).sum().reshape(1) + params["b1"]
    return {"net_h": net_h, "h": h, "net_y": net_y, "yhat": logistic(net_y)}


def _xor_grads_without_hidden_derivative(params, x, y):
    out = _xor_forward(params, x)
    d_y = 2 * (out["yhat"] - y) * out["yhat"] * (1 - out["yhat"])
    d_h = d_y * params["w_012"][2]
    return {"w_34": d_h * x, "b0": d_h, "w_012": d_y * torch.cat([x, out["h"]]), "b1": d_y}


@pytest.mark.parametrize(
    "scale, words",
    [
        (1.0, "0.5 times autograd's (half: a factor 2 short)"),
        (-2.0, "-1 times autograd's (the opposite sign)"),
        (4.0, "2 times autograd's (a factor 2 too many)"),
        (-4.0, "-2 times autograd's (the opposite sign, and a factor 2 too many)"),
    ],
)
def test_a_constant_factor_is_named(scale, words):
    """Is a gradient off by a factor named by that factor, for every parameter, in one sentence?"""
    problem = grads_problem(_logistic(scale), logistic_forward, PARAMS, X, Y_OR)
    assert problem.startswith(
        "logistic_grads differs from autograd on 4 of 4 patterns: "
        f"dE/dw and dE/db are {words}; e.g. at x = "
    )
    assert problem.endswith(".") and problem.count(". ") == 1  # the one ". " of "e.g. "


def test_a_missing_term_and_the_right_parameters_are_named():
    """Is a ratio that varies called a missing or extra term, and are the right parameters named?"""
    params = init_xor(torch.Generator().manual_seed(0))
    problem = grads_problem(_xor_grads_without_hidden_derivative, _xor_forward, params, X, Y_XOR)
    assert "dE/dw_34 and dE/db0 differ from autograd's by a ratio that changes" in problem
    assert "(a term is missing or extra); dE/dw_012 and dE/db1 are right" in problem


def test_the_example_is_the_largest_difference_in_four_significant_digits():
    """Does the sentence quote the component that differs most, with both sides alike?"""
    problem = grads_problem(_logistic(1.0), logistic_forward, PARAMS, X, Y_OR)
    example = problem.split("e.g. ")[1]
    assert example.startswith("at x = [") and " where autograd gives " in example
    assert "0.2606" in example and "0.1303" in example


def test_a_right_gradient_has_no_problem_and_passes():
    """Does a correct gradient give None, and assert_grads_match stay silent?"""
    assert grads_problem(_logistic(), logistic_forward, PARAMS, X, Y_OR) is None
    assert_grads_match(_logistic(), logistic_forward, PARAMS, X[3], Y_OR[3])
    with pytest.raises(CheckFailed, match="0.5 times autograd's(.|\n)*\nHint: Differentiate"):
        assert_grads_match(_logistic(1.0), logistic_forward, PARAMS, X[3], Y_OR[3])


def test_an_unwritten_or_broken_function_is_a_sentence_not_an_exception(capsys):
    """Do the checks report a stub and a bug as sentences (with the student's line) instead
    of raising into this package, with the catalogue's hint for each?"""

    def logistic_grads(params, x, y):
        raise NotImplementedError()

    def tanh_grads(params, x, y):
        return {"w": params["w"] @ "oops"}

    stub = grads_problem(logistic_grads, logistic_forward, PARAMS, X, Y_OR)
    assert read(stub) == (
        "logistic_grads is not written yet (it raises NotImplementedError).",
        catalogue_hints(["not-attempted"]),
    )
    problem = grads_problem(tanh_grads, logistic_forward, PARAMS, X, Y_OR)
    assert problem.startswith("tanh_grads raised TypeError in tanh_grads, line ")
    assert read(problem)[1] == catalogue_hints(["raises-error"])
    assert compare_with_autograd(logistic_grads, logistic_forward, PARAMS, X[3], Y_OR[3]) is None
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == stub and hints_in(printed[1:]) == catalogue_hints(["not-attempted"])
    raised = run_example(tanh_grads, PARAMS, X[0], Y_OR[0])
    assert isinstance(raised, Raised) and raised.problem.codes == ("raises-error",)
    assert update_problem(BEFORE, raised, EXPECTED, ALPHA) is raised.problem


def test_a_check_without_a_problem_object_still_reads():
    """Does CheckFailed take a plain sentence too (a check of the student's own)?"""
    assert str(CheckFailed("my own check failed.")) == "my own check failed."
    assert Problem("a sentence.").text() == "a sentence."


def test_forward_check_names_the_wrong_value():
    """Does the forward check name the intermediate value that is wrong and the right ones?"""
    expected = [_xor_forward(HAND_BUILT, x) for x in X]

    def tanh_hidden(params, x):
        out = _xor_forward(params, x)
        return {**out, "h": torch.tanh(out["net_h"])}

    assert forward_problem(_xor_forward, HAND_BUILT, X, expected) is None
    problem = forward_problem(tanh_hidden, HAND_BUILT, X, expected)
    assert problem.startswith("tanh_hidden computes 'h' wrongly (on 3 of 4 patterns")
    assert problem.endswith("'net_h', 'net_y', 'yhat' are right.")


def test_numbers_read_as_people_write_them():
    """Four significant digits, no -0."""
    assert [fmt(v) for v in (0.949999988079071, 2.0999999, -0.0, 1e-7)] == [
        "0.95",
        "2.1",
        "0",
        "1e-07",
    ]
    assert fmt_list([0.949999988079071, 2.0999999]) == "[0.95, 2.1]"
