"""Part B's known mistakes (``byhand_grader.mistakes`` says how codes travel).

Codes are stable: the report, the regrade impact and every export key on them, so a
code is never renamed, only added.  The hidden checks (``test_partb.py``) raise each code
only where its diagnosis explains every failing hidden case (``other`` otherwise);
``tests/byhand_grader/test_mistakes.py`` judges a bug variant of the solution for each.  Hints point at the step to re-derive and never state
a formula that answers a problem (``tests/byhand/test_no_answers.py`` scans them in the
student package).
"""

from byhand_grader.mistakes import Catalogue, common, Mistake

GRADIENTS = ("P1", "P3", "P4")
AUTOGRADED = ("P1", "P2", "P3", "P4")

MISTAKES = Catalogue(
    # -- the loss: dE/dyhat ----------------------------------------------------------
    Mistake(
        "factor-2-missing",
        GRADIENTS,
        "the factor 2 of d(yhat - y)^2/dyhat is missing",
        "Differentiate the squared error (yhat - y)^2 with respect to yhat again: the power "
        "rule puts a constant in front. Compare it with the constant in your code.",
    ),
    Mistake(
        "factor-2-doubled",
        GRADIENTS,
        "an extra factor 2: every gradient is twice autograd's",
        "Every component is twice what it should be: look for a constant that your "
        "derivation of the squared error counts twice.",
    ),
    Mistake(
        "opposite-sign",
        GRADIENTS,
        "the gradient has the opposite sign ((y - yhat) for (yhat - y))",
        "Your gradient points the other way: check the order of the difference you "
        "differentiate in the squared error, and the sign the chain rule gives it.",
    ),
    # -- the activation's derivative --------------------------------------------------
    Mistake(
        "activation-derivative-missing",
        GRADIENTS,
        "the output unit's activation derivative is missing from dE/dnet",
        "Between dE/dyhat and dE/dnet the chain rule passes through the output unit's "
        "activation: multiply by its derivative, written with the unit's output.",
    ),
    Mistake(
        "tanh-derivative-wrong-quantity",
        ("P3",),
        "tanh's derivative written with the wrong quantity (net instead of yhat)",
        "tanh's derivative can be written with the neuron's output alone: check which "
        "quantity, net or yhat, your derivative squares.",
    ),
    Mistake(
        "logistic-derivative-for-tanh",
        ("P3",),
        "the logistic's derivative used for the tanh neuron",
        "The tanh neuron needs tanh's own derivative, not the logistic's: derive it again "
        "from tanh's definition, or from the identity that relates it to its output.",
    ),
    Mistake(
        "bias-gradient-times-x",
        GRADIENTS,
        "a bias gradient multiplied by the input x",
        "A bias enters net with a coefficient of 1, not x: what does d(net)/d(b) give?",
    ),
    # -- Problem 4: backprop through the XOR network ---------------------------------
    Mistake(
        "dh-missing-w2",
        ("P4",),
        "d_h without w2: the hidden unit's gradient skips the weight it reaches y through",
        "The hidden unit reaches the output only through one weight: follow the chain rule "
        "from net_y back to h, and check that your d_h carries that weight.",
    ),
    Mistake(
        "dh-missing-hidden-derivative",
        ("P4",),
        "d_h without h (1 - h): the hidden unit's activation derivative is missing",
        "From h back to net_h the chain rule passes through the hidden unit's logistic: "
        "multiply by its derivative, written with h.",
    ),
    Mistake(
        "w012-skip-missing",
        ("P4",),
        "dE/dw_012 without the skip connections (dE/dw0, dE/dw1 wrong)",
        "w0 and w1 connect the inputs straight to the output unit: their gradients come "
        "from d_y and the inputs, as for the single neuron.",
    ),
    Mistake(
        "w012-hidden-missing",
        ("P4",),
        "dE/dw_012 without the hidden unit (dE/dw2 wrong)",
        "w2 multiplies the hidden unit's output in net_y: what is d(net_y)/d(w2)?",
    ),
    Mistake(
        "forward-activation-wrong",
        ("P4",),
        "the forward pass uses another activation than the logistic for a unit",
        "Both units of the XOR network use the logistic function: check which function "
        "computes h and yhat in your forward pass.",
    ),
    Mistake(
        "trains-differently",
        ("P4",),
        "training does not reach a correct implementation's network from the grader's start",
        "Your training ends somewhere a correct implementation does not: fix the forward "
        "pass and the gradients first (their checks say what differs), then rerun.",
    ),
    # -- Problem 2: the update rule ----------------------------------------------------
    Mistake(
        "update-adds",
        ("P2",),
        "the update adds alpha * grads (gradient ascent)",
        "A step of gradient descent goes downhill: which way does the gradient point, and "
        "which way should the parameters move?",
    ),
    Mistake(
        "update-ignores-alpha",
        ("P2",),
        "the update ignores the learning rate alpha",
        "The step's length is the learning rate times the gradient: check that alpha "
        "appears in your update.",
    ),
    Mistake(
        "update-partial",
        ("P2",),
        "the update leaves some parameters unchanged",
        "Every parameter in params has a gradient in grads: check that your update returns "
        "every one of them moved.",
    ),
    Mistake(
        "update-reads-grad",
        ("P2",),
        "the update steps along the tensors' .grad, not the grads it is given",
        "Use the gradients passed in as grads (your hand-written ones), not the tensors' "
        ".grad attribute, which autograd fills.",
    ),
    # -- any problem: what the judge itself recognises -----------------------------------
    *common(AUTOGRADED),
)
