"""The hidden inputs for Part B: what the harness is asked to compute, per student.

Grader-only.  Every student gets different inputs (seeded from their id and
``SALT``), drawn from the cases where hand-written gradients go wrong: random
parameters and non-binary inputs, nearly saturated units, the zero input, both
targets.  Every group holds cases whose gradient is far above the checks'
tolerance (``ATOL`` in ``test_partb.py``), so a zero, halved or sign-flipped
gradient fails every check: saturated units sit where the gradient is small but
still measurable in float32 (|net| = 7 for the logistic, where
yhat (1 - yhat) is about 1e-3; |net| = 3 for tanh, where 1 - yhat^2 is about
1e-2), not at |net| = 20, where float32 rounds yhat to exactly 1 and every
answer of size below the tolerance, zero included, would pass.  Calls whose id
ends in ``/shown`` use the examples the notebook itself shows, so feedback can
quote numbers without revealing a hidden input.
"""

import functools
import json
from pathlib import Path

import torch

from byhand.data import X, Y_OR, Y_XOR
from byhand.neuron import init_neuron
from byhand.training import student_seed as notebook_seed
from byhand.xor import init_xor
from byhand_grader.assignment import load_file
from byhand_grader.judge import student_seed

SALT = "byhand-partb-2026-hidden"
ASSIGNMENT = "partb"
N_RANDOM = 6
XOR_STARTS = json.loads(Path(__file__).with_name("xor_starts.json").read_text())

HAND_BUILT = {"w_34": [20.0, 20.0], "b0": [-30.0], "w_012": [20.0, 20.0, -60.0], "b1": [-10.0]}

#: |net| of the saturated neuron cases: yhat (1 - yhat) = 9.1e-4 at 7, 1 - tanh(3)^2 = 9.9e-3.
SATURATED_NET = {"p1": 7.0, "p3": 3.0}

#: The notebook's AND-vetoes-OR network with smaller weights: every unit is nearly saturated,
#: |net| = 7 (except the hidden unit at [0, 0], where net_h = -21 and x = 0).
NEARLY_SATURATED = {"w_34": [14.0, 14.0], "b0": [-21.0], "w_012": [14.0, 14.0, -28.0], "b1": [-7.0]}


def _lists(params):
    return {k: v.tolist() for k, v in params.items()}


def _neuron_cases(gen, prefix):
    """Random, saturated, zero-input and both-target cases for a single neuron."""
    cases = []
    for n in range(N_RANDOM):
        params = {"w": torch.randn(2, generator=gen) * 2, "b": torch.randn(1, generator=gen) * 2}
        x = torch.rand(2, generator=gen) * 4 - 2  # inputs the notebook never uses
        y = torch.randint(0, 2, (1,), generator=gen).float()
        cases.append((f"{prefix}/random/{n}", params, x, y))
    net = SATURATED_NET[prefix]
    for n, sign in enumerate((1.0, -1.0)):  # net = +-net at x = [1, 1]
        params = {"w": torch.tensor([0.5, 0.4]) * net * sign, "b": torch.tensor([0.1]) * net * sign}
        for y in (0.0, 1.0):
            cases.append(
                (
                    f"{prefix}/saturated/{n}{int(y)}",
                    params,
                    torch.tensor([1.0, 1.0]),
                    torch.tensor([y]),
                )
            )
    # |w|, |b| <= 2: |net| <= 4 on these patterns, so the gradient is never vanishingly small
    params = {
        "w": torch.randn(2, generator=gen).clamp(-2, 2),
        "b": torch.randn(1, generator=gen).clamp(-2, 2),
    }
    cases.append((f"{prefix}/zero_input", params, torch.zeros(2), torch.tensor([1.0])))
    for y in (0.0, 1.0):
        cases.append(
            (f"{prefix}/target/{int(y)}", params, torch.tensor([1.0, 0.0]), torch.tensor([y]))
        )
    return cases


def _xor_cases(gen):
    cases = []
    for n in range(N_RANDOM):
        params = {k: v * 2 for k, v in init_xor(gen).items()}
        x = torch.rand(2, generator=gen) * 4 - 2
        y = torch.randint(0, 2, (1,), generator=gen).float()
        cases.append((f"p4/random/{n}", params, x, y))
    near = {k: torch.tensor(v) for k, v in NEARLY_SATURATED.items()}
    for i in range(4):  # both targets: the network is right on
        for y in (Y_XOR[i], 1 - Y_XOR[i]):  # one, where the gradient is tiny
            cases.append((f"p4/saturated/{i}{int(y)}", near, X[i], y))
    params = init_xor(gen)
    params["b0"] = params["b0"].clamp(-2, 2)  # h between 0.12 and 0.88
    params["w_012"][2] = 8.0  # a large w2: d_h depends on it
    params["b1"] = params["b1"].clamp(-1, 1) - 4.0  # net_y = 8 h + b1 within +-4 at x = 0
    cases.append(("p4/zero_input", params, torch.zeros(2), torch.tensor([1.0])))
    for y in (0.0, 1.0):
        cases.append((f"p4/target/{int(y)}", params, torch.tensor([0.0, 1.0]), torch.tensor([y])))
    return cases


#: The notebook's XOR run: its epochs and learning rate, how many seeds the grader tries
#: (SEED, then ``student_seed(STUDENT_ID, attempt=1)``, ...) until a run computes XOR, and
#: how far a student's run is trained when it follows a correct one (``notebook_run``).
NOTEBOOK_RUN = {
    "epochs": 8000,
    "alpha": 0.05,
    "attempts": 3,
    "track_epochs": 100,
    "track_atol": 1e-3,
}

#: The grader's runs of a student's functions record the epoch error of every
#: ``ERRORS_EVERY``-th epoch (``byhand.training.train``'s ``errors_every``): a plot's worth
#: of points (125 of the check's 1000 epochs, 1000 of the notebook's 8000), and the other
#: epochs skip the forward pass the error needs, a sixth of the training.
ERRORS_EVERY = 8


@functools.lru_cache(maxsize=8)
def reference_errors(seed, epochs, alpha):
    """A correct run's epoch errors from the grader's start ``seed``, every
    ``ERRORS_EVERY``-th as the student's are recorded (``notebook_run``: the same run,
    closed form, in milliseconds)."""
    notebook_run = load_file(Path(__file__).with_name("notebook_run.py"))
    _, _, errors = notebook_run.reference_run(seed, epochs, alpha, epochs)
    return tuple(errors[::ERRORS_EVERY])


def explain_call(student):
    """The student's own XOR run from their notebook's SEED, for the person grading Problem 5.

    The seed is the public one the notebook prints (``byhand.training.student_seed`` of
    the student's id), not the hidden inputs' secret one; no grade depends on this call.
    Each seed carries a correct run's parameters after ``track_epochs`` and at the end,
    and its epoch errors (every ``ERRORS_EVERY``-th); seeds stop at the first from which a correct run computes XOR.
    """
    run = NOTEBOOK_RUN
    notebook_run = load_file(Path(__file__).with_name("notebook_run.py"))
    seeds = []
    for attempt in range(run["attempts"]):
        seed = notebook_seed(student, attempt)
        tracked, final, errors = notebook_run.reference_run(
            seed, run["epochs"], run["alpha"], run["track_epochs"]
        )
        seeds.append(
            {
                "seed": seed,
                "track": tracked,
                "final": final,
                "errors": [float(f"{e:.4g}") for e in errors[::ERRORS_EVERY]],
            }
        )
        if notebook_run.solves(final):
            break
    return {
        "id": "p5/explain",
        "kind": "explain",
        "fn": "xor_grads",
        "forward": "xor_forward",
        "update": "sgd_update",
        "seeds": seeds,
        "epochs": run["epochs"],
        "alpha": run["alpha"],
        "track_epochs": run["track_epochs"],
        "track_atol": run["track_atol"],
        "errors_every": ERRORS_EVERY,
        "X": X.tolist(),
        "Y": Y_XOR.flatten().tolist(),
    }


def build_calls(student):
    """Every call the harness makes for one student's Part B."""
    gen = torch.Generator().manual_seed(student_seed(student, ASSIGNMENT, SALT))
    calls = []
    shown_neuron = init_neuron(torch.Generator().manual_seed(0))
    for fn, prefix, shown_x, shown_y in (
        ("logistic_grads", "p1", X[3], Y_OR[3]),
        ("tanh_grads", "p3", X[1], Y_OR[1]),
    ):
        for cid, params, x, y in _neuron_cases(gen, prefix) + [
            (f"{prefix}/shown", shown_neuron, shown_x, shown_y)
        ]:
            calls.append(
                {
                    "id": cid,
                    "kind": "grads",
                    "fn": fn,
                    "params": _lists(params),
                    "x": x.tolist(),
                    "y": y.tolist(),
                }
            )
    for n in range(3):
        params = {"w": torch.randn(2, generator=gen), "b": torch.randn(1, generator=gen)}
        grads = {"w": torch.randn(2, generator=gen), "b": torch.randn(1, generator=gen)}
        alpha = [0.05, 0.7, 1e-3][n]
        calls.append(
            {
                "id": f"p2/step/{n}",
                "kind": "update",
                "fn": "sgd_update",
                "params": _lists(params),
                "grads": _lists(grads),
                "alpha": alpha,
                "decoy": 1000.0,
            }
        )
    calls.append(
        {
            "id": "p2/shown",
            "kind": "update",
            "fn": "sgd_update",
            "params": {"w": [1.0, 2.0], "b": [0.5]},
            "grads": {"w": [0.1, -0.2], "b": [0.3]},
            "alpha": 0.5,
            "decoy": 1000.0,
        }
    )
    forward_ids = set()
    for cid, params, x, y in _xor_cases(gen):
        # one forward call per (parameters, pattern): p4f/saturated/<i> serves both targets
        fid = (
            cid.replace("p4/", "p4f/")[:-1] if "/saturated/" in cid else cid.replace("p4/", "p4f/")
        )
        if fid not in forward_ids:
            forward_ids.add(fid)
            calls.append(
                {
                    "id": fid,
                    "kind": "forward",
                    "fn": "xor_forward",
                    "params": _lists(params),
                    "x": x.tolist(),
                }
            )
        calls.append(
            {
                "id": cid,
                "kind": "grads",
                "fn": "xor_grads",
                "params": _lists(params),
                "x": x.tolist(),
                "y": y.tolist(),
            }
        )
    shown_xor = init_xor(torch.Generator().manual_seed(0))
    calls.append(
        {
            "id": "p4f/shown",
            "kind": "forward",
            "fn": "xor_forward",
            "params": HAND_BUILT,
            "x": X[3].tolist(),
        }
    )
    calls.append(
        {
            "id": "p4/shown",
            "kind": "grads",
            "fn": "xor_grads",
            "params": _lists(shown_xor),
            "x": X[2].tolist(),
            "y": Y_XOR[2].tolist(),
        }
    )
    for seed in [s["seed"] for s in XOR_STARTS["starts"]][: XOR_STARTS["k"]]:
        calls.append(
            {
                "id": f"p4/learn/{seed}",
                "kind": "train",
                "fn": "xor_grads",
                "forward": "xor_forward",
                "seed": seed,
                "epochs": XOR_STARTS["epochs"],
                "alpha": XOR_STARTS["alpha"],
                "errors_every": ERRORS_EVERY,
                "X": X.tolist(),
                "Y": Y_XOR.flatten().tolist(),
                # drawn under the student's curve in the feedback (annotate.Curve)
                "reference_errors": list(
                    reference_errors(seed, XOR_STARTS["epochs"], XOR_STARTS["alpha"])
                ),
            }
        )
    calls.append(explain_call(student))  # last: graded calls first, whatever the time it takes
    return calls
