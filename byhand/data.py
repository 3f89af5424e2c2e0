"""The four input patterns and the two truth tables used throughout.

Rows of ``X`` are the patterns ``[0,0], [0,1], [1,0], [1,1]``; ``Y_OR`` and
``Y_XOR`` hold one target per row, shape ``(4, 1)`` so that ``Y[i]`` has the
same shape ``(1,)`` as a network output ``yhat``.
"""

import torch

X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_OR = torch.tensor([[0.0], [1.0], [1.0], [1.0]])
Y_XOR = torch.tensor([[0.0], [1.0], [1.0], [0.0]])

#: Short labels for the rows of ``X``, in order.
PATTERNS = ("00", "01", "10", "11")
