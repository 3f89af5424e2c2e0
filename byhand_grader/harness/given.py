"""The given code, guarded: put back whatever a student function changed of it.

Student code shares the child's interpreter with the code that measures it, so the
child guards that code (``_Given``): everything the harness calls is bound when its
modules are imported, the namespaces of the given code (builtins, torch, json, os,
every ``byhand`` and ``byhand_grader`` module, the harness's own) are snapshotted
before the first student cell, and they are put back before every call and right
after every student function returns.  A call during which a student function changed
them is void (``session._Session.perform``).
"""

import builtins
import json
import json.encoder
import math
import operator
import os
import pkgutil
import signal
import sys
import types

import torch
import torch.autograd.graph
import torch.nn.functional
from torch import nn
from torch.overrides import TorchFunctionMode

import byhand

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

    The harness's own modules are among the given packages' (``byhand_grader.harness.*``);
    its entry point, ``__main__``, only calls ``supervisor.main``."""
    named = [
        ("builtins", builtins),
        ("torch", torch),
        ("torch.nn", nn),
        ("torch.nn.functional", torch.nn.functional),
        ("torch.autograd", torch.autograd),
        ("torch.autograd.graph", torch.autograd.graph),
        ("torch.overrides", torch.overrides),
        ("json", json),
        ("json.encoder", json.encoder),
        ("os", os),
        ("math", math),
        ("signal", signal),
    ]
    ours = sorted(
        (name, m)
        for name, m in list(sys.modules.items())
        if name.split(".")[0] in _GIVEN_PACKAGES and isinstance(m, types.ModuleType)
    )
    return named + ours


def _given_classes():
    """``[(label, class)]`` outside the given packages whose methods the harness relies on."""
    return [
        ("torch.Tensor", torch.Tensor),
        ("json.JSONEncoder", json.JSONEncoder),
        ("torch.nn.Module", nn.Module),
        ("torch.nn.Sequential", nn.Sequential),
        ("torch.nn.Linear", nn.Linear),
        ("torch.nn.Sigmoid", nn.Sigmoid),
        ("torch.nn.MSELoss", nn.MSELoss),
        ("torch.nn.SmoothL1Loss", nn.SmoothL1Loss),
        ("torch.overrides.TorchFunctionMode", TorchFunctionMode),
    ]


_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep


def _torch_wrapper(new, old, type=type, function=_FUNCTION, torch_dir=_TORCH_DIR):
    """Is ``new`` torch's own wrapper of ``old``?  (Importing ``torch._dynamo``, as torch.func
    may, rebinds ``torch.manual_seed`` so; it calls the original.)  Put back all the same."""
    return (
        type(new) is function
        and new.__dict__.get("__wrapped__") is old
        and new.__code__.co_filename.startswith(torch_dir)
    )


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

    def restore(
        self,
        changed,
        len=len,
        zip=zip,
        type=type,
        str=str,
        set=set,
        isinstance=isinstance,
        module=types.ModuleType,
        absent=_ABSENT,
        torch_wrapper=_torch_wrapper,
    ):
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
                    self.spaces.append(
                        _Space(f"{label}.{key}", value, value.__setitem__, value.__delitem__)
                    )
                    functions += [(f"{label}.{key}[{k!r}]", v) for k, v in value.items()]
        encoder = json._default_encoder.__dict__
        self.spaces.append(
            _Space("json._default_encoder", encoder, encoder.__setitem__, encoder.__delitem__)
        )
        for label, cls in classes + _given_classes():
            if id(cls) not in seen:
                seen.add(id(cls))
                self.spaces.append(_Space(label, vars(cls), _setter(cls), _deleter(cls)))
                functions += [
                    (f"{label}.{k}", getattr(v, "__func__", v)) for k, v in vars(cls).items()
                ]
        seen = set()
        self.functions = [
            (label, fn)
            for label, fn in functions
            if type(fn) is _FUNCTION and id(fn) not in seen and not seen.add(id(fn))
        ]
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
            self.flat.append(
                (
                    kind.get,
                    tuple(s.ns for s in group for _ in s.keys),
                    tuple(k for s in group for k in s.keys),
                    tuple(v for s in group for v in s.values),
                    tuple(_ABSENT for s in group for _ in s.keys),
                )
            )
        self.sizes = (tuple(s.ns for s in self.spaces), tuple(len(s.keys) for s in self.spaces))

    def restore(
        self,
        all=all,
        map=map,
        zip=zip,
        len=len,
        _is=operator.is_,
        _eq=operator.eq,
        modules=sys.modules,
    ):
        """Put everything back; the labels of what had changed, in a stable order."""
        changed = []
        namespaces, sizes = self.sizes
        if not (
            all(map(_eq, sizes, map(len, namespaces)))
            and all(
                all(map(_is, values, map(get, nss, keys, absent)))
                for get, nss, keys, values, absent in self.flat
            )
        ):
            for space in self.spaces:
                if space.changed():
                    space.restore(changed)
            self._flatten()
        fns = self.fns
        if not (
            all(map(_is, self.codes, map(_code, fns)))
            and all(map(_is, self.their_defaults, map(_defaults, self.with_defaults)))
            and all(map(_is, self.their_kwdefaults, map(_kwdefaults, self.with_kwdefaults)))
        ):
            for (label, fn), code, defaults, kwdefaults in zip(
                self.functions, self.codes, self.defaults, self.kwdefaults
            ):
                if (
                    fn.__code__ is not code
                    or fn.__defaults__ is not defaults
                    or fn.__kwdefaults__ is not kwdefaults
                ):
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
