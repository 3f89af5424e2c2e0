"""Run a student's cells and call their functions, as plain data in and out.

The harness is the only place student code runs during grading.  One harness
process per grading worker starts inside the sandbox (``byhand_grader.sandbox``),
imports torch once, and then *forks a fresh child for every submission*, so a
submission costs a fork rather than a new interpreter and ``import torch``.
Each child gets its own limits (memory above what it inherited, CPU seconds,
processes, a per-cell and per-call alarm), runs the cells, calls the functions
the judge asked for, and streams one JSON line per result back, so a child
killed halfway still leaves the results it had.  The harness never judges:
the judge (``grader_tests/``) builds the request and computes every reference
itself, outside, from the inputs it chose.

Student code shares the child's interpreter with the code that measures it, so
the child guards that code (``_Given``): everything the harness calls is bound
when this module is imported, the namespaces of the given code (builtins, torch,
json, os, every ``byhand`` and ``byhand_grader`` module, this module) are
snapshotted before the first student cell, and they are put back before every
call and right after every student function returns.  A call during which a
student function changed them is void.  Calls of the kinds in ``by_hand`` run
under an autograd watch (``_Watch``): a function that records a graph, runs
backward, turns grad mode on or uses a torch.func transform fails with that
evidence.  A by-hand gradient is also watched for numerical differentiation
(``_Steps``): one that evaluates a forward pass, or a loss of its own, at parameters
a small step from the given ones fails with that evidence.

Protocol (harness stdin/stdout): ``byhand_grader.frames``.  Request:
``{"cells": [{"label", "source"}], "calls": [{"id", "kind", "fn", ...}],
"call_kinds": [...], "by_hand": [...], "limits": {...}}``, where ``call_kinds``
are the kinds the assignment's description allows and ``by_hand`` those whose
functions must not use autograd (``failed_cells``, from the runner, says which cells
ended an earlier try and were skipped); reply: ``{"cells": [{"label", "error"}],
"calls": {id: {"ok", "value" | "error", "error_type", "missing", "cause"[, "autograd"]
[, "numerical"]}}, "flags": {"monkeypatch", "autograd", "numerical", "fork", "filesystem"},
"status", "reason", "output"}``.  A failed call says what went wrong as data:
``error_type`` (the exception's name, or ``AutogradUsed`` / ``NumericalDifferentiation``
/ ``Tampering``), ``missing`` (no such function), ``cause`` (the cell that failed to
define it), ``autograd`` and ``numerical`` (the evidence), so nobody downstream parses
the message.  ``flags`` records what the submission tried besides its answers
(``_Records``): ``monkeypatch`` (the given names it changed, e.g. ``torch.allclose``),
``autograd`` (the by-hand functions caught using it), ``numerical`` (the gradients
caught differentiating numerically), ``fork`` (process starts attempted, the most of any
one try) and ``filesystem``
(paths and glob patterns it looked at outside its working folder, /tmp and the code
it may read; the first ``MAX_PROBES``).  ``train_watch_every`` in the request sets how
much of a training run the autograd watch sees (``TRAIN_WATCH_EVERY``).
"""

import _thread
import array
import builtins
import json
import json.encoder
import math
import operator
import os
import pkgutil
import random
import signal
import sys
import threading
import time
import traceback
import types

import torch
import torch._functorch.predispatch
import torch.autograd.graph
import torch.nn.functional
from torch import nn
from torch.overrides import TorchFunctionMode, resolve_name

import byhand
import byhand.neuron
from byhand.contract import check_forward, check_param_dict
from byhand.explain import computes_xor, net_y_terms
from byhand.training import train
from byhand.xor import init_xor

#: Default limits for one submission's child (the judge may pass others).
CHILD_LIMITS = {
    "total_s": 90.0,                  # wall clock for the whole submission
    "cell_s": 20.0,                   # alarm for one cell
    "call_s": 20.0,                   # alarm for one call (a training run is one call)
    "cpu_s": 120,                     # RLIMIT_CPU of the child
    "memory_bytes": 1536 * 2**20,     # address space above what the child inherits
    "nproc": 32,                      # processes/threads above what the uid has
    "output_bytes": 64 * 2**10,       # student output kept for the report
}
#: In a training run the autograd watch sees every torch call of the first
#: ``TRAIN_WATCH_FIRST`` student calls and of one in ``TRAIN_WATCH_EVERY`` after
#: them, chosen at random (the request's ``train_watch_every`` may say 1: all);
#: its other layers see every step.  Watching every torch call costs about 2.3x
#: the training time.
TRAIN_WATCH_FIRST = 64
TRAIN_WATCH_EVERY = 16
#: At most this many filesystem probes are recorded per submission.
MAX_PROBES = 20


# --------------------------------------------------------------------------------------
# inside the child: run cells, perform calls


class _Alarm(BaseException):
    """Raised by SIGALRM; a BaseException so a student's ``except Exception`` can't eat it."""


def _on_alarm(signum, frame):
    raise _Alarm()


def _describe(err):
    """``Name: message`` with the student's own frames, never the harness's."""
    if isinstance(err, _Alarm):
        return "TimeoutError: took longer than the time limit"
    msg = str(err).strip().splitlines()
    if isinstance(err, MemoryError) or "can't allocate memory" in str(err):
        return "MemoryError: ran out of memory (the grader's limit)"
    line = ""
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<cell"):
            line = f" (in {tb.tb_frame.f_code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    text = f": {msg[0][:300]}" if msg else ""
    return f"{_type_name(err)}{text}{line}"


def _error_type(err):
    """What went wrong, as the grader reads it: the name ``_describe`` gives the error."""
    if isinstance(err, _Alarm):
        return "TimeoutError"
    try:
        out_of_memory = isinstance(err, MemoryError) or "can't allocate memory" in str(err)
    except BaseException:  # noqa: B036 - a student exception whose str() fails
        out_of_memory = False
    return "MemoryError" if out_of_memory else _type_name(err)


def _type_name(err):
    """The exception's class name as the interpreter knows it (no student property)."""
    name = type.__dict__["__name__"].__get__(type(err))
    return name if type(name) is str else "Exception"


def _describe_safely(err):
    """``_describe``, when a student exception's message itself fails or is not text."""
    try:
        text = _describe(err)
        return text if type(text) is str else _type_name(err)
    except BaseException:  # noqa: B036 - its __str__ is student code
        return f"{_type_name(err)} (its message could not be read)"


def _tensor(value):
    return torch.tensor(value, dtype=torch.float32)


def _plain(value, what):
    """A dict of tensors as a dict of lists; anything else is the student's contract error."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} returned {type(value).__name__}, not a dict")
    out = {}
    for k, v in value.items():
        if isinstance(v, torch.Tensor):
            out[str(k)] = v.detach().to(torch.float64).flatten().tolist()
            out[str(k) + ".shape"] = list(v.shape)
    return out


class _Missing(NameError):
    """The function a call names does not exist; ``cause`` says which cell failed, if one did."""

    def __init__(self, fn, failed_cells):
        self.cause = "; ".join(failed_cells) or None
        hint = "" if failed_cells else " (was it renamed or never defined?)"
        super().__init__(f"there is no function named '{fn}'{hint}")


def _call(call, ns, failed_cells, kinds, session):
    """Perform one call; ``session`` (a ``_Session``) guards the given code and watches autograd."""
    kind = call["kind"]
    if kinds is not None and kind not in kinds:
        raise ValueError(f"the assignment allows no call of kind {kind!r}")
    fn = ns.get(call["fn"])
    if not callable(fn):
        raise _Missing(call["fn"], failed_cells)
    params = {k: _tensor(v) for k, v in call.get("params", {}).items()}
    if kind in _MLP_KINDS:
        with session.watching(kind, call["fn"]):
            return _MLP_KINDS[kind](fn, call, session)
    if kind == "forward":
        with session.watching(kind, call["fn"]):
            out = fn(params, _tensor(call["x"]))
            session.returned()
            return _plain(check_forward(out, call["fn"]), call["fn"])
    if kind == "grads":
        with session.watching(kind, call["fn"]):
            out = fn(params, _tensor(call["x"]), _tensor(call["y"]))
            session.returned()
            return _plain(check_param_dict(out, params, call["fn"]), call["fn"])
    if kind == "update":
        grads = {k: _tensor(v) for k, v in call["grads"].items()}
        for k, v in params.items():   # decoys: an update that reads .grad gets these
            v.grad = torch.full_like(v, float(call.get("decoy", 1000.0)))
        before = {k: v.clone() for k, v in params.items()}
        with session.watching(kind, call["fn"]):
            out = fn(params, grads, call["alpha"])
            session.returned()
            check_param_dict(out, before, call["fn"])
            return _plain(out, call["fn"])
    if kind == "train":
        forward, grads_fn = ns.get(call["forward"]), fn
        if not callable(forward):
            raise _Missing(call["forward"], failed_cells)
        X = _tensor(call["X"])
        Y = _tensor(call["Y"]).reshape(-1, 1)
        gen = torch.Generator().manual_seed(int(call["seed"]))
        if not params:  # a run of seed s: parameters first, then the orders, from one stream
            params = init_xor(gen)
        with session.watching(kind, call["fn"]) as watch:
            result = train(watch.step(forward, call["forward"]), watch.step(grads_fn, call["fn"]),
                           _reference_update, params, X, Y,
                           alpha=call["alpha"], epochs=int(call["epochs"]), gen=gen,
                           errors_every=int(call.get("errors_every", 1)))
            session.returned()
            out = _plain(result.params, "training")
            out["yhat"] = result.yhat.detach().double().flatten().tolist()
            out["epoch_errors"] = [float(e) for e in result.epoch_errors]
            return out
    if kind == "explain":
        forward, update = ns.get(call["forward"]), ns.get(call["update"])
        if not callable(forward):
            raise _Missing(call["forward"], failed_cells)
        return _explain_call(forward, fn, update if callable(update) else None, call, session)
    raise ValueError(f"unknown call kind {kind!r}")


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
            result, own, note = _own_run(forward, grads_fn, update, int(start["seed"]), epochs,
                                         X, Y, call, session, note)
            if epochs < int(call["epochs"]) and _near(result.params, start["track"],
                                                       call["track_atol"]):
                tracked = epochs
                break
        params = {k: _tensor(v) for k, v in start["final"].items()} if tracked else result.params
        with session.watching("explain", call["forward"]):
            rows = net_y_terms(params, forward)
            session.returned()
        runs.append({"seed": int(start["seed"]), "rows": rows, "tracked": tracked,
                     "params": {k: v.detach().double().flatten().tolist()
                                for k, v in params.items()},
                     "epoch_errors": None if tracked else [float(e) for e in result.epoch_errors],
                     "update": "yours" if own else "the grader's"})
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
                result = train(forward, grads_fn, step, init_xor(gen), X, Y,
                               alpha=call["alpha"], epochs=epochs, gen=gen,
                               errors_every=int(call.get("errors_every", 1)))
                session.returned()
            return result, step is not _reference_update, note
        except Exception as err:  # noqa: BLE001 - their update failed: the grader's next
            session.returned()
            if step is _reference_update:
                raise
            note = f"{call['update']} failed ({_describe_safely(err)}); the grader's update was used"
    raise AssertionError("unreachable")


def _near(params, want, atol):
    """Are the parameters (tensors) within ``atol`` of ``want`` (lists), every one?"""
    try:
        return all(len(params[k].flatten()) == len(v) and all(
            abs(float(a) - float(b)) <= atol for a, b in zip(params[k].flatten().tolist(), v))
            for k, v in want.items())
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


# -- the xor_mlp extension: torch.nn models in, plain lists out ----------------------


def _build_mlp_call(fn, call, session):
    """``fn(hidden, init, bias, seed)``: its modules, parameters and outputs on ``call["X"]``."""
    model = fn(int(call["hidden"]), str(call["init"]), bool(call["bias"]), int(call["seed"]))
    session.returned()
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"{call['fn']} returned {_a_type(model)}, not an nn.Sequential")
    out = {"modules": [type(m).__name__ for m in model],
           "params": [{"name": name, "shape": list(p.shape), "dtype": str(p.dtype).replace("torch.", ""),
                       "values": p.detach().to(torch.float64).flatten().tolist()}
                      for name, p in model.named_parameters()]}
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
_LOSSES = {"mse": lambda nn: nn.MSELoss(), "sum_squared": lambda nn: nn.MSELoss(reduction="sum"),
           "smooth_l1": lambda nn: nn.SmoothL1Loss()}
#: The modules a ``train_full_batch`` call may ask the harness to build.
_MODULES = {"Linear": lambda nn, n_in, n_out, bias: nn.Linear(int(n_in), int(n_out), bias=bool(bias)),
            "Sigmoid": lambda nn: nn.Sigmoid()}


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
    out = {"returned": _a_type(returned), "losses": None, "float_entries": None,
           "state": {name: p.detach().to(torch.float64).flatten().tolist()
                     for name, p in model.named_parameters()}}
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
        out.update(shape=list(value.shape), dtype=str(value.dtype).replace("torch.", ""),
                   floating=value.is_floating_point(),
                   values=value.detach().to(torch.float64).flatten().tolist())
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


def _a_type(value):
    """``a list``, ``None``, ``a Tensor``: how a message names what came back."""
    if value is None:
        return "None"
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


_MLP_KINDS = {"build_mlp": _build_mlp_call, "train_full_batch": _train_full_batch_call,
              "noise_std": _noise_std_call}


def _reference_update(params, grads, alpha):
    """The update the harness trains with, so a Problem 2 slip doesn't sink Problem 4."""
    return {k: v - alpha * grads[k] for k, v in params.items()}


# -- the given code, guarded ----------------------------------------------------------

_ABSENT = object()
_FUNCTION = types.FunctionType
#: Names the interpreter itself adds to a module (a warning's registry), never tampering.
_ADDED_BY_PYTHON = frozenset({"__warningregistry__"})
#: Packages whose every loaded module is given code.
_GIVEN_PACKAGES = ("byhand", "byhand_grader")
#: Besides the given packages and the classes of ``_given_classes``, the modules whose
#: functions' code and defaults are checked too: the harness's own output goes through
#: them.  (Not every torch function: reading ``__code__`` is an audit event, and the
#: child's audit hook makes each such read cost a Python call.)
_CODE_CHECKED = frozenset({"json", "json.encoder"})


def _load_given():
    """Import every module of ``byhand``, so all of it is snapshotted (cheap: once)."""
    import importlib
    for module in pkgutil.iter_modules(byhand.__path__):
        importlib.import_module(f"byhand.{module.name}")


def _given_modules():
    """``[(label, module)]``: the namespaces the harness and the given code rely on.

    This module is labelled ``byhand_grader.harness`` also where it runs as ``__main__``
    (in the sandbox); a program that imports it keeps its own ``__main__`` unguarded."""
    own = sys.modules[__name__]
    named = [("byhand_grader.harness", own), ("builtins", builtins), ("torch", torch),
             ("torch.nn", nn), ("torch.nn.functional", torch.nn.functional),
             ("torch.autograd", torch.autograd),
             ("torch.autograd.graph", torch.autograd.graph), ("torch.overrides", torch.overrides),
             ("json", json), ("json.encoder", json.encoder), ("os", os), ("math", math),
             ("signal", signal)]
    ours = sorted((name, m) for name, m in list(sys.modules.items())
                  if name.split(".")[0] in _GIVEN_PACKAGES and isinstance(m, types.ModuleType)
                  and m is not own)
    return named + ours


def _given_classes():
    """``[(label, class)]`` outside the given packages whose methods the harness relies on."""
    return [("torch.Tensor", torch.Tensor), ("json.JSONEncoder", json.JSONEncoder),
            ("torch.nn.Module", nn.Module), ("torch.nn.Sequential", nn.Sequential),
            ("torch.nn.Linear", nn.Linear), ("torch.nn.Sigmoid", nn.Sigmoid),
            ("torch.nn.MSELoss", nn.MSELoss), ("torch.nn.SmoothL1Loss", nn.SmoothL1Loss),
            ("torch.overrides.TorchFunctionMode", TorchFunctionMode)]


_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep


def _torch_wrapper(new, old, type=type, function=_FUNCTION, torch_dir=_TORCH_DIR):
    """Is ``new`` torch's own wrapper of ``old``?  (Importing ``torch._dynamo``, as torch.func
    may, rebinds ``torch.manual_seed`` so; it calls the original.)  Put back all the same."""
    return type(new) is function and new.__dict__.get("__wrapped__") is old \
        and new.__code__.co_filename.startswith(torch_dir)


class _Space:
    """One namespace's names and values as snapshotted; ``changed`` checks at C speed."""

    __slots__ = ("label", "ns", "keys", "values", "put", "drop")

    def __init__(self, label, ns, put, drop):
        self.label, self.ns, self.put, self.drop = label, ns, put, drop
        self.keys, self.values = tuple(ns), tuple(ns.values())

    # The builtins the guard uses are bound as defaults: a student who rebinds
    # ``builtins.all`` must not blind the check that would put it back.
    def changed(self, len=len, all=all, map=map, _is=operator.is_):
        ns = self.ns
        return len(ns) != len(self.keys) or not all(map(_is, self.values, map(ns.get, self.keys)))

    def restore(self, changed, len=len, zip=zip, type=type, str=str, set=set,
                isinstance=isinstance, module=types.ModuleType, absent=_ABSENT,
                torch_wrapper=_torch_wrapper):
        """Put every snapshotted name back and drop added ones; append what had changed."""
        ns, label = self.ns, self.label
        for key, value in zip(self.keys, self.values):
            now = ns.get(key, absent)
            if now is not value:
                self.put(key, value)
                if not torch_wrapper(now, value):
                    changed.append(f"{label}.{key}")
        if len(ns) != len(self.keys):
            known = set(self.keys)
            for key in [k for k in ns if not (type(k) is str and k in known)]:
                value = ns[key]
                if type(key) is str and (key in _ADDED_BY_PYTHON or isinstance(value, module)):
                    # a submodule imported meanwhile: keep it, and guard it from now on
                    self.keys, self.values = self.keys + (key,), self.values + (value,)
                    continue
                self.drop(key)
                changed.append(f"{label}.{key if type(key) is str else '<odd name>'}")


class _Given:
    """The given code's namespaces as they were before the first student cell.

    ``restore()`` puts back every name a student rebound, added or deleted (module
    dicts, class dicts, the given packages' top-level dicts, functions' code and
    defaults, ``sys.modules``) and returns their labels, e.g. ``torch.allclose``.
    It compares by identity only, so it runs no student code, and in bulk, so it
    stays cheap (about 0.3 ms in the sandbox's child when nothing changed).
    """

    def __init__(self):
        _load_given()
        self.spaces, classes, seen, functions = [], [], set(), []
        modules = _given_modules()
        for label, module in modules:
            ns = module.__dict__
            self.spaces.append(_Space(label, ns, ns.__setitem__, ns.__delitem__))
            given = label.split(".")[0] in _GIVEN_PACKAGES
            for key, value in list(ns.items()):
                if type(key) is not str:
                    continue
                if given or label in _CODE_CHECKED:
                    functions.append((f"{label}.{key}", value))
                if not given:
                    continue
                if isinstance(value, type) and value.__module__ == module.__name__:
                    classes.append((f"{label}.{key}", value))
                elif type(value) is dict and key != "__builtins__" and id(value) not in seen:
                    seen.add(id(value))
                    self.spaces.append(_Space(f"{label}.{key}", value, value.__setitem__,
                                              value.__delitem__))
                    functions += [(f"{label}.{key}[{k!r}]", v) for k, v in value.items()]
        encoder = json._default_encoder.__dict__
        self.spaces.append(_Space("json._default_encoder", encoder, encoder.__setitem__,
                                  encoder.__delitem__))
        for label, cls in classes + _given_classes():
            if id(cls) not in seen:
                seen.add(id(cls))
                self.spaces.append(_Space(label, vars(cls), _setter(cls), _deleter(cls)))
                functions += [(f"{label}.{k}", getattr(v, "__func__", v))
                              for k, v in vars(cls).items()]
        seen = set()
        self.functions = [(label, fn) for label, fn in functions
                          if type(fn) is _FUNCTION and id(fn) not in seen and not seen.add(id(fn))]
        self.fns = tuple(fn for _, fn in self.functions)
        self.codes = tuple(fn.__code__ for fn in self.fns)
        self.defaults = tuple(fn.__defaults__ for fn in self.fns)
        self.kwdefaults = tuple(fn.__kwdefaults__ for fn in self.fns)
        # Defaults matter only where there are some (the harness passes every argument);
        # reading them is an audit event each, so only those are read on every check.
        self.with_defaults = tuple(f for f, d in zip(self.fns, self.defaults) if d is not None)
        self.their_defaults = tuple(d for d in self.defaults if d is not None)
        self.with_kwdefaults = tuple(f for f, d in zip(self.fns, self.kwdefaults) if d is not None)
        self.their_kwdefaults = tuple(d for d in self.kwdefaults if d is not None)
        given = {id(m) for _, m in modules}
        self.entries = tuple((name, m) for name, m in list(sys.modules.items()) if id(m) in given)
        self.entry_names = tuple(name for name, _ in self.entries)
        self.entry_modules = tuple(m for _, m in self.entries)
        self._flatten()

    def _flatten(self):
        """Every snapshotted name of every namespace in flat tuples, for one check in C."""
        self.flat = []
        for kind in (dict, types.MappingProxyType):
            group = [s for s in self.spaces if type(s.ns) is kind]
            self.flat.append((kind.get, tuple(s.ns for s in group for _ in s.keys),
                              tuple(k for s in group for k in s.keys),
                              tuple(v for s in group for v in s.values),
                              tuple(_ABSENT for s in group for _ in s.keys)))
        self.sizes = (tuple(s.ns for s in self.spaces), tuple(len(s.keys) for s in self.spaces))

    def restore(self, all=all, map=map, zip=zip, len=len, _is=operator.is_, _eq=operator.eq,
                modules=sys.modules):
        """Put everything back; the labels of what had changed, in a stable order."""
        changed = []
        namespaces, sizes = self.sizes
        if not (all(map(_eq, sizes, map(len, namespaces)))
                and all(all(map(_is, values, map(get, nss, keys, absent)))
                        for get, nss, keys, values, absent in self.flat)):
            for space in self.spaces:
                if space.changed():
                    space.restore(changed)
            self._flatten()
        fns = self.fns
        if not (all(map(_is, self.codes, map(_code, fns)))
                and all(map(_is, self.their_defaults, map(_defaults, self.with_defaults)))
                and all(map(_is, self.their_kwdefaults, map(_kwdefaults, self.with_kwdefaults)))):
            for (label, fn), code, defaults, kwdefaults in zip(self.functions, self.codes,
                                                               self.defaults, self.kwdefaults):
                if fn.__code__ is not code or fn.__defaults__ is not defaults \
                        or fn.__kwdefaults__ is not kwdefaults:
                    fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults
                    changed.append(f"{label} (its code)")
        if not all(map(_is, self.entry_modules, map(modules.get, self.entry_names))):
            for name, module in self.entries:
                if modules.get(name) is not module:
                    modules[name] = module
                    changed.append(f"sys.modules[{name!r}]")
        return changed


_code = operator.attrgetter("__code__")
_defaults = operator.attrgetter("__defaults__")
_kwdefaults = operator.attrgetter("__kwdefaults__")


def _setter(cls):
    return lambda key, value: type.__setattr__(cls, key, value)


def _deleter(cls):
    return lambda key: type.__delattr__(cls, key)


# -- the autograd watch ---------------------------------------------------------------

_grad_enabled = torch.is_grad_enabled
_SET_GRAD = torch._C._set_grad_enabled
_REQUIRES_GRAD_ = torch._C.TensorBase.requires_grad_
_REQUIRES_GRAD = torch._C.TensorBase.requires_grad
_METHOD_WRAPPER = type(_REQUIRES_GRAD.__set__)
_push_mode = torch._C._push_on_torch_function_stack
_pop_mode = torch._C._pop_torch_function_stack
_mode_depth = torch._C._len_torch_function_stack
_push_hooks = torch._C._autograd._push_saved_tensors_default_hooks
_pop_hooks = torch._C._autograd._pop_saved_tensors_default_hooks
_top_hooks = torch._C._autograd._top_saved_tensors_default_hooks
#: What the watch names when a by-hand function calls these (the strongest evidence).
_AUTOGRAD_API = {torch.Tensor.backward: "called Tensor.backward",
                 torch.autograd.grad: "called torch.autograd.grad",
                 torch.autograd.backward: "called torch.autograd.backward",
                 torch._make_dual: "used forward-mode autograd (make_dual)",
                 torch._unpack_dual: "used forward-mode autograd (unpack_dual)"}
#: Functions the watch wraps for the whole submission: they see autograd from any thread.
_ENTRY_POINTS = ((torch.autograd, "_engine_run_backward", "ran autograd's backward pass"),
                 (torch.autograd.graph, "_engine_run_backward", "ran autograd's backward pass"),
                 (torch, "_make_dual", "used forward-mode autograd (make_dual)"),
                 (torch._functorch.predispatch, "_make_dual",
                  "used forward-mode autograd (make_dual)"))
_REFUSED = "don't yet support saved tensor hooks"


class _Watch(TorchFunctionMode):
    """Evidence that a by-hand function used autograd, gathered while it runs.

    Three layers, each enough on its own for the usual cheats: this mode sees every
    torch call (grad mode on, although the harness calls under ``no_grad``;
    ``Tensor.backward``, ``torch.autograd.grad``, ``requires_grad_``, forward-mode
    duals); saved-tensor hooks see a graph being recorded, and make torch.func
    transforms refuse to run, which is itself evidence; wrappers around autograd's
    engine and ``make_dual`` see backward and forward passes from any thread.
    ``evidence()`` is the strongest finding of the current call, a short phrase.
    """

    def __init__(self, every):
        super().__init__()
        self.every = max(int(every), 1)
        self.rng = random.Random(os.urandom(16))
        self.on, self.fn, self.found, self.grad_on, self.steps = False, None, None, False, 0
        self.numeric = None   #: a ``_Steps`` during a by-hand gradient call, else None
        self.originals = []

    # -- per call
    def begin(self, fn):
        self.on, self.fn, self.found, self.grad_on, self.steps = True, fn, None, False, 0

    def end(self):
        self.on = False

    def evidence(self):
        """``(function, phrase)`` of the strongest finding, or None."""
        if self.found is None:
            return None
        _, text, fn = self.found
        if self.grad_on and "grad mode" not in text:
            text += " with grad mode on"
        return fn, text

    def note(self, rank, text):
        if self.on and (self.found is None or rank < self.found[0]):
            self.found = (rank, text, self.fn)

    # -- layer 1: every torch call
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        try:
            if self.numeric is not None and func in _ACTIVATIONS:
                self.numeric.saw(func, args, kwargs)
            if _grad_enabled() or func in _AUTOGRAD_API or "requires_grad" in kwargs \
                    or func is _SET_GRAD or func is _REQUIRES_GRAD_ \
                    or type(func) is _METHOD_WRAPPER and func.__name__ == "__set__":
                self._saw(func, args, kwargs)
        except Exception:  # noqa: S110 - a finding we cannot name is no reason to fail the call
            pass
        return func(*args, **kwargs)

    def _saw(self, func, args, kwargs):
        on = _grad_enabled()
        self.grad_on |= on
        if func is _SET_GRAD:
            if args and args[0] is True:
                self.grad_on = True
                self.note(1, "turned grad mode on")
        elif func in _AUTOGRAD_API:
            self.note(0, _AUTOGRAD_API[func])
        elif func is _REQUIRES_GRAD_:
            if (args[1] if len(args) > 1 else kwargs.get("requires_grad", True)) is True:
                self.note(1, "called Tensor.requires_grad_")
        elif type(func) is _METHOD_WRAPPER:
            if func.__self__ is _REQUIRES_GRAD and func.__name__ == "__set__" \
                    and len(args) > 1 and args[1] is True:
                self.note(1, "set requires_grad = True")
        elif kwargs.get("requires_grad") is True:
            self.note(1, f"called {_name(func)} with requires_grad=True")
        elif on:
            self.note(3, f"called {_name(func)}")

    # -- layer 2: saved-tensor hooks
    def pack(self, tensor):
        self.note(2, "recorded an autograd graph")
        return tensor

    @staticmethod
    def unpack(tensor):
        return tensor

    # -- layer 3: autograd's entry points, for the whole submission
    def patch(self):
        """Wrap the entry points (before the snapshot, so restoring keeps the wrappers)."""
        for owner, name, text in _ENTRY_POINTS:
            original = getattr(owner, name)
            setattr(owner, name, self._entry(original, text))
            self.originals.append((owner, name, original))

    def unpatch(self):
        for owner, name, original in reversed(self.originals):
            setattr(owner, name, original)
        self.originals = []

    def _entry(self, original, text):
        def entry(*args, **kwargs):
            self.note(0, text)
            return original(*args, **kwargs)
        entry.__wrapped__ = original
        return entry

    # -- training runs: the student's functions, watched step by step
    def step(self, fn, name, sampled):
        """``fn`` as the trainer calls it: attributed to ``name``; under this mode on the
        first ``TRAIN_WATCH_FIRST`` calls and on one in ``every`` after, when ``sampled``."""
        watch = self

        def run(*args):
            watch.fn = name
            if not sampled:
                return fn(*args)
            watch.steps += 1
            if watch.steps > TRAIN_WATCH_FIRST and watch.rng.random() * watch.every >= 1:
                return fn(*args)
            depth = _mode_depth()
            _push_mode(watch)
            try:
                return fn(*args)
            finally:
                watch._unwind(depth)
        run.__name__ = run.__qualname__ = name
        return run

    def _unwind(self, depth):
        """Pop this mode (pushed at ``depth``) and anything a student left above it."""
        if _mode_depth() != depth + 1 or torch._C._get_function_stack_at(depth) is not self:
            self.note(1, "took the grader's autograd watch off")
        while _mode_depth() > depth:
            _pop_mode()


def _name(func):
    """``torch.Tensor.mul``: a torch function as people write it."""
    try:
        return resolve_name(func) or getattr(func, "__qualname__", None) or repr(func)
    except Exception:
        return "a torch function"


def _refused_hooks(err):
    """Did a torch.func transform refuse to run under the watch's saved-tensor hooks?"""
    for _ in range(8):
        if err is None:
            return False
        if isinstance(err, RuntimeError) \
                and any(type(a) is str and _REFUSED in a for a in err.args):
            return True
        err = err.__cause__ or err.__context__
    return False


class _Watching:
    """A call's context: ``no_grad`` for the Part B kinds, the watch when by hand, and
    ``numeric`` (a ``_Steps``) for a by-hand gradient: the watch hands it the activations'
    arguments, and a profile hook the forward passes' calls, while the function runs."""

    def __init__(self, watch, by_hand, no_grad, fn, sampled, numeric=None):
        self.watch, self.by_hand, self.fn, self.sampled = watch, by_hand, fn, sampled
        self.no_grad = torch.no_grad() if no_grad else None
        self.numeric = numeric if by_hand else None

    def __enter__(self):
        if self.no_grad is not None:
            self.no_grad.__enter__()
        if self.by_hand:
            self.watch.begin(self.fn)
            if not torch._C._autograd._saved_tensors_hooks_is_enabled():   # a student's doing
                torch._C._autograd._saved_tensors_hooks_enable()
            self.pack = self.watch.pack
            _push_hooks(self.pack, self.watch.unpack)
            self.depth = _mode_depth()
            if not self.sampled:
                _push_mode(self.watch)
            if self.numeric is not None:
                self.watch.numeric = self.numeric
                self.profile = _getprofile()
                _setprofile(self.numeric.profile)
        return self

    def step(self, fn, name):
        return self.watch.step(fn, name, self.sampled) if self.by_hand else fn

    def __exit__(self, kind, err, tb):
        if self.numeric is not None:
            _setprofile(self.profile)
            self.watch.numeric = None
        if self.by_hand:
            watch = self.watch
            if err is not None and _refused_hooks(err):
                watch.note(0, "used a torch.func transform")
            if self.sampled:
                while _mode_depth() > self.depth:
                    _pop_mode()
            else:
                watch._unwind(self.depth)
            if self.no_grad is not None and _grad_enabled():
                watch.note(1, "left grad mode on")
            top = _top_hooks(False)
            if top is None or top[0] is not self.pack:
                watch.note(1, "took the grader's saved-tensor hooks off")
            for _ in range(64):   # pop ours, and any a student left above them
                if top is None:
                    break
                _pop_hooks()
                if top[0] is self.pack:
                    break
                top = _top_hooks(False)
            watch.end()
        if self.no_grad is not None:
            self.no_grad.__exit__(None, None, None)
        return False


# -- numerical differentiation ----------------------------------------------------------

#: The activations whose arguments the watch records during a by-hand gradient call: every
#: forward pass of the course evaluates one of them, so a loss evaluated at perturbed
#: parameters shows as their arguments a small step apart.  (``torch.nn.functional``'s
#: sigmoid and tanh, and ``nn.Sigmoid``/``nn.Tanh``, arrive as one of these.)
_ACTIVATIONS = frozenset({torch.sigmoid, torch.sigmoid_, torch.special.expit, torch.tanh,
                          torch.tanh_, torch.exp, torch.exp_, torch.Tensor.sigmoid,
                          torch.Tensor.sigmoid_, torch.Tensor.tanh, torch.Tensor.tanh_,
                          torch.Tensor.exp, torch.Tensor.exp_})
#: The given forward passes (``byhand.neuron``) whose parameters the watch compares with
#: the call's: the student's own forward pass is added per call (``_Session.forwards``).
_GIVEN_FORWARDS = ("neuron_forward", "logistic_forward", "tanh_forward")
#: Two evaluations closer than this many machine epsilons (of the coarser dtype), relative
#: to ``1 + |a|``, are the same point: recomputing a forward pass in another order or in
#: float64 differs from float32 by a few ulps of the sums' terms (at most 28 here), never
#: by this much; a step of a finite difference in float32 (1e-4 and up) is larger.
ROUNDING_EPS = 64
#: A step is small when it is at most this, relative to ``1 + |a|``: the steps of a finite
#: difference (1e-2 and below, times an input of at most 2) are; two different units'
#: pre-activations rarely are, and never three at once (``_Steps.triple``).
SMALL_STEP = 0.1
#: ``b = c a`` for one of these ``c`` (within rounding) is an algebraic rewrite of the same
#: point, never a step: sigmoid(-z), exp(-z), tanh(z) = 2 sigmoid(2z) - 1, exp(-2z),
#: sigmoid(z) = (1 + tanh(z / 2)) / 2.  (Near z = 0 these points are also a small step
#: apart: without them, sigmoid(z), sigmoid(-z) and sigmoid(2z) would look like one.)
_REWRITES = (-1.0, 2.0, -2.0, 0.5, -0.5, 4.0, -4.0, 0.25, -0.25)
#: At most this many activation arguments (elements) are kept per call, and this many of
#: one tensor: a finite difference shows in its first few evaluations, and the search for
#: three nearby points stays within milliseconds (``_Steps.triple``).
MAX_POINTS = 1024
MAX_POINTS_PER_TENSOR = 256
#: Machine epsilon per floating dtype (others are not recorded).
_EPS = {dtype: torch.finfo(dtype).eps for dtype in
        (torch.float16, torch.bfloat16, torch.float32, torch.float64)}
_NO_TORCH_FUNCTION = torch._C.DisableTorchFunction
_TENSOR = torch.Tensor
_tolist = torch._C.TensorBase.tolist
_detach = torch._C.TensorBase.detach
_reshape = torch._C.TensorBase.reshape
_numel = torch._C.TensorBase.numel
_narrow = torch._C.TensorBase.narrow
_dtype = torch._C.TensorBase.dtype.__get__
_setprofile, _getprofile = sys.setprofile, sys.getprofile


def _values(tensor, cap, isinstance=isinstance):
    """``(floats, eps)``: a floating tensor's first ``cap`` elements and its dtype's epsilon,
    read without running any ``__torch_function__`` (a student's subclass, this watch);
    None for anything else.  (Builtins are bound as defaults, as in ``_Space``: this runs
    while the student's function does.)"""
    if not isinstance(tensor, _TENSOR):
        return None
    with _NO_TORCH_FUNCTION():
        eps = _EPS.get(_dtype(tensor))
        if eps is None:
            return None
        flat = _reshape(_detach(tensor), (-1,))
        if _numel(flat) > cap:
            flat = _narrow(flat, 0, 0, cap)
        return _tolist(flat), eps


class _Steps:
    """Evidence that a by-hand gradient differentiates numerically, gathered while it runs.

    A finite difference, ``(E(p + h e_i) - E(p)) / h``, evaluates the network at
    parameters a small step from the given ones.  Two signs of it are kept, both data:

    * a forward pass (the given ones, ``_GIVEN_FORWARDS``, and the student's own, named
      by the request's training call for the same gradient) called with parameters that
      differ from the call's, beyond rounding, by at most ``SMALL_STEP`` (``moved``): a
      correct answer calls it with the given parameters, unchanged, once or more;
    * three activation arguments (``_ACTIVATIONS``) a small step apart, beyond rounding
      and not algebraic rewrites of each other (``triple``): a hand-written loss evaluated
      at ``p`` and at two perturbed parameters.  A correct answer evaluates each unit at
      one point (sigmoid(-z), exp(-z), tanh via sigmoid(2z) are rewrites of it), and a
      network of this course has at most two units, so three nearby points do not arise.
    """

    def __init__(self, params, forwards):
        #: the call's parameters as the function gets them (float32, as ``_tensor`` makes them)
        self.given = {k: array.array("f", v).tolist() for k, v in params.items()}
        self.forwards = forwards      #: code object -> the forward pass's name
        self.points = []              #: (value, eps, activation) per recorded element
        self.moved = None             #: (forward's name, parameter, step): the first seen

    # -- the activations, from the watch's ``__torch_function__``
    def saw(self, func, args, kwargs, len=len, min=min):
        room = MAX_POINTS - len(self.points)
        if room <= 0:
            return
        got = _values(args[0] if args else kwargs.get("input"), min(room, MAX_POINTS_PER_TENSOR))
        if got is not None:
            values, eps = got
            self.points += [(v, eps, func) for v in values]

    # -- the forward passes, from ``sys.setprofile``
    def profile(self, frame, event, arg):
        if event != "call" or self.moved is not None:
            return
        name = self.forwards.get(frame.f_code)
        if name is None:
            return
        try:
            code = frame.f_code
            if code.co_argcount:
                params = frame.f_locals.get(code.co_varnames[0])
                step = self._step(params)
                if step is not None:
                    self.moved = (name, *step)
        except Exception:  # noqa: S110 - parameters we cannot read are no evidence
            pass

    def _step(self, params, isinstance=isinstance, len=len, abs=abs, zip=zip):
        """``(parameter, step)`` when ``params`` are the given ones moved by a small step."""
        if not isinstance(params, dict):
            return None
        largest = None
        for key, want in self.given.items():
            got = _values(dict.get(params, key), MAX_POINTS_PER_TENSOR)
            if got is None or len(got[0]) != len(want):
                continue
            values, eps = got
            for v, w in zip(values, want):
                d = abs(v - w)
                if not d <= SMALL_STEP * (1 + abs(w)):
                    return None           # other parameters (or NaN), not a step from these
                if d > eps * abs(w) and (largest is None or d > largest[1]):
                    largest = (key, d)
        return largest

    # -- the finding
    def triple(self):
        """``(activation, step)`` when three recorded arguments lie a small step apart."""
        points = sorted((p for p in self.points if math.isfinite(p[0])), key=lambda p: p[0])
        distinct = []                  # one per point, up to rounding
        for v, eps, func in points:
            if distinct and v - distinct[-1][0] <= ROUNDING_EPS * max(eps, distinct[-1][1]) \
                    * (1 + abs(distinct[-1][0])):
                continue
            distinct.append((v, eps, func))
        for i, (a, ea, func) in enumerate(distinct):
            window = []
            for b, eb, _ in distinct[i + 1:i + 17]:
                if b - a > SMALL_STEP * (1 + abs(a)):
                    break
                if not _rewrite(a, b, max(ea, eb)):
                    window.append((b, eb))
            for j, (b, eb) in enumerate(window):
                for c, ec in window[j + 1:]:
                    if not _rewrite(b, c, max(eb, ec)):
                        return func, min(b - a, c - b)
        return None

    def evidence(self):
        """A short phrase naming the finding, or None."""
        if self.moved is not None:
            name, key, step = self.moved
            return (f"called {name} at parameters moved by a small step from the given ones "
                    f"('{key}' by about {step:.0e})")
        found = self.triple()
        if found is not None:
            func, step = found
            return (f"evaluated {_name(func)} at nearby points, a small step apart "
                    f"(about {step:.0e})")
        return None


def _rewrite(a, b, eps):
    """Is ``b`` one of ``a``'s algebraic rewrites (``_REWRITES``), up to rounding?"""
    tol = ROUNDING_EPS * eps * (1 + max(abs(a), abs(b)))
    return any(abs(b - c * a) <= tol or abs(a - c * b) <= tol for c in _REWRITES)


# -- what a submission tried besides its answers ---------------------------------------

#: Audit events that touch the filesystem, and which of their arguments are paths.
_PATH_EVENTS = {"open": (0,), "os.listdir": (0,), "os.scandir": (0,), "os.walk": (0,),
                "os.fwalk": (0,), "os.chdir": (0,), "os.mkdir": (0,), "os.remove": (0,),
                "os.rmdir": (0,), "os.rename": (0, 1), "os.symlink": (0, 1), "os.link": (0, 1),
                "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
                "os.listxattr": (0,), "os.getxattr": (0,), "shutil.copyfile": (0, 1),
                "shutil.copytree": (0, 1), "shutil.rmtree": (0,), "shutil.move": (0, 1),
                "shutil.unpack_archive": (0, 1)}
#: Audit events that start a process (``os.fork`` is counted by the fork hook instead).
_SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec",
                           "os.spawn", "os.forkpty"})
_GLOB_EVENTS = frozenset({"glob.glob/2", "pathlib.Path.glob", "pathlib.Path.rglob"})
_AUDITED = frozenset(_PATH_EVENTS) | _SPAWN_EVENTS | _GLOB_EVENTS


class _Records:
    """What a submission did besides its answers: the reply's ``flags``.

    Each finding is emitted as its own line when it is first seen
    (``{"flag": "monkeypatch", "names": [...]}``, ``{"flag": "autograd", "fn", "evidence"}``,
    ``{"flag": "numerical", "fn", "evidence"}``, ``{"flag": "fork", "count"}``,
    ``{"flag": "filesystem", "path"}``), so a child
    killed halfway keeps what it had.
    """

    def __init__(self, emit):
        self.emit = emit
        self.monkeypatch, self.autograd, self.filesystem = [], [], []
        self.numerical = []
        self.forks = self.forks_sent = 0
        self.allowed, self.exact = (), frozenset()
        self.busy = False

    def changed(self, names):
        new = [n for n in dict.fromkeys(names) if n not in self.monkeypatch]
        if new:
            self.monkeypatch += new
            self.emit({"flag": "monkeypatch", "names": new})

    def used_autograd(self, fn, evidence):
        if fn not in self.autograd:
            self.autograd.append(fn)
            self.emit({"flag": "autograd", "fn": fn, "evidence": evidence})

    def used_numerical(self, fn, evidence):
        if fn not in self.numerical:
            self.numerical.append(fn)
            self.emit({"flag": "numerical", "fn": fn, "evidence": evidence})

    def forked(self):
        """The fork hook: counted always, sent at 1, 2, 4, 8, ... and at every ``flush``."""
        self.forks += 1
        if self.forks & (self.forks - 1) == 0:
            self.flush()

    def flush(self):
        if self.forks != self.forks_sent:
            self.forks_sent = self.forks
            self.emit({"flag": "fork", "count": self.forks})

    def watch_files(self):
        """Allow what the harness and Python read themselves; report the rest (``audit``)."""
        import tempfile
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.getcwd(), "/tmp",
                 tempfile.gettempdir(), "/usr", "/etc", "/proc/self", "/proc/thread-self",
                 f"/proc/{os.getpid()}", "/dev", "/sys"}
        roots |= {os.path.dirname(os.path.abspath(m.__file__))
                  for m in (byhand, sys.modules["byhand_grader"])}
        if "matplotlib" in sys.modules:
            import matplotlib
            roots |= {matplotlib.get_configdir(), matplotlib.get_cachedir()}
        roots |= {os.path.realpath(r) for r in roots}
        self.allowed = tuple(sorted(r.rstrip("/") + "/" for r in roots if r and r != "/"))
        self.exact = frozenset(os.path.abspath(p) for p in sys.path if p) \
            | {r.rstrip("/") for r in self.allowed}
        _AUDIT.records = self
        if not _AUDIT.installed:
            sys.addaudithook(_AUDIT.hook)
            _AUDIT.installed = True

    def audit(self, event, args):
        if self.busy:
            return
        self.busy = True
        try:
            if event in _SPAWN_EVENTS:
                self.forked()
            elif event in _GLOB_EVENTS:
                if event == "glob.glob/2":
                    root = args[2]
                    self.probed(os.path.join(os.fsdecode(root), os.fsdecode(args[0]))
                                if root is not None else args[0])
                else:
                    self.probed(os.path.join(os.fspath(args[0]), os.fsdecode(args[1])))
            else:
                for n in _PATH_EVENTS[event]:
                    if n < len(args):
                        self.probed(args[n])
        except Exception:  # noqa: S110 - a path we cannot read is not worth a failure
            pass
        finally:
            self.busy = False

    def probed(self, path):
        if path is None or isinstance(path, int) or len(self.filesystem) >= MAX_PROBES:
            return
        path = os.path.abspath(os.fsdecode(path))
        if path in self.exact or path.startswith(self.allowed) or path in self.filesystem:
            return
        self.filesystem.append(path)
        self.emit({"flag": "filesystem", "path": path})


class _AuditHook:
    """The process's one audit hook (hooks cannot be removed): ``hook`` reports to ``records``.

    A plain function, not a method: the interpreter calls it on every audit event (every
    read of a function's ``__code__`` is one), so its cost counts.
    """

    def __init__(self):
        self.records, self.installed = None, False

        def hook(event, args, audited=_AUDITED, target=self):
            if event in audited:
                records = target.records
                if records is not None:
                    records.audit(event, args)
        self.hook = hook


_AUDIT = _AuditHook()


def no_flags():
    """The reply's ``flags`` when nothing was recorded."""
    return {"monkeypatch": [], "autograd": [], "numerical": [], "fork": 0, "filesystem": []}


def add_flag(flags, item):
    """Fold one emitted ``{"flag": ...}`` line into ``flags``."""
    kind = item.get("flag")
    if kind == "monkeypatch":
        _extend(flags["monkeypatch"], item.get("names"))
    elif kind in ("autograd", "numerical"):
        _extend(flags.setdefault(kind, []), [item.get("fn")])
    elif kind == "fork" and isinstance(item.get("count"), int):
        flags["fork"] = max(flags["fork"], item["count"])
    elif kind == "filesystem":
        _extend(flags["filesystem"], [item.get("path")], MAX_PROBES)
    return flags


def merge_flags(flags, more):
    """``flags`` with another try's ``more`` folded in (lists joined, the larger fork count)."""
    flags = flags or no_flags()
    more = more or {}
    _extend(flags["monkeypatch"], more.get("monkeypatch"))
    _extend(flags["autograd"], more.get("autograd"))
    _extend(flags.setdefault("numerical", []), more.get("numerical"))
    _extend(flags["filesystem"], more.get("filesystem"), MAX_PROBES)
    if isinstance(more.get("fork"), int):
        flags["fork"] = max(flags["fork"], more["fork"])
    return flags


def _extend(into, names, cap=None):
    for name in names if isinstance(names, list) else []:
        if isinstance(name, str) and name not in into and (cap is None or len(into) < cap):
            into.append(name)


# -- one submission --------------------------------------------------------------------

#: The Part B kinds, which the harness calls under ``no_grad``.
_NO_GRAD_KINDS = frozenset({"forward", "grads", "update", "train", "explain"})


class _Session:
    """One submission's guards: the given code's snapshot, the autograd watch, the records."""

    def __init__(self, request, records):
        self.by_hand = frozenset(request.get("by_hand") or ())
        self.records = records
        self.watch = _Watch(request.get("train_watch_every", TRAIN_WATCH_EVERY))
        self.watch.patch()
        try:
            records.watch_files()
            self.given = _Given()   # last: the watch's wrappers are part of what it keeps
        except BaseException:
            self.watch.unpatch()
            raise
        self.during = []
        #: the given forward passes' code, and each gradient's own forward pass by name (as
        #: the request's training calls pair them), for ``_Steps``
        self.given_forwards = {getattr(byhand.neuron, name).__code__: name
                               for name in _GIVEN_FORWARDS}
        self.forwards = {c["fn"]: c["forward"] for c in request.get("calls") or ()
                         if isinstance(c, dict) and c.get("kind") in ("train", "explain")
                         and isinstance(c.get("fn"), str) and isinstance(c.get("forward"), str)}
        self.numeric = None

    def watching(self, kind, fn):
        """The context a call of ``kind`` runs its student function in (``_Watching``)."""
        return _Watching(self.watch, kind in self.by_hand, kind in _NO_GRAD_KINDS, fn,
                         sampled=kind == "train" and self.watch.every > 1,
                         numeric=self.numeric if kind == "grads" else None)

    def _steps(self, call, ns):
        """A ``_Steps`` for a by-hand gradient call, else None."""
        if call.get("kind") != "grads" or "grads" not in self.by_hand:
            return None
        codes = dict(self.given_forwards)
        name = self.forwards.get(call.get("fn"))
        own = ns.get(name) if name else None
        if type(own) is _FUNCTION:
            codes[own.__code__] = name
        return _Steps(call.get("params", {}), codes)

    def returned(self):
        """A student function returned: put the given code back, keep what had changed."""
        self.during += self.given.restore()

    def perform(self, call, ns, failed, kinds, limits):
        """One call's reply line: its value, or why it failed, void if the given code changed."""
        self.during = []
        self.watch.found = None
        self.numeric = self._steps(call, ns)
        try:
            signal.setitimer(signal.ITIMER_REAL, limits["call_s"])
            try:
                value = _call(call, ns, failed, kinds, self)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            entry = {"call": call["id"], "ok": True, "value": value}
        except BaseException as err:  # noqa: B036 - student code may raise anything
            self.returned()
            entry = {"call": call["id"], "ok": False, "error": _describe_safely(err),
                     "error_type": _error_type(err),
                     "missing": isinstance(err, _Missing),
                     "cause": err.cause if isinstance(err, _Missing) else None}
        self.returned()
        numerical = self.numeric.evidence() if self.numeric is not None else None
        self.numeric = None
        if numerical:
            self.records.used_numerical(call["fn"], numerical)
            entry = {"call": call["id"], "ok": False,
                     "error": f"NumericalDifferentiation: {call['fn']} {numerical}; the "
                              "homework asks for the closed form by hand",
                     "error_type": "NumericalDifferentiation", "missing": False, "cause": None,
                     "numerical": numerical}
        found = self.watch.evidence() if call.get("kind") in self.by_hand else None
        if found:
            fn, evidence = found
            if fn != call["fn"]:
                evidence += f" in {fn}"
            self.records.used_autograd(fn, evidence)
            entry = {"call": call["id"], "ok": False,
                     "error": f"AutogradUsed: {call['fn']} {evidence}; the homework asks for "
                              "the closed form by hand",
                     "error_type": "AutogradUsed", "missing": False, "cause": None,
                     "autograd": evidence, **_evidence(entry, "numerical")}
        changed = list(dict.fromkeys(self.during))
        if changed:
            self.records.changed(changed)
            shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more"
                                              if len(changed) > 8 else "")
            entry = {"call": call["id"], "ok": False, "error": f"changed the given code: {shown}",
                     "error_type": "Tampering", "missing": False, "cause": None,
                     **_evidence(entry, "autograd", "numerical")}
        return entry

    def close(self):
        """Put the given code back for good and take the watch's wrappers off."""
        changed = self.given.restore()
        self.watch.unpatch()
        if _AUDIT.records is self.records:
            _AUDIT.records = None
        return changed


def _evidence(entry, *keys):
    """The evidence fields (``autograd``, ``numerical``) an entry carries, to keep them."""
    return {k: entry[k] for k in keys if k in entry}


def run_request(request, emit, records=None):
    """Execute cells then calls, emitting one dict per result (``emit`` writes it).

    ``records`` (``_Records``) gathers the flags; the child passes its own, which its
    fork hook counts into.
    """
    import matplotlib
    matplotlib.use("Agg")
    limits = {**CHILD_LIMITS, **request.get("limits", {})}
    records = records or _Records(emit)
    session = _Session(request, records)
    ns = {"__name__": "__main__"}
    failed = list(request.get("failed_cells", []))   # cells that ended an earlier try
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        for n, cell in enumerate(request.get("cells", [])):
            error = error_type = None
            try:
                code = compile(cell["source"], f"<cell {n}>", "exec")
                signal.setitimer(signal.ITIMER_REAL, limits["cell_s"])
                try:
                    exec(code, ns)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except BaseException as err:  # noqa: B036 - student code may raise anything
                records.changed(session.given.restore())
                if isinstance(err, (KeyboardInterrupt,)):
                    raise
                error = _describe_safely(err)
                error_type = _error_type(err)
                failed.append(f"{cell['label']} raised {error}")
            records.changed(session.given.restore())
            emit({"cell": cell["label"], "error": error, "error_type": error_type})
            records.flush()
        kinds = request.get("call_kinds")
        for call in request.get("calls", []):
            # The given code was put back after the last cell or call and nothing ran
            # since, unless a thread the student started did: then put it back again.
            if _thread._count():
                records.changed(session.given.restore())
            emit(session.perform(call, ns, failed, kinds, limits))
            records.flush()
    finally:
        records.changed(session.close())
        records.flush()


# --------------------------------------------------------------------------------------
# the long-lived harness process: fork one child per request


def _undumpable():
    """Forbid same-uid processes (a student's child) to ptrace us or open our fds."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


def _vm_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class _Drain(threading.Thread):
    """Read a pipe to the end, keeping at most ``cap`` bytes."""

    def __init__(self, fd, cap):
        super().__init__(daemon=True)
        self.fd, self.cap, self.data, self.dropped = fd, cap, bytearray(), 0

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            room = self.cap - len(self.data)
            self.data += chunk[:max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)
        os.close(self.fd)


def _kill_strays(keep):
    """Kill every process in our pid namespace but ``keep`` (students' orphans, fork bombs)."""
    me = os.getpid()
    for _ in range(3):
        found = False
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) not in keep and int(pid) != me:
                try:
                    if os.stat(f"/proc/{pid}").st_uid == os.getuid():
                        os.kill(int(pid), signal.SIGKILL)
                        found = True
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.05)


def _child(request, result_w, out_w, limits, base_vm, base_nproc):
    import resource
    os.setsid()
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    os.close(out_w)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    resource.setrlimit(resource.RLIMIT_AS, (base_vm + limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"] + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (base_nproc + limits["nproc"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    results = os.fdopen(result_w, "w", buffering=1)
    dumps = json.dumps

    def emit(obj):
        results.write(dumps(obj) + "\n")
        results.flush()

    records = _Records(emit)
    # A Python-level fork in student code gives a child that leaves at once:
    # nothing in this course needs one, and a fork bomb then goes nowhere.
    # Each attempt is counted (``flags.fork``).
    os.register_at_fork(before=records.forked, after_in_child=lambda: os._exit(0))
    run_request(request, emit, records)
    emit({"done": True})
    results.close()
    os._exit(0)


def serve_one(request, keep):
    """Fork a child for one request, wait within the limits, and collect its results."""
    limits = {**CHILD_LIMITS, **request.get("limits", {})}
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    from byhand_grader.sandbox import user_tasks
    base_vm, base_nproc = _vm_bytes(), user_tasks(os.getuid())
    pid = os.fork()
    if pid == 0:
        try:
            os.close(result_r)
            os.close(out_r)
            os.close(0)
            os.closerange(3, result_w)
            _child(request, result_w, out_w, limits, base_vm, base_nproc)
        finally:
            os._exit(70)
    os.close(result_w)
    os.close(out_w)
    results, output = _Drain(result_r, 16 * 2**20), _Drain(out_r, limits["output_bytes"])
    results.start()
    output.start()
    deadline = time.monotonic() + limits["total_s"]
    status, timed_out = None, False
    while status is None:
        done, status_word = os.waitpid(pid, os.WNOHANG)
        if done:
            status = status_word
        elif time.monotonic() > deadline:
            timed_out = True
            os.killpg(pid, signal.SIGKILL)
        else:
            time.sleep(0.01)
    _kill_strays(keep)
    _wipe(os.getcwd())
    _wipe("/tmp")
    results.join(5)
    output.join(5)
    items = []
    for line in bytes(results.data).decode("utf-8", "replace").splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            continue
    reply, finished = reply_from(items)
    reply["status"], reply["reason"], limit = _status(status, timed_out, limits, output.dropped)
    reply["limits"] = [limit] if limit else []
    if reply["status"] == "ok" and not finished:
        reply["status"] = "exited"
        reply["reason"] = "exit status 0, e.g. os._exit"
    reply["output"] = bytes(output.data).decode("utf-8", "replace")
    return reply


def reply_from(items):
    """``(reply, finished)`` from the child's lines: cells, calls and flags, and whether it
    got to the end (``{"done": true}``)."""
    reply = {"cells": [], "calls": {}, "flags": no_flags()}
    finished = False
    for item in items:
        if not isinstance(item, dict):
            continue
        if "cell" in item:
            reply["cells"].append({"label": item["cell"], "error": item.get("error"),
                                   "error_type": item.get("error_type")})
        elif "call" in item:
            reply["calls"][item["call"]] = {k: v for k, v in item.items() if k != "call"}
        elif "flag" in item:
            add_flag(reply["flags"], item)
        elif item.get("done"):
            finished = True
    return reply, finished


def _wipe(folder):
    """Empty a folder the child could write, so nothing passes to the next submission.

    The harness's own working folder is spared where it lies inside: in the sandbox's
    container tier /tmp is the machine's, and the working folder one of its entries."""
    import shutil
    here = os.getcwd()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if path != here and here.startswith(path + os.sep):
            _wipe(path)
            continue
        if path == here:
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def _status(status, timed_out, limits, dropped):
    """``(status, reason, the limit it hit or None)``: the limit as data, the reason as a sentence."""
    if timed_out:
        return "killed", f"it was stopped at the {limits['total_s']:.0f} s time limit", "time"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "killed", f"it used more than {limits['cpu_s']} s of CPU time", "CPU time"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return "killed", f"it was killed by signal {name}", None
    code = os.WEXITSTATUS(status)
    if code != 0:
        return "exited", f"exit status {code}", None
    if dropped:
        return ("ok", f"printed more than {limits['output_bytes'] // 1024} KiB; output cut",
                "output")
    return "ok", None, None


def main():
    """Serve requests from stdin until it closes (run inside the sandbox)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib  # torch is imported above, once, and shared by every forked child

    from byhand_grader.frames import read_frame, write_frame
    from byhand_grader.sandbox import user_tasks  # noqa: F401  (loaded before any snapshot)
    _load_given()
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    torch.set_num_threads(1)
    _undumpable()
    import gc
    gc.freeze()   # what every child inherits: never collected, so never copied or paused on
    keep = {1, os.getpid(), os.getppid()}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    write_frame(stdout, {"ready": True})
    while True:
        request = read_frame(stdin.read)
        if request is None:
            return 0
        try:
            reply = serve_one(request, keep)
        except Exception:
            reply = {"cells": [], "calls": {}, "flags": no_flags(), "status": "error",
                     "reason": "the grader's harness failed: " + traceback.format_exc(limit=3)}
        write_frame(stdout, reply)


if __name__ == "__main__":
    raise SystemExit(main())
