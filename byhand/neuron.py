"""A single neuron, ``net = x . w + b``, ``yhat = g(net)`` (Problems 1-3).

Parameters travel as a dict ``{"w": (2,), "b": (1,)}``; every forward pass in
the pack returns a dict of its intermediate values with ``"yhat"`` among them,
so that one autograd comparison and one training loop serve every problem.
"""

import torch


def logistic(net):
    """The logistic function ``g(net) = 1 / (1 + exp(-net))``."""
    return torch.sigmoid(net)


def neuron_forward(params, x, g=logistic):
    """Forward pass of one neuron.

    Args:
        params: ``{"w": tensor (2,), "b": tensor (1,)}``.
        x: one input pattern, shape ``(2,)``.
        g: the activation, ``logistic`` (Problem 1) or ``torch.tanh`` (Problem 3).

    Returns:
        ``{"net": (1,), "yhat": (1,)}`` with ``net = x . w + b`` and ``yhat = g(net)``.
    """
    net = (x * params["w"]).sum().reshape(1) + params["b"]
    return {"net": net, "yhat": g(net)}


def logistic_forward(params, x):
    """``neuron_forward`` with the logistic activation (Problems 1 and 2)."""
    return neuron_forward(params, x, logistic)


def tanh_forward(params, x):
    """``neuron_forward`` with ``g = tanh`` (Problem 3)."""
    return neuron_forward(params, x, torch.tanh)


def init_neuron(gen):
    """Draw a neuron's parameters from N(0, 1): ``w`` first, then ``b``.

    The draw order is part of the contract: a fixed seed reproduces a run
    only if everyone draws in the same order (course-spec).
    """
    return {"w": torch.randn(2, generator=gen), "b": torch.randn(1, generator=gen)}
