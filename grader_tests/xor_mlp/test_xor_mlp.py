"""Hidden checks of the ``xor_mlp`` extension: each grade cell's points are split equally among its tests.

Grader-only: students never see this file, its inputs or its tracebacks; they
see the message of each failed ``Verdict``, which describes the kind of case
and quotes numbers only from the notebook's own examples.  References come from
``reference.py``, computed here from the same float32 inputs the
student's function received; tolerances are the ones its docstring states.

Problem 2 is checked in two independent halves.  ``mlp_train_losses`` asks
whether each returned loss is the loss of the model *as the student's own loop
had left it* before that step (the harness also runs each problem cut short
after 0 to 3 epochs, so the judge knows those parameters); ``mlp_train_updates``
asks whether the parameters follow plain SGD.  A loss recorded after the step
costs the first, a missing ``zero_grad`` or momentum the second, not both.

Each verdict carries the codes of the mistakes it states (``mistakes.py``, the
catalogue), ``other`` when no diagnosis explains every failing case.
"""

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from byhand_grader.assignment import load_file
from byhand_grader.judge import Verdict
from byhand_grader.mistakes import OTHER

HERE = Path(__file__).resolve().parent
REF = load_file(HERE / "reference.py")
PROBES = load_file(HERE / "probes.py")

#: build_mlp: every parameter and every output within this of the reference (bit-identical draws).
BUILD_ATOL = 1e-6
#: train_full_batch: losses and parameters within ATOL + RTOL |reference|.
TRAIN_ATOL, TRAIN_RTOL = 1e-5, 1e-4
#: noise_std: within ATOL + RTOL |reference|, reference in float64.
NOISE_ATOL, NOISE_RTOL = 1e-7, 1e-5

MODULES = ["Linear", "Sigmoid", "Linear", "Sigmoid"]
LOSSES = {
    "mse": lambda: nn.MSELoss(),
    "sum_squared": lambda: nn.MSELoss(reduction="sum"),
    "smooth_l1": lambda: nn.SmoothL1Loss(),
}
TRAIN_CASES = {
    "mse": "2-H-1 networks (nn.Linear's default init) learning OR with nn.MSELoss()",
    "sum_squared": "bias-free 2-H-1 networks started in U[0, 1) learning XOR with the summed "
    'squared error, nn.MSELoss(reduction="sum")',
    "smooth_l1": "single logistic neurons fitting points and targets the notebook never uses, "
    "with nn.SmoothL1Loss()",
}


def _t(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype)


def _close(got, want, atol, rtol):
    """Every ``|got - want| <= atol + rtol |want|`` (NaN never is)."""
    return len(got) == len(want) and all(
        v is not None and abs(v - w) <= atol + rtol * abs(w) for v, w in zip(got, want)
    )


def _fmt(values, digits=6):
    return "[" + ", ".join(f"{v:.{digits}g}" if v is not None else "None" for v in values) + "]"


def _ids(probe, prefix):
    return [cid for cid in probe.calls if cid.startswith(prefix) and "/shown" not in cid]


# -- Problem 1: build_mlp (grade cells mlp_build_shapes 2, mlp_build_init 2) ---------------


def _reference_net(call):
    return REF.reference_build_mlp(call["hidden"], call["init"], call["bias"], call["seed"])


def _shapes(hidden, bias):
    return [[hidden, 2], [hidden], [1, hidden], [1]] if bias else [[hidden, 2], [1, hidden]]


def _shown_build(call):
    return f'build_mlp({call["hidden"]}, "{call["init"]}", {call["bias"]}, {call["seed"]})'


@pytest.mark.grade_cell("mlp_build_shapes")
def test_build_mlp_returns_the_four_modules_in_order(probe):
    ids = _ids(probe, "build/")
    for cid in ids:
        got = probe.result(cid)
        if got["modules"] != MODULES:
            raise Verdict(
                f"build_mlp returns the modules {got['modules']}; it must return "
                f"exactly nn.Sequential of {MODULES} (no other layers, in this order).",
                codes=("mlp-modules-wrong",),
            )
        if "outputs_error" in got:
            raise Verdict(
                f"build_mlp's network fails on the four patterns X: {got['outputs_error']}.",
                codes=("raises-error",),
            )
        if got["outputs_shape"] != [4, 1]:
            raise Verdict(
                f"build_mlp's network maps the four patterns X to shape "
                f"{tuple(got['outputs_shape'])}, not (4, 1).",
                codes=("wrong-shape",),
            )
        dtypes = sorted({p["dtype"] for p in got["params"]})
        if dtypes != ["float32"]:
            raise Verdict(
                f"build_mlp's parameters are {dtypes}; the network must be float32.",
                codes=("wrong-dtype",),
            )


@pytest.mark.grade_cell("mlp_build_shapes")
@pytest.mark.parametrize("bias", [True, False], ids=["with_biases", "without_biases"])
def test_build_mlp_parameter_shapes(probe, bias):
    ids = [cid for cid in _ids(probe, "build/") if probe.calls[cid]["bias"] == bias]
    failing = 0
    for cid in ids:
        got = probe.result(cid)
        if [p["shape"] for p in got["params"]] != _shapes(probe.calls[cid]["hidden"], bias):
            failing += 1
    codes = _shape_codes(probe)
    if failing:
        shown_id = "build/shown/2-default-bias" if bias else "build/shown/5-default-nobias"
        call = probe.calls[shown_id]
        detail = ""
        try:
            got = [tuple(p["shape"]) for p in probe.result(shown_id)["params"]]
            want = [tuple(s) for s in _shapes(call["hidden"], bias)]
            detail = (
                f" For {_shown_build(call)}, as in the notebook's grade cell, the parameter "
                f"shapes are {got}; expected {want}."
                if got != want
                else " It is right on the notebook's examples, so look at the widths the "
                "notebook does not build."
            )
        except Verdict:
            pass
        want = "(H, 2), (H,), (1, H), (1,)" if bias else "(H, 2), (1, H) and no biases"
        raise Verdict(
            f"with bias={bias}, build_mlp's parameter shapes are wrong for {failing} of "
            f"{len(ids)} unseen widths H; model.parameters() must give {want}.{detail}",
            codes=codes,
        )


def _shape_codes(probe):
    """The codes of build_mlp's wrong parameter shapes: ``mlp-bias-ignored`` when every
    unseen network whose shapes are wrong has those of the other bias choice, else
    ``wrong-shape``."""
    wrong = []
    for cid in _ids(probe, "build/"):
        call, got = probe.calls[cid], probe.result(cid)
        shapes = [p["shape"] for p in got["params"]]
        if shapes != _shapes(call["hidden"], call["bias"]):
            wrong.append(shapes == _shapes(call["hidden"], not call["bias"]))
    return ("mlp-bias-ignored",) if wrong and all(wrong) else ("wrong-shape",)


def _affine(xs, ys):
    """``ys = a + b xs`` to within 1e-5, with ``(a, b)`` not ``(0, 1)``?  (The right draws, rescaled.)"""
    if len(xs) < 2:
        return False
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx < 1e-12:
        return False
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    fits = all(abs(a + b * x - y) < 1e-5 for x, y in zip(xs, ys))
    return fits and (abs(a) > 1e-6 or abs(b - 1) > 1e-6)


def _draw_diagnosis(got, ref):
    """``(words, code)``: what is wrong with a network's draws, from the student's values
    and the reference's."""
    mine = [v for p in got["params"] for v in p["values"]]
    right = [v for p in ref.parameters() for v in p.detach().double().flatten().tolist()]
    if len(mine) == len(right) and _close(sorted(mine), sorted(right), BUILD_ATOL, 0):
        return (
            "they are the right numbers in the wrong order: draw every parameter from one "
            "generator in the order model.parameters() lists them (W1, b1, W2, b2)",
            "mlp-init-order",
        )
    layers = {}
    for p, q in zip(got["params"], ref.named_parameters()):
        layer = q[0].split(".")[0]
        xs, ys = layers.setdefault(layer, ([], []))
        xs += q[1].detach().double().flatten().tolist()
        ys += p["values"]
    wrong = [layer for layer, (xs, ys) in layers.items() if not _close(ys, xs, BUILD_ATOL, 0)]
    if wrong and all(_affine(*layers[layer]) for layer in wrong):
        return (
            "they are the seed's draws on the wrong interval: each layer's parameters "
            'lie in (0, 1) for "uniform01" and in (-1/sqrt(n_in), 1/sqrt(n_in)) for '
            '"default", where n_in is that layer\'s number of inputs (2 for the first '
            "layer, H for the second)",
            "mlp-init-interval",
        )
    return NOT_THE_DRAWS


#: What a network of other modules gets (the modules check says which).
WRONG_MODULES = ("its modules are not the four asked for (see that check)", "mlp-modules-wrong")
#: What a network's draws that fit no known mistake get: words and ``other``.
NOT_THE_DRAWS = (
    "they are not the numbers the seed gives: make gen = torch.Generator()"
    ".manual_seed(seed) and fill every parameter, in the order of model.parameters(), "
    "with nn.init.uniform_(p, lo, hi, generator=gen)",
    OTHER,
)


def _one_diagnosis(found, otherwise):
    """``(words, code)``: the diagnosis every failing case gave, or ``otherwise``."""
    return found[0] if found and len(set(found)) == 1 else otherwise


@pytest.mark.grade_cell("mlp_build_init")
def test_build_mlp_draws_every_parameter_from_the_seed(probe):
    ids = _ids(probe, "build/")
    failing, schemes, found = 0, set(), []
    for cid in ids:
        call, got = probe.calls[cid], probe.result(cid)
        ref = _reference_net(call)
        if [p["shape"] for p in got["params"]] != [list(p.shape) for p in ref.parameters()]:
            raise Verdict(
                "build_mlp's parameter shapes are wrong (see the shapes check), so its "
                "draws cannot match the seed's.",
                codes=_shape_codes(probe),
            )
        want = [p.detach().double().flatten().tolist() for p in ref.parameters()]
        if not all(_close(p["values"], w, BUILD_ATOL, 0) for p, w in zip(got["params"], want)):
            failing += 1
            schemes.add(f'"{call["init"]}"')
            found.append(_draw_diagnosis(got, ref))
    if failing:
        words, code = _one_diagnosis(found, NOT_THE_DRAWS)
        raise Verdict(
            f"build_mlp's starting parameters differ from the seed's draws on {failing} "
            f"of {len(ids)} unseen networks (init {', '.join(sorted(schemes))}): "
            f"{words}.{_shown_build_detail(probe)}",
            codes=(code,),
        )


def _shown_build_detail(probe):
    cid = "build/shown/2-default-bias"
    try:
        got = probe.result(cid)
    except Verdict:
        return ""
    call, ref = probe.calls[cid], _reference_net(probe.calls[cid])
    for p, (name, q) in zip(got["params"], ref.named_parameters()):
        want = q.detach().double().flatten().tolist()
        if not _close(p["values"], want, BUILD_ATOL, 0):
            return (
                f" On the notebook's check, {_shown_build(call)} gives {p['name']} = "
                f"{_fmt(p['values'], 5)}; the engine draws {name} = {_fmt(want, 5)}."
            )
    return " It is right on the notebook's check, so compare the other scheme, widths and biases."


@pytest.mark.grade_cell("mlp_build_init")
def test_build_mlp_outputs_match_the_seeded_network(probe):
    ids = _ids(probe, "build/")
    failing, found, shapes_wrong = 0, [], False
    for cid in ids:
        got = probe.result(cid)
        if "outputs_error" in got:
            raise Verdict(
                f"build_mlp's network fails on the four patterns X: {got['outputs_error']}.",
                codes=("raises-error",),
            )
        ref = _reference_net(probe.calls[cid])
        with torch.no_grad():
            want = ref(_t(probe.calls[cid]["X"]))
        if not _close(got["outputs"], want.double().flatten().tolist(), BUILD_ATOL, 0):
            failing += 1
            if got["modules"] != MODULES:
                found.append(WRONG_MODULES)
            elif [p["shape"] for p in got["params"]] == [list(q.shape) for q in ref.parameters()]:
                found.append(_draw_diagnosis(got, ref))
            else:
                shapes_wrong = True
    if failing:
        if shapes_wrong:
            why, codes = ": its parameter shapes are wrong (see the shapes check)", None
        else:
            words, code = _one_diagnosis(found, NOT_THE_DRAWS)
            why = (
                f": {words}"
                if code == WRONG_MODULES[1]
                else f": its starting parameters differ, and {words}"
            )
            codes = (code,)
        raise Verdict(
            f"on {failing} of {len(ids)} unseen networks, build_mlp's outputs on the four "
            "patterns differ from those of the network the seed gives (same modules, "
            f"parameters drawn in order){why}.{_shown_build_detail(probe)}",
            codes=codes or _shape_codes(probe),
        )


# -- Problem 2: train_full_batch (grade cells mlp_train_losses 2, mlp_train_updates 2) -------


def _model(call, state=None):
    """The float32 ``nn.Sequential`` a call describes, holding ``state`` (default: its start)."""
    model = nn.Sequential(
        *[
            nn.Linear(args[0], args[1], bias=args[2]) if name == "Linear" else nn.Sigmoid()
            for name, *args in call["layers"]
        ]
    )
    state = state if state is not None else call["state"]
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(_t(state[name]).reshape(p.shape))
    return model


def _xy(call):
    return _t(call["X"]), _t(call["Y"]).reshape(-1, 1)


def _loss_at(call, state, loss=None):
    """The loss of the call's model holding ``state``, in float64."""
    X, Y = _xy(call)
    model = _model(call, state).double()
    with torch.no_grad():
        return float(LOSSES[loss or call["loss"]]()(model(X.double()), Y.double()))


def _run(call, epochs, train=REF.reference_train_full_batch):
    """``(losses, state)`` of ``train`` on a fresh float32 copy of the call's model."""
    model = _model(call)
    X, Y = _xy(call)
    losses = train(model, X, Y, call["lr"], epochs, LOSSES[call["loss"]]())
    return losses, {k: p.detach().double().flatten().tolist() for k, p in model.named_parameters()}


def _without_zero_grad(model, X, Y, lr, epochs, loss_fn):
    optimizer, losses = torch.optim.SGD(model.parameters(), lr=lr), []
    for _ in range(epochs):
        loss = loss_fn(model(X), Y)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return losses


def _with_momentum(model, X, Y, lr, epochs, loss_fn):
    optimizer, losses = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9), []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), Y)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return losses


def _state_close(got, want):
    return sorted(got) == sorted(want) and all(
        _close(got[k], want[k], TRAIN_ATOL, TRAIN_RTOL) for k in want
    )


def _train_calls(probe, group):
    """``{epochs: call id}`` of one training problem, cut short at 0..3 epochs and run in full."""
    return {probe.calls[cid]["epochs"]: cid for cid in _ids(probe, f"train/{group}/")}


def _losses_of(probe, cid, what):
    """The student's list of losses for a call, or a ``Verdict`` saying why it is not one."""
    got = probe.result(cid)
    epochs = probe.calls[cid]["epochs"]
    if got["losses"] is None:
        hint = " (is `return losses` missing?)" if got["returned"] == "None" else ""
        raise Verdict(
            f"train_full_batch returns {got['returned']}, not a list of floats{hint}.",
            codes=("wrong-dtype",),
        )
    if got["returned"] != "a list":
        raise Verdict(
            f"train_full_batch returns {got['returned']}; it must return a list of floats.",
            codes=("wrong-dtype",),
        )
    if len(got["losses"]) != epochs:
        shown = _shown_result(probe)
        detail = ""
        if epochs == 0:
            detail = " For 0 epochs (as in the notebook's grade cell) it must return []."
        elif shown and shown["losses"] is not None:
            detail = (
                f" On the notebook's check (100 epochs) it returns {len(shown['losses'])} losses."
            )
        raise Verdict(
            f"train_full_batch returns a list whose length is not the number of epochs "
            f"on {what}: it must hold one loss per epoch.{detail}",
            codes=("mlp-losses-length",),
        )
    if not all(got["float_entries"]):
        kinds = ", ".join(got.get("entry_types", []))
        raise Verdict(
            f"train_full_batch's list holds {kinds}, not Python floats: record loss.item().",
            codes=("wrong-dtype",),
        )
    return got["losses"]


def _shown_result(probe):
    try:
        return probe.result("train/shown")
    except Verdict:
        return None


def _shown_losses_detail(probe):
    got = _shown_result(probe)
    if got is None or got["losses"] is None or len(got["losses"]) != 100:
        return ""
    want, _ = _run(probe.calls["train/shown"], 100)
    at = (0, 1, 2, 99)
    mine = [got["losses"][t] for t in at]
    if _close(mine, [want[t] for t in at], TRAIN_ATOL, TRAIN_RTOL):
        return " It is right on the notebook's check, so look at the other models and losses."
    return (
        f" On the notebook's check (a neuron learning OR, lr 0.5, 100 epochs, nn.MSELoss()) "
        f"your losses at epochs 0, 1, 2, 99 are {_fmt(mine)}; expected "
        f"{_fmt([want[t] for t in at])}."
    )


@pytest.mark.grade_cell("mlp_train_losses")
@pytest.mark.parametrize("group", list(TRAIN_CASES))
def test_losses_are_the_loss_before_each_step(probe, group):
    """Is L_t the loss of the model as the student's own loop left it after t steps?"""
    calls = _train_calls(probe, group)
    what = f"unseen {TRAIN_CASES[group]}"
    full = max(calls)
    losses = {k: _losses_of(probe, cid, what) for k, cid in calls.items()}
    start = probe.calls[calls[full]]
    states = {0: start["state"]}
    states.update({k: probe.result(cid)["state"] for k, cid in calls.items() if 0 < k < full})
    before = {t: _loss_at(start, states[t]) for t in sorted(states)}
    ok = all(_close([losses[full][t]], [before[t]], TRAIN_ATOL, TRAIN_RTOL) for t in before)
    ok = ok and all(
        _close(losses[k], losses[full][:k], TRAIN_ATOL, TRAIN_RTOL) for k in calls if k < full
    )
    if ok:
        return
    steps = sorted(states)
    code = OTHER
    flat = {k: _t(v).double().flatten().tolist() for k, v in start["state"].items()}
    if all(_state_close(states[t], flat) for t in steps[1:]):
        why = (
            "the model it is given is left unchanged, so these are not its losses: train "
            "that model in place (see the check of the steps)"
        )
        code = "mlp-trains-a-copy"
    elif all(
        _close([losses[full][t]], [before[t + 1]], TRAIN_ATOL, TRAIN_RTOL) for t in steps[:-1]
    ):
        why = (
            "the losses are recorded after the step: L_t must be the loss computed before "
            "that epoch's optimizer.step() (the value of that same loss tensor, loss.item())"
        )
        code = "mlp-loss-after-step"
    elif any(
        _close([losses[full][0]], [_loss_at(start, states[0], other)], TRAIN_ATOL, TRAIN_RTOL)
        for other in LOSSES
        if other != start["loss"]
    ):
        why = "they are not values of the loss_fn it is given: compute loss = loss_fn(model(X), Y)"
        code = "mlp-loss-fn-ignored"
    else:
        why = (
            "L_t is not the loss of the model as it was before step t (loss_fn(model(X), Y) "
            "over all patterns, before optimizer.step())"
        )
    raise Verdict(
        f"train_full_batch's losses are wrong on {what}: {why}.{_shown_losses_detail(probe)}",
        codes=(code,),
    )


def _shown_updates_detail(probe):
    got = _shown_result(probe)
    if got is None:
        return ""
    _, want = _run(probe.calls["train/shown"], 100)
    if _state_close(got["state"], want):
        return " It is right on the notebook's check, so look at the other models and losses."
    w, b = got["state"].get("0.weight", []), got["state"].get("0.bias", [])
    return (
        f" On the notebook's check (a neuron learning OR, lr 0.5, 100 epochs) your neuron "
        f"ends at w = {_fmt(w, 6)}, b = {_fmt(b, 6)}; expected w = {_fmt(want['0.weight'])}, "
        f"b = {_fmt(want['0.bias'])}."
    )


def _steps_diagnosis(call, start, got, epochs):
    """``(words, code)``: why the state after ``epochs`` epochs is not the reference's (the
    first failing cut)."""
    if epochs == 0:
        return "0 epochs must leave the model exactly as it was", OTHER
    if _state_close(got, start):
        return (
            "the model it is given is unchanged: train that model in place (an optimizer "
            "over model.parameters()), not a new or copied one",
            "mlp-trains-a-copy",
        )
    if _state_close(got, _run(call, epochs, _without_zero_grad)[1]):
        return (
            "zero_grad is missing: backward() adds to .grad, so from the second epoch on "
            "each step uses the sum of all gradients so far; clear them every epoch "
            "(optimizer.zero_grad())",
            "mlp-zero-grad-missing",
        )
    if _state_close(got, _run(call, epochs, _with_momentum)[1]):
        return (
            "the steps use momentum; plain gradient descent has none (momentum=0)",
            "mlp-momentum",
        )
    if epochs == 1:
        ref = _run(call, 1)[1]
        ratios = [
            (g - s) / (r - s)
            for k in ref
            for g, s, r in zip(got[k], start[k], ref[k])
            if abs(r - s) > 1e-6
        ]
        if ratios and all(abs(q - ratios[0]) < 1e-3 * max(1, abs(ratios[0])) for q in ratios):
            return (
                f"each step is {ratios[0]:.3g} times theta - lr dL/dtheta's step: step by "
                "exactly lr times the gradient",
                "mlp-step-scaled",
            )
    return (
        "the parameters do not follow full-batch gradient descent, theta <- theta - lr "
        "dL/dtheta, one step per epoch, with torch.optim.SGD(model.parameters(), lr=lr)",
        OTHER,
    )


@pytest.mark.grade_cell("mlp_train_updates")
@pytest.mark.parametrize("group", list(TRAIN_CASES))
def test_parameters_follow_plain_sgd(probe, group):
    """After 0, 1, 2, 3 and all epochs, are the parameters those of optim.SGD (no momentum)?"""
    calls = _train_calls(probe, group)
    what = f"unseen {TRAIN_CASES[group]}"
    for epochs in sorted(calls):
        call = probe.calls[calls[epochs]]
        got = probe.result(calls[epochs])["state"]
        start = {k: _t(v).double().flatten().tolist() for k, v in call["state"].items()}
        if sorted(got) != sorted(start):
            raise Verdict(
                f"after train_full_batch the model's parameters are {sorted(got)}, "
                f"not {sorted(start)}: train the given model's own parameters.",
                codes=("wrong-keys",),
            )
        if not _state_close(got, _run(call, epochs)[1]):
            words, code = _steps_diagnosis(call, start, got, epochs)
            raise Verdict(
                f"train_full_batch's steps are wrong on {what}: {words}."
                f"{_shown_updates_detail(probe)}",
                codes=(code,),
            )


# -- Problem 3: noise_std (grade cell mlp_noise_schedule 2) ----------------------------------

NOISE_GROUPS = {
    "int64": "1-D int64 tensors of steps",
    "float32": "2-D float32 tensors of steps",
    "scalar": "0-dimensional tensors of a single step",
    "default": "calls that leave gamma at its default",
}


def _noise_ref(call, gamma=None, form="right"):
    t = torch.as_tensor(call["t"], dtype=torch.float64)
    eta = call["eta"]
    gamma = call.get("gamma", 0.55) if gamma is None else gamma
    if form == "variance":
        return (eta / (1 + t) ** gamma).flatten().tolist()
    if form == "power_of_t":
        return ((eta / (1 + t**gamma)) ** 0.5).flatten().tolist()
    if form == "sqrt_eta_only":
        return (eta**0.5 / (1 + t) ** gamma).flatten().tolist()
    return REF.reference_noise_std(t, eta, gamma).flatten().tolist()


def _noise_diagnosis(call, values):
    def like(want):
        return _close(values, want, NOISE_ATOL, NOISE_RTOL)

    gamma = call.get("gamma", 0.55)
    if like(_noise_ref(call, form="variance")):
        return (
            "it returns the variance eta / (1 + t)^gamma, not the standard deviation "
            "(its square root)",
            "noise-variance",
        )
    if like(_noise_ref(call, form="power_of_t")):
        return (
            "it computes 1 + t^gamma; the schedule divides by (1 + t)^gamma",
            "noise-power-of-t",
        )
    if like(_noise_ref(call, form="sqrt_eta_only")):
        return (
            "it takes the square root of eta only; sigma_t = sqrt(eta / (1 + t)^gamma)",
            "noise-sqrt-eta-only",
        )
    if "gamma" in call and gamma != 0.55 and like(_noise_ref(call, gamma=0.55)):
        return "it ignores the gamma it is given (it always uses 0.55)", "noise-gamma-ignored"
    if "gamma" not in call:
        fitted = _fitted_gamma(call, values)
        return (
            "with gamma left out it must use the default gamma = 0.55",
            "noise-default-gamma"
            if fitted is not None and like(_noise_ref(call, gamma=fitted))
            else OTHER,
        )
    return "it is not sqrt(eta / (1 + t)^gamma) elementwise", OTHER


def _fitted_gamma(call, values):
    """The gamma with sqrt(eta / (1 + t)^gamma) = ``values`` at the call's largest step, or
    None (eta = 0, a step of 0, or a value that is no such power)."""
    steps = torch.as_tensor(call["t"], dtype=torch.float64).flatten().tolist()
    k = max(range(len(steps)), key=lambda i: steps[i])
    v = values[k] if k < len(values) and values[k] is not None else float("nan")
    if call["eta"] <= 0 or steps[k] <= 0 or not v > 0:
        return None
    return math.log(call["eta"] / v**2) / math.log(1 + steps[k])


def _shown_noise_detail(probe):
    try:
        got = probe.result("noise/shown")
    except Verdict:
        return ""
    want = _noise_ref(probe.calls["noise/shown"])
    if _close(got["values"], want, NOISE_ATOL, NOISE_RTOL):
        return " It is right on the notebook's check, so look at other steps, etas and gammas."
    return (
        f" On the notebook's check, noise_std(torch.tensor({PROBES.SHOWN_STEPS}), 2.0) "
        f"returns {_fmt(got['values'])}; expected {_fmt(want)}."
    )


@pytest.mark.grade_cell("mlp_noise_schedule")
@pytest.mark.parametrize("group", list(NOISE_GROUPS))
def test_noise_std_is_the_standard_deviation(probe, group):
    ids = [cid for cid in _ids(probe, "noise/") if probe.calls[cid]["group"] == group]
    assert ids, f"no hidden inputs in group {group}"
    what = NOISE_GROUPS[group]
    failing, first, found = 0, None, set()
    for cid in ids:
        call, got = probe.calls[cid], probe.result(cid)
        shape = list(torch.as_tensor(call["t"]).shape)
        if got.get("shape") is None:
            raise Verdict(
                f"noise_std returns {got['returned']}, not a tensor: it must return a "
                "float tensor shaped like t (compute with torch operations on t).",
                codes=("wrong-dtype",),
            )
        if not got["floating"]:
            raise Verdict(
                f"noise_std returns a {got['dtype']} tensor for {what}; it must "
                "return a float tensor.",
                codes=("wrong-dtype",),
            )
        if got["shape"] != shape:
            raise Verdict(
                f"noise_std returns shape {tuple(got['shape'])} for {what} of shape "
                f"{tuple(shape)}: it must keep the shape of t.",
                codes=("wrong-shape",),
            )
        if not _close(got["values"], _noise_ref(call), NOISE_ATOL, NOISE_RTOL):
            failing += 1
            first = first or (call, got["values"])
            found.add(_noise_diagnosis(call, got["values"])[1])
    if failing:
        words, code = _noise_diagnosis(*first)
        raise Verdict(
            f"noise_std is wrong on {failing} of {len(ids)} unseen {what}: "
            f"{words}.{_shown_noise_detail(probe)}",
            codes=(code,) if len(found) == 1 else (OTHER,),
        )
