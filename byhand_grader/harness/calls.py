"""The call kinds: the one registry of what the judge may ask the harness to call.

Every kind a request's call may name is an entry of ``KINDS``: how the harness performs
it (``perform``) and how it is watched and read.  An assignment's description lists the
kinds its probes use (``Assignment.call_kinds``) and those whose functions are written
by hand (``Assignment.by_hand``); the harness, the judge and the grade read every other
property of a kind here, and nowhere else.

Part B's kinds call the student's functions on the parameters and inputs the judge chose
(``forward``, ``grads``, ``update``), train with them (``train``), or replay the student's
own XOR runs for the person grading Problem 5 (``explain``); the xor_mlp extension's
kinds take torch.nn models in and give plain lists out (``build_mlp``,
``train_full_batch``, ``noise_std``).
"""

from typing import NamedTuple

import torch
from torch import nn

from byhand.contract import check_forward, check_param_dict, ContractError
from byhand.explain import computes_xor, net_y_terms
from byhand.training import train
from byhand.xor import init_xor

from .values import _a_type, _Alarm, _describe_safely, _Missing, _plain, _tensor


class Kind(NamedTuple):
    """One call kind: ``perform(fn, call, params, ns, failed_cells, session)`` returns the
    call's value as plain data (``fn`` is the student function ``call["fn"]`` names,
    ``params`` the call's parameters as tensors, ``session`` a ``session._Session``).

    A tuple, and ``perform`` a module-level function: the given-code guard keeps
    ``KINDS`` and this module's functions, so a student cannot swap a kind's code."""

    perform: object
    #: called under ``torch.no_grad`` (the Part B kinds)
    no_grad: bool = False
    #: a gradient: when by hand, also watched for numerical differentiation (``watch._Steps``)
    numeric: bool = False
    #: a training run: the autograd watch sees a sample of its steps (``TRAIN_WATCH_EVERY``)
    sampled: bool = False
    #: the call names, in ``forward``, the forward pass its gradient ``fn`` goes with
    pairs_forward: bool = False
    #: its value's ``epoch_errors`` are a training curve, drawn under ``curves_under``
    curve: bool = False
    #: its reply is the student's own runs, shown before ``explain_before`` (``annotate``)
    explanation: bool = False


def _call(call, ns, failed_cells, kinds, session):
    """Perform one call; ``session`` (a ``_Session``) guards the given code and watches autograd."""
    kind = call["kind"]
    if kinds is not None and kind not in kinds:
        raise ValueError(f"the assignment allows no call of kind {kind!r}")
    fn = ns.get(call["fn"])
    if not callable(fn):
        raise _Missing(call["fn"], failed_cells)
    params = {k: _tensor(v) for k, v in call.get("params", {}).items()}
    if kind not in KINDS:
        raise ValueError(f"unknown call kind {kind!r}")
    return KINDS[kind].perform(fn, call, params, ns, failed_cells, session)


# -- Part B: the student's functions on the judge's inputs ------------------------------


def _forward_call(fn, call, params, ns, failed_cells, session):
    with session.watching(call["kind"], call["fn"]):
        out = fn(params, _tensor(call["x"]))
        session.returned()
        return _plain(check_forward(out, call["fn"]), call["fn"])


def _grads_call(fn, call, params, ns, failed_cells, session):
    with session.watching(call["kind"], call["fn"]):
        out = fn(params, _tensor(call["x"]), _tensor(call["y"]))
        session.returned()
        return _plain(_checked(out, params, call["fn"]), call["fn"])


def _checked(out, params, fn):
    """``check_param_dict``; a gradient of the wrong shape also carries the values that came
    back (``returned``), so the judge can see what they are (a bias gradient times ``x``)."""
    try:
        return check_param_dict(out, params, fn)
    except ContractError as err:
        if err.problem == "shape":
            err.returned = _plain(out, fn)
        raise


def _update_call(fn, call, params, ns, failed_cells, session):
    grads = {k: _tensor(v) for k, v in call["grads"].items()}
    for k, v in params.items():  # decoys: an update that reads .grad gets these
        v.grad = torch.full_like(v, float(call.get("decoy", 1000.0)))
    before = {k: v.clone() for k, v in params.items()}
    with session.watching(call["kind"], call["fn"]):
        out = fn(params, grads, call["alpha"])
        session.returned()
        check_param_dict(out, before, call["fn"])
        return _plain(out, call["fn"])


def _train_call(fn, call, params, ns, failed_cells, session):
    forward, grads_fn = ns.get(call["forward"]), fn
    if not callable(forward):
        raise _Missing(call["forward"], failed_cells)
    X = _tensor(call["X"])
    Y = _tensor(call["Y"]).reshape(-1, 1)
    gen = torch.Generator().manual_seed(int(call["seed"]))
    if not params:  # a run of seed s: parameters first, then the orders, from one stream
        params = init_xor(gen)
    with session.watching(call["kind"], call["fn"]) as watch:
        result = train(
            watch.step(forward, call["forward"]),
            watch.step(grads_fn, call["fn"]),
            _reference_update,
            params,
            X,
            Y,
            alpha=call["alpha"],
            epochs=int(call["epochs"]),
            gen=gen,
            errors_every=int(call.get("errors_every", 1)),
        )
        session.returned()
        out = _plain(result.params, "training")
        out["yhat"] = result.yhat.detach().double().flatten().tolist()
        out["epoch_errors"] = [float(e) for e in result.epoch_errors]
        return out


def _explain(fn, call, params, ns, failed_cells, session):
    forward, update = ns.get(call["forward"]), ns.get(call["update"])
    if not callable(forward):
        raise _Missing(call["forward"], failed_cells)
    return _explain_call(forward, fn, update if callable(update) else None, call, session)


def _explain_call(forward, grads_fn, update, call, session):
    """The student's own XOR runs, for the person grading Problem 5: from each of
    ``call["seeds"]`` in turn (the notebook's SEED, then its further attempts) until one
    computes XOR, trained by the student's functions (their update, or the grader's when
    theirs is missing or fails), with ``explain_xor``'s table from their forward pass.

    Each seed comes with a correct implementation's parameters after ``track_epochs``
    and at the end (the grader's, from the same public seed).  A run whose parameters
    after ``track_epochs`` are within ``track_atol`` of those is not trained further (8000
    epochs through the student's functions take seconds): its table is the student's
    forward pass at the correct run's final parameters, which a correct float32 run
    reaches to rounding (about 1e-6; the course spec).  Any other run is trained for all
    ``epochs``, and is the last: the further seeds are not replayed for it.
    """
    X, Y = _tensor(call["X"]), _tensor(call["Y"]).reshape(-1, 1)
    runs, note = [], None if update else f"there is no function named '{call['update']}'"
    for start in call["seeds"]:
        tracked = None
        for epochs in (int(call["track_epochs"]), int(call["epochs"])):
            result, own, note = _own_run(
                forward, grads_fn, update, int(start["seed"]), epochs, X, Y, call, session, note
            )
            if epochs < int(call["epochs"]) and _near(
                result.params, start["track"], call["track_atol"]
            ):
                tracked = epochs
                break
        params = {k: _tensor(v) for k, v in start["final"].items()} if tracked else result.params
        with session.watching("explain", call["forward"]):
            rows = net_y_terms(params, forward)
            session.returned()
        runs.append(
            {
                "seed": int(start["seed"]),
                "rows": rows,
                "tracked": tracked,
                "params": {k: v.detach().double().flatten().tolist() for k, v in params.items()},
                "epoch_errors": None if tracked else [float(e) for e in result.epoch_errors],
                "update": "yours" if own else "the grader's",
            }
        )
        if computes_xor(rows) or not tracked:
            # A run that left the correct one is replayed once, from the notebook's SEED:
            # the later attempts' seeds are where a *correct* run would go next, and 8000
            # more epochs of their functions each would triple the cost of a buggy answer.
            break
    return {"runs": runs, "note": note}


def _own_run(forward, grads_fn, update, seed, epochs, X, Y, call, session, note):
    """``(TrainResult, whether the student's update made it, note)``: the notebook's run."""
    for step in ([update] if update else []) + [_reference_update]:
        gen = torch.Generator().manual_seed(seed)
        try:
            with session.watching("explain", call["fn"]):
                result = train(
                    forward,
                    grads_fn,
                    step,
                    init_xor(gen),
                    X,
                    Y,
                    alpha=call["alpha"],
                    epochs=epochs,
                    gen=gen,
                    errors_every=int(call.get("errors_every", 1)),
                )
                session.returned()
            return result, step is not _reference_update, note
        except Exception as err:  # noqa: BLE001 - their update failed: the grader's next
            session.returned()
            if step is _reference_update:
                raise
            note = (
                f"{call['update']} failed ({_describe_safely(err)}); the grader's update was used"
            )
    raise AssertionError("unreachable")


def _near(params, want, atol):
    """Are the parameters (tensors) within ``atol`` of ``want`` (lists), every one?"""
    try:
        return all(
            len(params[k].flatten()) == len(v)
            and all(
                abs(float(a) - float(b)) <= atol for a, b in zip(params[k].flatten().tolist(), v)
            )
            for k, v in want.items()
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


# -- the xor_mlp extension: torch.nn models in, plain lists out ----------------------


def _build_mlp_call(fn, call, session):
    """``fn(hidden, init, bias, seed)``: its modules, parameters and outputs on ``call["X"]``."""
    model = fn(int(call["hidden"]), str(call["init"]), bool(call["bias"]), int(call["seed"]))
    session.returned()
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"{call['fn']} returned {_a_type(model)}, not an nn.Sequential")
    out = {
        "modules": [type(m).__name__ for m in model],
        "params": [
            {
                "name": name,
                "shape": list(p.shape),
                "dtype": str(p.dtype).replace("torch.", ""),
                "values": p.detach().to(torch.float64).flatten().tolist(),
            }
            for name, p in model.named_parameters()
        ],
    }
    try:
        with torch.no_grad():
            y = model(_tensor(call["X"]))
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"the network returned {_a_type(y)}, not a tensor")
        out["outputs"] = y.detach().to(torch.float64).flatten().tolist()
        out["outputs_shape"] = list(y.shape)
    except BaseException as err:  # noqa: B036 - a broken network is a finding, not a crash
        if isinstance(err, (_Alarm, KeyboardInterrupt)):
            raise
        out["outputs_error"] = _describe_safely(err)
    return out


#: The losses a ``train_full_batch`` call may name (the judge picks; nothing else is built).
_LOSSES = {
    "mse": lambda nn: nn.MSELoss(),
    "sum_squared": lambda nn: nn.MSELoss(reduction="sum"),
    "smooth_l1": lambda nn: nn.SmoothL1Loss(),
}
#: The modules a ``train_full_batch`` call may ask the harness to build.
_MODULES = {
    "Linear": lambda nn, n_in, n_out, bias: nn.Linear(int(n_in), int(n_out), bias=bool(bias)),
    "Sigmoid": lambda nn: nn.Sigmoid(),
}


def _sequential(layers, state):
    """``nn.Sequential`` of whitelisted ``layers`` (``[name, *args]``) holding exactly ``state``."""
    model = nn.Sequential(*[_MODULES[name](nn, *args) for name, *args in layers])
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(state[name], dtype=torch.float32).reshape(p.shape))
    if set(state) != {name for name, _ in model.named_parameters()}:
        raise ValueError("the grader's model does not match its parameters")
    return model


def _train_full_batch_call(fn, call, session):
    """``fn(model, X, Y, lr, epochs, loss_fn)`` on a model the harness builds: losses and final state."""
    if call["loss"] not in _LOSSES:
        raise ValueError(f"unknown loss {call['loss']!r}")
    model = _sequential(call["layers"], call["state"])
    X, Y = _tensor(call["X"]), _tensor(call["Y"]).reshape(-1, 1)
    returned = fn(model, X, Y, float(call["lr"]), int(call["epochs"]), _LOSSES[call["loss"]](nn))
    session.returned()
    out = {
        "returned": _a_type(returned),
        "losses": None,
        "float_entries": None,
        "state": {
            name: p.detach().to(torch.float64).flatten().tolist()
            for name, p in model.named_parameters()
        },
    }
    if isinstance(returned, (list, tuple)):
        losses, floats = [], []
        for v in returned[:100000]:
            floats.append(isinstance(v, float))
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                losses.append(float(v))
            elif isinstance(v, torch.Tensor) and v.numel() == 1:
                losses.append(float(v.detach().to(torch.float64)))
            else:
                losses.append(None)
        out["losses"], out["float_entries"] = losses, floats
        out["entry_types"] = sorted({_a_type(v) for v in returned[:100000]})
    return out


def _noise_std_call(fn, call, session):
    """``fn(t, eta[, gamma])`` with ``t`` built as asked: what came back, described."""
    t = torch.tensor(call["t"], dtype=getattr(torch, call["t_dtype"]))
    args = (t, float(call["eta"])) + ((float(call["gamma"]),) if "gamma" in call else ())
    value = fn(*args)
    session.returned()
    out = {"returned": _a_type(value)}
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{call['fn']} returned a complex tensor")
        out.update(
            shape=list(value.shape),
            dtype=str(value.dtype).replace("torch.", ""),
            floating=value.is_floating_point(),
            values=value.detach().to(torch.float64).flatten().tolist(),
        )
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.update(shape=None, values=[float(value)])
    elif isinstance(value, (list, tuple)):
        try:
            as_tensor = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"{call['fn']} returned {_a_type(value)}, not a tensor") from None
        out.update(shape=None, values=as_tensor.flatten().tolist())
    else:
        raise TypeError(f"{call['fn']} returned {_a_type(value)}, not a tensor")
    return out


def _build_mlp(fn, call, params, ns, failed_cells, session):
    with session.watching(call["kind"], call["fn"]):
        return _build_mlp_call(fn, call, session)


def _train_full_batch(fn, call, params, ns, failed_cells, session):
    with session.watching(call["kind"], call["fn"]):
        return _train_full_batch_call(fn, call, session)


def _noise_std(fn, call, params, ns, failed_cells, session):
    with session.watching(call["kind"], call["fn"]):
        return _noise_std_call(fn, call, session)


def _reference_update(params, grads, alpha):
    """The update the harness trains with, so a Problem 2 slip doesn't sink Problem 4."""
    return {k: v - alpha * grads[k] for k, v in params.items()}


#: Every call kind, by name (see ``Kind``).
KINDS = {
    "forward": Kind(_forward_call, no_grad=True),
    "grads": Kind(_grads_call, no_grad=True, numeric=True),
    "update": Kind(_update_call, no_grad=True),
    "train": Kind(_train_call, no_grad=True, sampled=True, pairs_forward=True, curve=True),
    "explain": Kind(_explain, no_grad=True, pairs_forward=True, explanation=True),
    "build_mlp": Kind(_build_mlp),
    "train_full_batch": Kind(_train_full_batch),
    "noise_std": Kind(_noise_std),
}
