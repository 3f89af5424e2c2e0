"""The one contract every problem shares, and clear messages when it is broken.

* A forward pass is ``forward(params, x) -> dict`` with ``"yhat"`` of shape ``(1,)``.
* A gradient is ``grads(params, x, y) -> dict`` keyed like ``params``, each
  value a tensor of the same shape as that parameter.
* An update is ``update(params, grads, alpha) -> dict`` keyed like ``params``.

Student code is checked against this contract before anything else, so that
a renamed key, a wrong shape or a NaN gives a sentence, not a traceback deep
inside the training loop.
"""

import torch

#: What a ``ContractError`` says was broken, as data (``ContractError.problem``): the
#: grader's harness reports it beside the sentence, so nobody downstream reads the sentence.
PROBLEMS = ("type", "keys", "shape", "finite")


class ContractError(ValueError):
    """A student function returned something of the wrong kind or shape.

    ``problem`` is which part of the contract, one of ``PROBLEMS``: not the dict or tensor
    asked for (``type``), other keys (``keys``), a tensor of another shape (``shape``), NaN
    or inf (``finite``); None where no single part is to blame.
    """

    def __init__(self, message, problem=None):
        super().__init__(message)
        self.problem = problem


def check_param_dict(value, params, what):
    """Check that ``value`` is a dict of finite tensors shaped like ``params``.

    ``what`` names the function in the message, e.g. ``"logistic_grads"``.
    Returns ``value`` unchanged so calls can be chained.
    """
    if not isinstance(value, dict):
        raise ContractError(
            f"{what} returned {type(value).__name__}; expected a dict with keys {_keys(params)}.",
            "type",
        )
    missing = [k for k in params if k not in value]
    extra = [k for k in value if k not in params]
    if missing or extra:
        raise ContractError(
            f"{what} returned keys {_keys(value)}; expected {_keys(params)}"
            + (f" (missing {_keys(missing)})" if missing else "")
            + (f" (unexpected {_keys(extra)})" if extra else "")
            + ".",
            "keys",
        )
    for name, ref in params.items():
        got = value[name]
        if not isinstance(got, torch.Tensor):
            raise ContractError(
                f"{what}: '{name}' is a {type(got).__name__}; expected a tensor of "
                f"shape {tuple(ref.shape)}.",
                "type",
            )
        if tuple(got.shape) != tuple(ref.shape):
            raise ContractError(
                f"{what}: '{name}' has shape {tuple(got.shape)}; expected "
                f"{tuple(ref.shape)}, the shape of the parameter '{name}'.",
                "shape",
            )
        if not torch.isfinite(got).all():
            raise ContractError(f"{what}: '{name}' contains NaN or inf: {got.tolist()}.", "finite")
    return value


def check_forward(value, what):
    """Check that a forward pass returned a dict with a finite ``yhat`` of shape (1,)."""
    if not isinstance(value, dict) or "yhat" not in value:
        raise ContractError(
            f"{what} returned {type(value).__name__}"
            + (f" with keys {_keys(value)}" if isinstance(value, dict) else "")
            + "; expected a dict with 'yhat' (and the intermediate values).",
            "type" if not isinstance(value, dict) else "keys",
        )
    yhat = value["yhat"]
    if not isinstance(yhat, torch.Tensor) or tuple(yhat.shape) != (1,):
        shape = tuple(yhat.shape) if isinstance(yhat, torch.Tensor) else type(yhat).__name__
        raise ContractError(
            f"{what}: 'yhat' is {shape}; expected a tensor of shape (1,).",
            "shape" if isinstance(yhat, torch.Tensor) else "type",
        )
    if not torch.isfinite(yhat).all():
        raise ContractError(f"{what}: 'yhat' is {yhat.tolist()}, not a finite number.", "finite")
    return value


def _keys(items):
    return "[" + ", ".join(repr(k) for k in items) + "]"
