"""Closed-form batched rules: the course's reference gradients, grader-only.

These are the answers to Problems 1, 3 and 4 (course-spec), written out on
``(N,)`` columns for ``byhand_grader.simulate``'s batched simulator.  They live here, in
``grader_tests/`` (never given to students), and not in the ``byhand``
package, which is installed on students' machines: the package's default rules
(``byhand_grader.simulate.XOR_RULE`` etc.) get their gradients by autograd from the
forward pass alone.  ``tests/test_luck.py`` checks that both agree to float
rounding.

They are also about 2x faster than autograd on these tiny per-step
operations, so the screen (``grader_tests/partb/xor_starts.py``) and the fairness
benchmark (``benchmarks/fairness.py``) use them, and build their correct and
buggy variants from them.

A rule acts on a dict of ``(N,)`` columns named like the maths (``w3, w4, b0,
w0, w1, w2, b1`` for the XOR network, ``w0, w1, b`` for the neuron) and on one
pattern per run, ``x0, x1, y`` of shape ``(N,)``; see ``byhand_grader.simulate.Rule``.
"""

from byhand_grader.simulate import logistic_forward, Rule, tanh_forward, xor_forward


def xor_grads(p, f, x0, x1, y):
    """Backprop of Problem 4: ``d_y = 2 (yhat - y) yhat (1 - yhat)``,
    ``dE/dw_012 = d_y [x0, x1, h]``, ``dE/db1 = d_y``, ``d_h = d_y w2 h (1 - h)``,
    ``dE/dw_34 = d_h [x0, x1]``, ``dE/db0 = d_h`` (``w2`` before the update)."""
    yhat, h = f["yhat"], f["h"]
    d_y = 2 * (yhat - y) * yhat * (1 - yhat)
    d_h = d_y * p["w2"] * h * (1 - h)
    return {
        "w3": d_h * x0,
        "w4": d_h * x1,
        "b0": d_h,
        "w0": d_y * x0,
        "w1": d_y * x1,
        "w2": d_y * h,
        "b1": d_y,
    }


def logistic_grads(p, f, x0, x1, y):
    """Problem 1: ``dE/dnet = 2 (yhat - y) yhat (1 - yhat)``, ``dE/dw = dE/dnet x``,
    ``dE/db = dE/dnet``."""
    yhat = f["yhat"]
    d_net = 2 * (yhat - y) * yhat * (1 - yhat)
    return {"w0": d_net * x0, "w1": d_net * x1, "b": d_net}


def tanh_grads(p, f, x0, x1, y):
    """Problem 3: ``dE/dnet = 2 (yhat - y) (1 - yhat^2)``, then as for the logistic neuron."""
    yhat = f["yhat"]
    d_net = 2 * (yhat - y) * (1 - yhat * yhat)
    return {"w0": d_net * x0, "w1": d_net * x1, "b": d_net}


#: The closed-form twins of ``byhand_grader.simulate.XOR_RULE``, ``LOGISTIC_RULE``, ``TANH_RULE``.
XOR_RULE = Rule(xor_forward, xor_grads)
LOGISTIC_RULE = Rule(logistic_forward, logistic_grads)
TANH_RULE = Rule(tanh_forward, tanh_grads)

#: For ``byhand_grader.simulate.simulate_neuron(..., rule=NEURON_RULES[activation])``.
NEURON_RULES = {"logistic": LOGISTIC_RULE, "tanh": TANH_RULE}
