"""The hidden inputs of the ``xor_mlp`` extension: what the harness is asked to compute, per student.

Grader-only.  Every student gets different inputs (seeded from their id and
``SALT``), within the contracts of ``xor_mlp_reference.py``: networks of widths
the notebook never builds (1, 4, 7) from seeds 1000 and up, in both init
schemes, with and without biases; training runs of unseen models on unseen data
with each whitelisted loss, each run also cut short after 0, 1, 2 and 3 epochs
(so the judge sees the parameters the student's own loop reached before each
recorded loss); and step tensors of three shapes and two dtypes for the noise
schedule.  Calls whose id ends in ``/shown`` use the examples the notebook
itself shows, so feedback can quote numbers without revealing a hidden input.
"""

from pathlib import Path

import torch
from torch import nn

from byhand.data import X, Y_OR, Y_XOR
from byhand_grader.assignment import load_file
from byhand_grader.judge import student_seed

SALT = "byhand-xor-mlp-2026-hidden-inputs"
ASSIGNMENT = "xor_mlp"
REFERENCE = load_file(Path(__file__).with_name("reference.py"))

#: Unseen widths (the notebook builds 2, 3, 5 and 8).
HIDDEN = (1, 4, 7)
#: Epoch counts of the cut-short runs; the full run has ``EPOCHS`` epochs.
CUTS = (0, 1, 2, 3)
EPOCHS = 50
#: The noise schedule's unseen scales and exponents.
ETAS = (0.0, 0.01, 0.3, 5.0)
GAMMAS = (0.55, 1.0, 0.25)

#: The notebook's own examples (Problem 1 check and grade cells, Problem 2 and 3 checks).
SHOWN_BUILD = {
    "build/shown/2-default-bias": (2, "default", True, 0),
    "build/shown/5-default-nobias": (5, "default", False, 0),
}
SHOWN_OR_NEURON = {"0.weight": [[0.5, -0.5]], "0.bias": [0.1]}
SHOWN_STEPS = [0, 1, 10, 100, 1000]


def spec(model):
    """An ``nn.Sequential`` of Linear and Sigmoid modules as plain data: layers and exact state."""
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            layers.append(["Linear", m.in_features, m.out_features, m.bias is not None])
        elif isinstance(m, nn.Sigmoid):
            layers.append(["Sigmoid"])
        else:
            raise TypeError(f"no plain-data form for {type(m).__name__}")
    return {
        "layers": layers,
        "state": {k: p.detach().tolist() for k, p in model.named_parameters()},
    }


def _neuron(gen):
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 4 - 2)
    return model


def _train_cases(gen):
    """One unseen training problem per whitelisted loss: (loss, model, X, Y, lr)."""
    seeds = torch.randint(1000, 10**6, (2,), generator=gen).tolist()
    widths = torch.randint(2, 5, (2,), generator=gen).tolist()
    inputs = torch.rand(6, 2, generator=gen) * 4 - 2  # six points the notebook never uses
    targets = torch.rand(6, 1, generator=gen)  # targets strictly between 0 and 1
    return [
        ("mse", REFERENCE.reference_build_mlp(widths[0], "default", True, seeds[0]), X, Y_OR, 2.0),
        (
            "sum_squared",
            REFERENCE.reference_build_mlp(widths[1], "uniform01", False, seeds[1]),
            X,
            Y_XOR,
            2.0,
        ),
        ("smooth_l1", _neuron(gen), inputs, targets, 2.0),
    ]


def _noise_calls(gen):
    steps = {
        "int64": (torch.randint(0, 10000, (7,), generator=gen), "int64"),
        "float32": (torch.randint(0, 10000, (2, 3), generator=gen).float(), "float32"),
        "scalar": (torch.randint(1, 10000, (), generator=gen), "int64"),
    }
    calls = []
    for group, (t, dtype) in steps.items():
        for eta in ETAS:
            for gamma in GAMMAS:
                calls.append(
                    {
                        "id": f"noise/{group}/{eta:g}/{gamma:g}",
                        "kind": "noise_std",
                        "fn": "noise_std",
                        "group": group,
                        "t": t.tolist(),
                        "t_dtype": dtype,
                        "eta": eta,
                        "gamma": gamma,
                    }
                )
    t = torch.randint(0, 10000, (7,), generator=gen)
    for eta in ETAS:
        calls.append(
            {
                "id": f"noise/default/{eta:g}",
                "kind": "noise_std",
                "fn": "noise_std",
                "group": "default",
                "t": t.tolist(),
                "t_dtype": "int64",
                "eta": eta,
            }
        )
    calls.append(
        {
            "id": "noise/shown",
            "kind": "noise_std",
            "fn": "noise_std",
            "group": "shown",
            "t": SHOWN_STEPS,
            "t_dtype": "int64",
            "eta": 2.0,
        }
    )
    return calls


def build_calls(student):
    """Every call the harness makes for one student's ``xor_mlp``."""
    gen = torch.Generator().manual_seed(student_seed(student, ASSIGNMENT, SALT))
    calls = []
    for hidden in HIDDEN:
        for init in REFERENCE.INITS:
            for bias in (True, False):
                seed = int(torch.randint(1000, 10**6, (), generator=gen))
                calls.append(
                    {
                        "id": f"build/{hidden}-{init}-{'bias' if bias else 'nobias'}",
                        "kind": "build_mlp",
                        "fn": "build_mlp",
                        "hidden": hidden,
                        "init": init,
                        "bias": bias,
                        "seed": seed,
                        "X": X.tolist(),
                    }
                )
    for cid, (hidden, init, bias, seed) in SHOWN_BUILD.items():
        calls.append(
            {
                "id": cid,
                "kind": "build_mlp",
                "fn": "build_mlp",
                "hidden": hidden,
                "init": init,
                "bias": bias,
                "seed": seed,
                "X": X.tolist(),
            }
        )
    for loss, model, inputs, targets, lr in _train_cases(gen):
        for epochs in CUTS + (EPOCHS,):
            calls.append(
                {
                    "id": f"train/{loss}/{epochs}",
                    "kind": "train_full_batch",
                    "fn": "train_full_batch",
                    "group": loss,
                    **spec(model),
                    "X": inputs.tolist(),
                    "Y": targets.flatten().tolist(),
                    "lr": lr,
                    "epochs": epochs,
                    "loss": loss,
                }
            )
    calls.append(
        {
            "id": "train/shown",
            "kind": "train_full_batch",
            "fn": "train_full_batch",
            "group": "shown",
            "layers": [["Linear", 2, 1, True], ["Sigmoid"]],
            "state": SHOWN_OR_NEURON,
            "X": X.tolist(),
            "Y": Y_OR.flatten().tolist(),
            "lr": 0.5,
            "epochs": 100,
            "loss": "mse",
        }
    )
    return calls + _noise_calls(gen)
