"""Reference answers and contracts of the ``xor_mlp`` extension's three graded functions.

Grader-only: never imported by the notebook or by the ``byhand`` package, and
never copied into ``source/xor_mlp/``.  The hidden checks call the student's
functions by name (after the setup cells ``setup_imports`` and ``setup_seed``)
on inputs the notebook never shows, and compare with these references, computed
here, outside the student's process.  Each contract below states the call, what
comes back, and the tolerance a correct float32 answer meets.

Contracts (points, and the grade cells that check the shown examples)
---------------------------------------------------------------------
``build_mlp(hidden, init, bias, seed) -> nn.Sequential``          4 points:
    grade cells ``mlp_build_shapes`` (2) and ``mlp_build_init`` (2).
    Modules exactly [Linear(2, hidden, bias), Sigmoid, Linear(hidden, 1, bias), Sigmoid];
    parameters drawn by ``nn.init.uniform_(p, lo, hi, generator=gen)``, ``gen =
    torch.Generator().manual_seed(seed)``, in the order of ``model.parameters()``, with
    (lo, hi) = (0, 1) for "uniform01" and +-1/sqrt(in_features) for "default".
    Check (``mlp_build_shapes``): module types, float32, output shape (4, 1), and the
    parameter shapes exactly, with and without biases; (``mlp_build_init``) every
    parameter within ``atol=1e-6`` of ``reference_build_mlp`` (the draws are
    bit-identical; the tolerance only forgives computing the bound as ``n ** -0.5``);
    outputs on X within 1e-6.  Unseen inputs: hidden in {1, 4, 7}, seeds 1000+, both
    schemes, both bias choices.  Catches: a missing output Sigmoid, biases ignored, the
    wrong interval (e.g. 1/n_in for 1/sqrt(n_in)), parameters filled in another order.
``train_full_batch(model, X, Y, lr, epochs, loss_fn) -> list[float]``  4 points:
    grade cells ``mlp_train_losses`` (2) and ``mlp_train_updates`` (2).
    Trains ``model`` in place with ``torch.optim.SGD(model.parameters(), lr=lr)`` (no
    momentum), full batch; returns ``epochs`` Python floats, the loss *before* each step.
    Check on unseen models and data, one problem per loss the harness may build (by name:
    "mse" ``nn.MSELoss()``, "sum_squared" ``nn.MSELoss(reduction="sum")``, "smooth_l1"
    ``nn.SmoothL1Loss()``): a 2-H-1 net from ``reference_build_mlp`` ("default", biases)
    learning Y_OR; a bias-free "uniform01" 2-H-1 net learning Y_XOR; a single logistic
    neuron on six random points with random targets; H in {2, 3, 4}, seeds 1000+, lr 2.0
    (where one step moves every loss by more than the tolerance), each run for 50 epochs
    and cut short after 0, 1, 2 and 3.  ``mlp_train_losses``: a list of ``epochs`` Python
    floats, and L_t within ``atol=1e-5, rtol=1e-4`` of the loss of the parameters the
    student's own loop reached after t steps (so a wrong update rule does not also cost
    the losses).  ``mlp_train_updates``: the parameters after 0, 1, 2, 3 and 50 epochs
    within ``atol=1e-5, rtol=1e-4`` of ``reference_train_full_batch`` on an identical copy.
    Catches: loss recorded after the step (losses), missing ``zero_grad`` (updates differ
    from step 2), momentum, a new model instead of training the given one in place (updates).
``noise_std(t, eta, gamma=0.55) -> tensor``                        2 points:
    grade cell ``mlp_noise_schedule`` (2).
    ``sqrt(eta / (1 + t) ** gamma)`` elementwise, a float tensor shaped like ``t``.
    Check: t as int64 (7,), float32 (2, 3) and int64 () tensors of random steps below
    10000; eta in {0, 0.01, 0.3, 5}; gamma in {0.55, 1.0, 0.25} and left at its default;
    a float tensor of t's shape within ``rtol=1e-5, atol=1e-7`` of ``reference_noise_std``
    computed in float64.  Catches: returning the variance, ignoring gamma,
    ``(1 + t ** gamma)``, a Python float or list instead of a tensor.
"""

import math

import torch
from torch import nn

INITS = ("uniform01", "default")


def reference_build_mlp(hidden, init, bias, seed):
    """The reference ``build_mlp``: draws every parameter in order from one seeded generator."""
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}")
    first, second = nn.Linear(2, hidden, bias=bias), nn.Linear(hidden, 1, bias=bias)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in (first, second):
            half_width = 1.0 / math.sqrt(layer.in_features)
            lo, hi = (0.0, 1.0) if init == "uniform01" else (-half_width, half_width)
            layer.weight.uniform_(lo, hi, generator=gen)
            if bias:
                layer.bias.uniform_(lo, hi, generator=gen)
    return nn.Sequential(first, nn.Sigmoid(), second, nn.Sigmoid())


def reference_train_full_batch(model, X, Y, lr, epochs, loss_fn):
    """The reference ``train_full_batch``: ``optim.SGD``, full batch, loss before each step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)
    history = []
    for _ in range(epochs):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), Y)
        history.append(float(loss.detach()))
        loss.backward()
        optimizer.step()
    return history


def reference_noise_std(t, eta, gamma=0.55):
    """The reference ``noise_std`` in float64: ``sqrt(eta / (1 + t)^gamma)``."""
    t = torch.as_tensor(t, dtype=torch.float64)
    return (eta / (1.0 + t) ** gamma) ** 0.5
