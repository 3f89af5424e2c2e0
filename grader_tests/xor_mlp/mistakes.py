"""The xor_mlp extension's known mistakes (``byhand_grader.mistakes`` says how codes travel).

Codes are stable: the report, the regrade impact and every export key on them, so a
code is never renamed, only added.  The hidden checks (``test_xor_mlp.py``) raise each
code only where its diagnosis explains every failing hidden case (``other`` otherwise);
``tests/byhand_grader/test_mistakes.py`` judges a bug variant of the solution for each.
Hints point at the step to re-check and never state the answer.
"""

from byhand_grader.mistakes import Catalogue, common, Mistake

BUILD, TRAIN, NOISE = ("mlp_build",), ("mlp_train",), ("mlp_noise",)

MISTAKES = Catalogue(
    # -- Problem 1: build_mlp ------------------------------------------------------------
    Mistake(
        "mlp-modules-wrong",
        BUILD,
        "the network is not Linear, Sigmoid, Linear, Sigmoid (a module missing, added or "
        "out of order)",
        "List the modules the docstring names, in their order, and compare: the output unit "
        "squashes its net input too.",
    ),
    Mistake(
        "mlp-bias-ignored",
        BUILD,
        "build_mlp ignores its bias argument",
        "nn.Linear takes the bias choice as an argument: pass yours on to both layers.",
    ),
    Mistake(
        "mlp-init-interval",
        BUILD,
        "the seed's draws on the wrong interval",
        'Check the interval of each scheme again, and for "default" which number of inputs, '
        "the layer's own, sets it.",
    ),
    Mistake(
        "mlp-init-order",
        BUILD,
        "the seed's numbers drawn into the parameters in another order",
        "Fill the parameters from one generator in the order model.parameters() lists them.",
    ),
    # -- Problem 2: train_full_batch -------------------------------------------------------
    Mistake(
        "mlp-losses-length",
        TRAIN,
        "returns a list whose length is not the number of epochs",
        "Record one loss in each pass of the training loop, and none anywhere else.",
    ),
    Mistake(
        "mlp-loss-after-step",
        TRAIN,
        "records the loss after the step instead of the loss the step came from",
        "Record the loss the step is computed from, before the parameters change.",
    ),
    Mistake(
        "mlp-loss-fn-ignored",
        TRAIN,
        "the losses are not values of the loss_fn it is given",
        "Compute the loss with the loss_fn argument, not with a loss of your own choice.",
    ),
    Mistake(
        "mlp-trains-a-copy",
        TRAIN,
        "the given model is left unchanged (a new or copied model is trained)",
        "Train the model you are given, in place: its own parameters must change.",
    ),
    Mistake(
        "mlp-zero-grad-missing",
        TRAIN,
        "zero_grad is missing: each step uses the sum of every gradient so far",
        "backward() adds to .grad: what must happen to the old gradients before each "
        "epoch's backward pass?",
    ),
    Mistake(
        "mlp-momentum",
        TRAIN,
        "the steps use momentum",
        "Plain gradient descent has no momentum: check the optimizer's settings.",
    ),
    Mistake(
        "mlp-step-scaled",
        TRAIN,
        "each step is a constant times the right one (the learning rate misused)",
        "Each step is the learning rate times the gradient: check how lr reaches the optimizer.",
    ),
    # -- Problem 3: noise_std ----------------------------------------------------------------
    Mistake(
        "noise-variance",
        NOISE,
        "returns the variance, not the standard deviation",
        "The schedule gives a standard deviation: compare what you return with its square.",
    ),
    Mistake(
        "noise-power-of-t",
        NOISE,
        "raises t, not 1 + t, to the power gamma",
        "Check what the exponent gamma applies to in the schedule.",
    ),
    Mistake(
        "noise-sqrt-eta-only",
        NOISE,
        "takes the square root of eta alone",
        "Check what the square root applies to in the schedule.",
    ),
    Mistake(
        "noise-gamma-ignored",
        NOISE,
        "ignores the gamma it is given (always the default)",
        "Use the gamma argument: the default is only for calls that leave it out.",
    ),
    Mistake(
        "noise-default-gamma",
        NOISE,
        "another default gamma than the docstring's",
        "Compare the default value of gamma in your function's signature with the docstring.",
    ),
    # -- any problem: what the judge itself recognises -----------------------------------
    *common(BUILD + TRAIN + NOISE),
)
