"""Do the visible checks say *what* differs, in one sentence, as the hidden judge does?

They are what a student reads in the notebook: a constant factor, the opposite sign,
which parameters are wrong and which are right, the step of an update, a forward
value; and, for an unwritten or broken function, what it raised, without re-raising.
The wrong answers here are written by hand in this file (the package holds none).
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
    Raised,
    run_example,
    show_update,
    update_problem,
)
from byhand.data import X, Y_OR, Y_XOR
from byhand.neuron import init_neuron, logistic, logistic_forward
from byhand.xor import init_xor

PARAMS = init_neuron(torch.Generator().manual_seed(3))


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
    with pytest.raises(CheckFailed, match="0.5 times autograd's"):
        assert_grads_match(_logistic(1.0), logistic_forward, PARAMS, X[3], Y_OR[3])


def test_an_unwritten_or_broken_function_is_a_sentence_not_an_exception(capsys):
    """Do the checks report a stub and a bug as sentences (with the student's line) instead
    of raising into this package?"""

    def logistic_grads(params, x, y):
        raise NotImplementedError()

    def tanh_grads(params, x, y):
        return {"w": params["w"] @ "oops"}

    assert grads_problem(logistic_grads, logistic_forward, PARAMS, X, Y_OR) == (
        "logistic_grads is not written yet (it raises NotImplementedError)."
    )
    problem = grads_problem(tanh_grads, logistic_forward, PARAMS, X, Y_OR)
    assert problem.startswith("tanh_grads raised TypeError in tanh_grads, line ")
    assert problem.endswith("(call tanh_grads in a new cell to see the whole traceback).")
    assert compare_with_autograd(logistic_grads, logistic_forward, PARAMS, X[3], Y_OR[3]) is None
    assert "is not written yet" in capsys.readouterr().out


def test_compare_prints_the_diagnosis_beside_the_table(capsys):
    """Does the printed comparison end with what differs when it differs?"""
    compare_with_autograd(_logistic(1.0), logistic_forward, PARAMS, X[3], Y_OR[3])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "DIFFERENT: logistic_grads differs from autograd here: dE/dw and dE/db are 0.5" in last


def test_update_check_prints_both_sides_alike_and_names_the_step(capsys):
    """Does the update check print 0.95, not 0.949999988079071, on both lines, and say that a
    step along +grads goes uphill?"""
    before, expected = {"w": [1.0, 2.0], "b": [0.5]}, {"w": [0.95, 2.1], "b": [0.35]}
    right = {"w": torch.tensor([0.95, 2.1]), "b": torch.tensor([0.35])}
    show_update(right, expected)
    out = capsys.readouterr().out.splitlines()
    assert out == ["yours:    w = [0.95, 2.1], b = [0.35]", "expected: w = [0.95, 2.1], b = [0.35]"]
    assert update_problem(before, right, expected) is None
    uphill = {"w": torch.tensor([1.05, 1.9]), "b": torch.tensor([0.65])}
    assert update_problem(before, uphill, expected).startswith(
        "the step is -1 times the expected step: it goes uphill, along +alpha * grads"
    )
    still = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.5])}
    assert "zero: the parameters did not move" in update_problem(before, still, expected)
    stub = run_example(lambda *a: (_ for _ in ()).throw(NotImplementedError()), 1)
    assert isinstance(stub, Raised) and update_problem(before, stub, expected) == stub.sentence


def test_forward_check_names_the_wrong_value():
    """Does the forward check name the intermediate value that is wrong and the right ones?"""
    hand = {
        "w_34": torch.tensor([20.0, 20.0]),
        "b0": torch.tensor([-30.0]),
        "w_012": torch.tensor([20.0, 20.0, -60.0]),
        "b1": torch.tensor([-10.0]),
    }
    expected = [_xor_forward(hand, x) for x in X]

    def tanh_hidden(params, x):
        out = _xor_forward(params, x)
        return {**out, "h": torch.tanh(out["net_h"])}

    assert forward_problem(_xor_forward, hand, X, expected) is None
    problem = forward_problem(tanh_hidden, hand, X, expected)
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
