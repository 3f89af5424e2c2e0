"""Many small logistic MLPs trained at once: the engine of the ``xor_mlp`` notebook.

One network has two inputs, ``H`` hidden units and one output, logistic on both
layers (the network of the notebook's Problem 1, there built from torch.nn modules):

    net_h = x W1^T + b1   (H,)     h    = g(net_h)
    net_y = h w2 + b2     (1,)     yhat = g(net_y)

``Nets`` holds ``B`` such networks side by side, the network index running
along the *last* dimension (``W1`` is ``(2, H, B)``), so that one elementwise
tensor operation advances every network at once.  ``train_many`` takes
full-batch gradient steps on all of them together: the losses of the ``B``
networks are summed and differentiated once by autograd; since no two networks
share a parameter, each network's gradient is exactly its own.  Nothing here is
hand-differentiated.

A network's starting point depends only on its seed, its width, its init scheme
and whether it has biases: ``draw_nets`` draws each parameter with
``uniform_(lo, hi, generator=torch.Generator().manual_seed(seed))`` in the order
``model.parameters()`` lists them for that network, so a per-seed torch.nn model
filled the same way starts from the same numbers.
"""

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .data import X, Y_XOR

#: Init schemes: "uniform01" draws every parameter from U[0, 1) (the forum's numpy
#: net); "default" draws from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the distribution
#: ``nn.Linear`` uses for its weights and biases.
INITS = ("uniform01", "default")

#: Per-network losses over the four patterns (see ``batched_loss``).
LOSSES = ("sse", "half_sse", "mse", "smooth_l1")

#: A run is a *success* when every output is within this distance of its target.
WITHIN = 0.1
#: Every output within this distance of its 0/1 target is on the right side of 0.5:
#: 100% accuracy (an output of exactly 0.5 counts as wrong).
RIGHT_SIDE = 0.5


def init_bounds(init, fan_in):
    """The interval ``(lo, hi)`` a parameter of a layer with ``fan_in`` inputs is drawn from."""
    if init == "uniform01":
        return 0.0, 1.0
    if init == "default":
        bound = 1.0 / math.sqrt(fan_in)
        return -bound, bound
    raise ValueError(f"init is {init!r}; expected one of {INITS}")


def parameter_shapes(hidden, bias):
    """``[(name, shape, fan_in)]`` in the order of ``nn.Sequential(...).parameters()``."""
    shapes = [
        ("0.weight", (hidden, 2), 2),
        ("0.bias", (hidden,), 2),
        ("2.weight", (1, hidden), hidden),
        ("2.bias", (1,), hidden),
    ]
    return [s for s in shapes if bias or not s[0].endswith("bias")]


@dataclass
class Nets:
    """``B`` networks of one width, the network index last.

    ``W1`` (2, H, B), ``b1`` (H, B), ``W2`` (H, B), ``b2`` (B,), and ``has_bias``
    (B,) bool.  A network without biases keeps ``b1 = b2 = 0`` for good.
    """

    W1: torch.Tensor
    b1: torch.Tensor
    W2: torch.Tensor
    b2: torch.Tensor
    has_bias: torch.Tensor

    @property
    def hidden(self):
        return self.W1.shape[1]

    def __len__(self):
        return self.W1.shape[-1]

    def params(self):
        return [self.W1, self.b1, self.W2, self.b2]

    def forward(self, X=X):
        """Outputs of every network on every pattern: ``X`` (P, 2) -> ``yhat`` (P, B)."""
        return forward(self.params(), X)

    def hidden_units(self, X=X):
        """The hidden activations ``h`` of every network: ``X`` (P, 2) -> (P, H, B)."""
        return torch.sigmoid(hidden_net_input(self.params(), X))

    def state(self, i):
        """Network ``i`` in ``nn.Sequential``'s ``state_dict`` layout (biases only if it has them)."""
        state = {
            "0.weight": self.W1[:, :, i].T.clone(),
            "0.bias": self.b1[:, i].clone(),
            "2.weight": self.W2[:, i].reshape(1, -1).clone(),
            "2.bias": self.b2[i].reshape(1).clone(),
        }
        if not bool(self.has_bias[i]):
            del state["0.bias"], state["2.bias"]
        return state

    def to(self, dtype):
        return Nets(*(p.to(dtype) for p in self.params()), self.has_bias)

    @staticmethod
    def from_states(states):
        """``Nets`` from ``nn.Sequential`` state dicts (one per network; biases optional)."""
        states = list(states)

        def col(key, shape):
            return torch.stack(
                [
                    st[key].detach().float().reshape(shape) if key in st else torch.zeros(shape)
                    for st in states
                ],
                -1,
            )

        hidden = states[0]["0.weight"].shape[0]
        return Nets(
            col("0.weight", (hidden, 2)).transpose(0, 1).contiguous(),
            col("0.bias", (hidden,)),
            col("2.weight", (hidden,)),
            col("2.bias", ()),
            torch.tensor(["0.bias" in st for st in states]),
        )

    @staticmethod
    def cat(many):
        """One ``Nets`` holding every network of ``many`` (all of one width), in order."""
        many = list(many)
        if len({n.hidden for n in many}) != 1:
            raise ValueError("Nets.cat needs networks of one width")
        return Nets(
            torch.cat([n.W1 for n in many], -1),
            torch.cat([n.b1 for n in many], -1),
            torch.cat([n.W2 for n in many], -1),
            torch.cat([n.b2 for n in many], -1),
            torch.cat([n.has_bias for n in many], -1),
        )


def hidden_net_input(params, X):
    """``net_h`` (P, H, B) of the networks ``[W1, b1, W2, b2]`` on the patterns ``X`` (P, 2)."""
    W1, b1 = params[0], params[1]
    return X[:, 0, None, None] * W1[0] + X[:, 1, None, None] * W1[1] + b1


def forward(params, X):
    """``yhat`` (P, B) of the networks ``[W1, b1, W2, b2]`` on the patterns ``X`` (P, 2)."""
    W1, b1, W2, b2 = params
    h = torch.sigmoid(hidden_net_input(params, X))  # (P, H, B)
    net_y = (h * W2).sum(1) + b2  # (P, B)
    return torch.sigmoid(net_y)


def draw_nets(hidden, init, bias, seeds):
    """One network per seed, drawn as ``nn.Sequential`` + ``nn.init.uniform_`` would be.

    For each seed, a fresh ``torch.Generator().manual_seed(seed)`` fills, in order,
    the first layer's weight (H, 2) and bias (H,), then the second layer's weight
    (1, H) and bias (1,) (biases skipped when ``bias`` is False), each with
    ``uniform_(lo, hi)`` and ``(lo, hi) = init_bounds(init, fan_in)``.  float32.
    """
    seeds = list(seeds)
    shapes = parameter_shapes(hidden, bias)
    cols = {name: [] for name, _, _ in shapes}
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed))
        for name, shape, fan_in in shapes:
            lo, hi = init_bounds(init, fan_in)
            cols[name].append(torch.empty(shape).uniform_(lo, hi, generator=gen))
    n = len(seeds)
    W1 = torch.stack(cols["0.weight"], -1).transpose(0, 1).contiguous()  # (2, H, B)
    W2 = torch.stack(cols["2.weight"], -1)[0].contiguous()  # (H, B)
    if bias:
        b1 = torch.stack(cols["0.bias"], -1).contiguous()  # (H, B)
        b2 = torch.stack(cols["2.bias"], -1)[0].contiguous()  # (B,)
    else:
        b1, b2 = torch.zeros(hidden, n), torch.zeros(n)
    return Nets(W1, b1, W2, b2, torch.full((n,), bool(bias)))


def batched_loss(name, yhat, y):
    """The loss of each network, reduced over the patterns (dim 0): ``(P, B) -> (B,)``.

    * ``"sse"``: sum of squared errors, ``sum_p (yhat_p - y_p)^2``;
    * ``"half_sse"``: half of it, whose gradient w.r.t. ``yhat`` is ``yhat - y``,
      the backward signal of the forum's numpy loop;
    * ``"mse"``: the mean, ``nn.MSELoss()``;
    * ``"smooth_l1"``: ``nn.SmoothL1Loss()`` (beta = 1), the mean of
      ``0.5 e^2`` where ``|e| < 1`` and ``|e| - 0.5`` elsewhere.
    """
    err = yhat - y
    if name == "sse":
        return (err**2).sum(0)
    if name == "half_sse":
        return 0.5 * (err**2).sum(0)
    if name == "mse":
        return (err**2).mean(0)
    if name == "smooth_l1":
        return F.smooth_l1_loss(yhat, y.expand_as(yhat), reduction="none", beta=1.0).mean(0)
    raise ValueError(f"loss is {name!r}; expected one of {LOSSES}")


def torch_loss(name):
    """The same loss for one network's ``(4, 1)`` output, as a scalar-valued callable."""
    if name not in LOSSES:
        raise ValueError(f"loss is {name!r}; expected one of {LOSSES}")

    def loss_fn(yhat, y):
        return batched_loss(name, yhat, y).sum()

    loss_fn.__name__ = name
    return loss_fn


@dataclass
class Run:
    """What ``train_many`` leaves behind, one entry per network."""

    nets: Nets  #: the final parameters
    yhat: torch.Tensor  #: final outputs (P, B)
    y: torch.Tensor  #: the targets (P, 1)
    epochs_to_accuracy: (
        torch.Tensor
    )  #: (B,) first epoch t whose outputs were all on the right side of 0.5; -1 if never
    epochs_to_within: (
        torch.Tensor
    )  #: (B,) first epoch t whose outputs were all within WITHIN; -1 if never
    loss: torch.Tensor = None  #: (epochs, B) each network's loss before each step, if recorded

    @property
    def solved(self):
        """(B,) bool: every final output on the right side of 0.5 (100% accuracy)."""
        return all_right_side(self.yhat, self.y)

    @property
    def success(self):
        """(B,) bool: every final output within ``WITHIN`` of its target."""
        return all_within(self.yhat, self.y)


@contextmanager
def threads(n):
    """Run the block with ``n`` intra-op threads, then restore the previous number.

    Tiny tensors gain nothing from a second thread, and on a shared machine a
    thread that waits for a busy core stalls every operation (a measured 10-100x
    slowdown on the course's 2-core machine); one thread is fast and steady.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def all_right_side(yhat, y):
    """(B,) bool: each network puts every output on the target's side of 0.5 (100% accuracy)."""
    return all_within(yhat, y, RIGHT_SIDE)


def all_within(yhat, y, within=WITHIN):
    """(B,) bool: each network has every output within ``within`` of its target."""
    return ((yhat - y).abs() < within).all(0)


def train_many(
    nets,
    *,
    lr,
    epochs,
    loss="sse",
    X=X,
    Y=Y_XOR,
    noise_std=None,
    noise_group=None,
    noise_seed=0,
    record_loss=False,
    n_threads=1,
):
    """Full-batch gradient descent on every network of ``nets`` at once.

    Step ``t = 0, 1, ..., epochs - 1``: outputs on all patterns, per-network loss
    ``L_b``, gradient ``g_b = dL_b/dparams_b`` (autograd of ``sum_b L_b``), then
    ``params_b <- params_b - lr_b (g_b + s_{t,b} z)`` with ``z ~ N(0, 1)`` fresh
    for every parameter (the annealed gradient noise; ``s = 0`` when no noise).
    Networks without biases get neither gradient nor noise on their biases.

    Args:
        nets: ``Nets`` (not modified).
        lr: learning rate, a float or a (B,) tensor (one per network).
        epochs: number of full-batch steps.
        loss: a name from ``LOSSES``.
        X, Y: patterns (P, 2) and targets (P, 1); XOR by default.
        noise_std: ``None``, or the standard deviation ``s_t`` of the gradient noise at
            each step: a tensor (epochs,) shared by all networks, or (epochs, K) with
            ``noise_group`` (B,) giving each network's column.
        noise_seed: seed of the one generator that draws all the noise, per step in
            the order W1, b1, W2, b2, each of the batched shape.
        record_loss: keep the (epochs, B) loss history.
        n_threads: intra-op threads while training (see ``threads``).

    Returns:
        ``Run``.
    """
    dtype = nets.W1.dtype
    X, Y = X.to(dtype), Y.to(dtype)
    B = len(nets)
    params = [p.detach().clone().requires_grad_(True) for p in nets.params()]
    lr = torch.as_tensor(lr, dtype=dtype).expand(B).clone()
    bias_mask = nets.has_bias.to(dtype)
    some_without_bias = not bool(nets.has_bias.all())
    gen = None
    if noise_std is not None:
        noise_std = torch.as_tensor(noise_std, dtype=dtype)
        if noise_std.shape[0] != epochs or noise_std.dim() not in (1, 2):
            raise ValueError(
                f"noise_std has shape {tuple(noise_std.shape)}; expected "
                f"({epochs},) or ({epochs}, K)"
            )
        if noise_std.dim() == 2 and noise_group is None:
            raise ValueError("a 2-D noise_std needs noise_group, each network's column")
        gen = torch.Generator().manual_seed(noise_seed)
    never = torch.full((B,), -1, dtype=torch.long)
    to_accuracy, to_within = never.clone(), never.clone()
    losses = torch.empty(epochs, B, dtype=dtype) if record_loss else None

    def track(yhat, t):
        worst = (yhat - Y).abs().amax(0)  # (B,) each network's largest error
        for first, bound in ((to_accuracy, RIGHT_SIDE), (to_within, WITHIN)):
            first.masked_fill_((first < 0) & (worst < bound), t)

    with threads(n_threads):
        for t in range(epochs):
            yhat = forward(params, X)
            L = batched_loss(loss, yhat, Y)
            grads = torch.autograd.grad(L.sum(), params)
            with torch.no_grad():
                track(yhat, t)
                if record_loss:
                    losses[t] = L
                if gen is not None:
                    s = noise_std[t] if noise_std.dim() == 1 else noise_std[t][noise_group]
                    grads = [
                        g + s * torch.randn(g.shape, generator=gen, dtype=dtype) for g in grads
                    ]
                W1g, b1g, W2g, b2g = grads
                if some_without_bias:
                    b1g, b2g = b1g * bias_mask, b2g * bias_mask
                for p, g in zip(params, (W1g, b1g, W2g, b2g)):
                    p.sub_(lr * g)
        with torch.no_grad():
            yhat = forward(params, X)
            track(yhat, epochs)
    final = Nets(*(p.detach() for p in params), nets.has_bias.clone())
    return Run(final, yhat.detach(), Y, to_accuracy, to_within, losses)
