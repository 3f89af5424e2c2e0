"""The autograd watch: evidence that a by-hand function used autograd or a finite difference.

Calls of the kinds in the request's ``by_hand`` run under an autograd watch (``_Watch``):
a function that records a graph, runs backward, turns grad mode on or uses a torch.func
transform fails with that evidence.  A by-hand gradient (a kind that is ``numeric`` in
``calls.KINDS``) is also watched for numerical differentiation (``_Steps``): one that
evaluates a forward pass, or a loss of its own, at parameters a small step from the
given ones fails with that evidence.  This module follows torch's internals
(``torch._C``): it is the part to check on a torch upgrade.
"""

import array
import math
import os
import random
import sys

import torch
import torch._functorch.predispatch
import torch.autograd.graph
from torch.overrides import resolve_name, TorchFunctionMode

#: In a training run the autograd watch sees every torch call of the first
#: ``TRAIN_WATCH_FIRST`` student calls and of one in ``TRAIN_WATCH_EVERY`` after
#: them, chosen at random (the request's ``train_watch_every`` may say 1: all);
#: its other layers see every step.  Watching every torch call costs about 2.3x
#: the training time.
TRAIN_WATCH_FIRST = 64
TRAIN_WATCH_EVERY = 16

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
_AUTOGRAD_API = {
    torch.Tensor.backward: "called Tensor.backward",
    torch.autograd.grad: "called torch.autograd.grad",
    torch.autograd.backward: "called torch.autograd.backward",
    torch._make_dual: "used forward-mode autograd (make_dual)",
    torch._unpack_dual: "used forward-mode autograd (unpack_dual)",
}
#: Functions the watch wraps for the whole submission: they see autograd from any thread.
_ENTRY_POINTS = (
    (torch.autograd, "_engine_run_backward", "ran autograd's backward pass"),
    (torch.autograd.graph, "_engine_run_backward", "ran autograd's backward pass"),
    (torch, "_make_dual", "used forward-mode autograd (make_dual)"),
    (torch._functorch.predispatch, "_make_dual", "used forward-mode autograd (make_dual)"),
)
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
        self.numeric = None  #: a ``_Steps`` during a by-hand gradient call, else None
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
            if (
                _grad_enabled()
                or func in _AUTOGRAD_API
                or "requires_grad" in kwargs
                or func is _SET_GRAD
                or func is _REQUIRES_GRAD_
                or type(func) is _METHOD_WRAPPER
                and func.__name__ == "__set__"
            ):
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
            if (
                func.__self__ is _REQUIRES_GRAD
                and func.__name__ == "__set__"
                and len(args) > 1
                and args[1] is True
            ):
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
        if isinstance(err, RuntimeError) and any(
            type(a) is str and _REFUSED in a for a in err.args
        ):
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
            if not torch._C._autograd._saved_tensors_hooks_is_enabled():  # a student's doing
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
            for _ in range(64):  # pop ours, and any a student left above them
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
_ACTIVATIONS = frozenset(
    {
        torch.sigmoid,
        torch.sigmoid_,
        torch.special.expit,
        torch.tanh,
        torch.tanh_,
        torch.exp,
        torch.exp_,
        torch.Tensor.sigmoid,
        torch.Tensor.sigmoid_,
        torch.Tensor.tanh,
        torch.Tensor.tanh_,
        torch.Tensor.exp,
        torch.Tensor.exp_,
    }
)
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
_EPS = {
    dtype: torch.finfo(dtype).eps
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
}
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
        self.forwards = forwards  #: code object -> the forward pass's name
        self.points = []  #: (value, eps, activation) per recorded element
        self.moved = None  #: (forward's name, parameter, step): the first seen

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
                    return None  # other parameters (or NaN), not a step from these
                if d > eps * abs(w) and (largest is None or d > largest[1]):
                    largest = (key, d)
        return largest

    # -- the finding
    def triple(self):
        """``(activation, step)`` when three recorded arguments lie a small step apart."""
        points = sorted((p for p in self.points if math.isfinite(p[0])), key=lambda p: p[0])
        distinct = []  # one per point, up to rounding
        for v, eps, func in points:
            if distinct and v - distinct[-1][0] <= ROUNDING_EPS * max(eps, distinct[-1][1]) * (
                1 + abs(distinct[-1][0])
            ):
                continue
            distinct.append((v, eps, func))
        for i, (a, ea, func) in enumerate(distinct):
            window = []
            for b, eb, _ in distinct[i + 1 : i + 17]:
                if b - a > SMALL_STEP * (1 + abs(a)):
                    break
                if not _rewrite(a, b, max(ea, eb)):
                    window.append((b, eb))
            for j, (b, eb) in enumerate(window):
                for c, ec in window[j + 1 :]:
                    if not _rewrite(b, c, max(eb, ec)):
                        return func, min(b - a, c - b)
        return None

    def evidence(self):
        """A short phrase naming the finding, or None."""
        if self.moved is not None:
            name, key, step = self.moved
            return (
                f"called {name} at parameters moved by a small step from the given ones "
                f"('{key}' by about {step:.0e})"
            )
        found = self.triple()
        if found is not None:
            func, step = found
            return (
                f"evaluated {_name(func)} at nearby points, a small step apart (about {step:.0e})"
            )
        return None


def _rewrite(a, b, eps):
    """Is ``b`` one of ``a``'s algebraic rewrites (``_REWRITES``), up to rounding?"""
    tol = ROUNDING_EPS * eps * (1 + max(abs(a), abs(b)))
    return any(abs(b - c * a) <= tol or abs(a - c * b) <= tol for c in _REWRITES)
