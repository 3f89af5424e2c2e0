"""Gradients by autograd: the yardstick for every hand-written gradient.

One function serves every problem because every forward pass returns a dict
with ``"yhat"``.  It computes in float64 by default, so that the yardstick's own
rounding error (about 1e-16) is far below the tolerance a check applies.
"""

import torch


def squared_error(yhat, y):
    """The loss for one pattern, ``E = (yhat - y)^2`` (no 1/2 factor), a scalar."""
    return ((yhat - y) ** 2).sum()


def autograd_grads(forward, params, x, y, dtype=torch.float64):
    """``dE/dparam`` for every parameter, by ``loss.backward()``.

    Args:
        forward: ``forward(params, x) -> {"yhat": (1,), ...}``.
        params: dict of parameter tensors (any float dtype; not modified).
        x, y: one pattern, shapes ``(2,)`` and ``(1,)``.
        dtype: the precision to compute in.

    Returns:
        dict keyed like ``params``, each gradient shaped like its parameter,
        in ``dtype``.
    """
    leaves = {k: v.detach().to(dtype).clone().requires_grad_(True) for k, v in params.items()}
    with torch.enable_grad():
        loss = squared_error(forward(leaves, x.to(dtype))["yhat"], y.to(dtype))
        loss.backward()
    return {k: v.grad.detach() for k, v in leaves.items()}
