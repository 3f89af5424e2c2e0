"""The XOR network of Problem 4: one hidden unit, skip connections.

    hidden:  net_h = w3 x0 + w4 x1 + b0,          h    = g(net_h)
    output:  net_y = w0 x0 + w1 x1 + w2 h + b1,   yhat = g(net_y)

with ``g`` the logistic function.  Parameters travel as the dict
``{"w_34": (2,), "b0": (1,), "w_012": (3,), "b1": (1,)}`` (five weights, two
biases).  The forward pass itself is a student answer; the package only draws
the starting point, so that every run with the same seed starts alike.
"""

import torch

#: The parameter names, in the order they are drawn.
PARAM_NAMES = ("w_34", "b0", "w_012", "b1")
PARAM_SHAPES = {"w_34": (2,), "b0": (1,), "w_012": (3,), "b1": (1,)}


def init_xor(gen):
    """Draw the seven parameters from N(0, 1) in the fixed order of ``PARAM_NAMES``."""
    return {name: torch.randn(PARAM_SHAPES[name], generator=gen) for name in PARAM_NAMES}
