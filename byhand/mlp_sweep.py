"""Sweeps: every setting of a grid, trained from every seed, all at once.

A *setting* is a dict such as ``{"hidden": 2, "init": "default", "bias": True,
"lr": 1.0}`` (optionally ``"loss"``, default ``"sse"``, and ``"eta"``, the
gradient-noise scale).  ``sweep`` draws one network per (setting, seed), trains
all the networks of one width and loss as a single batch with
``byhand.mlp.train_many``, and hands back one ``Outcome`` per setting.
"""

import itertools
from dataclasses import dataclass

import torch

from .data import X, Y_XOR
from .mlp import draw_nets, Nets, train_many
from .mlp_stats import epochs_summary, rate


@dataclass
class Outcome:
    """One setting trained from every seed of a sweep."""

    setting: dict
    seeds: tuple
    yhat: torch.Tensor  #: final outputs (P, S)
    epochs_to_accuracy: torch.Tensor  #: (S,), -1 for never (see ``byhand.mlp.Run``)
    epochs_to_within: torch.Tensor  #: (S,), -1 for never
    success_flags: torch.Tensor  #: (S,) bool: all four outputs within 0.1 at the end
    solved_flags: torch.Tensor  #: (S,) bool: all four on the right side of 0.5 at the end
    loss: torch.Tensor = None  #: (epochs, S) if recorded

    @property
    def success(self):
        """``Rate`` of seeds whose four final outputs are all within 0.1 of the targets."""
        return rate(self.success_flags)

    @property
    def solved(self):
        """``Rate`` of seeds whose four final outputs are all on the right side of 0.5."""
        return rate(self.solved_flags)

    @property
    def to_accuracy(self):
        """``(reached, median, q1, q3)`` of the epochs to 100% accuracy."""
        return epochs_summary(self.epochs_to_accuracy)

    def __getitem__(self, key):
        return self.setting[key]


def grid(**axes):
    """Every combination of the given values, as a list of setting dicts (last axis fastest)."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(axes[n] for n in names))]


def noise_schedule(noise_std, epochs, eta):
    """``noise_std(t, eta)`` for ``t = 0 .. epochs - 1``, checked: a finite, non-negative (epochs,) tensor."""
    t = torch.arange(epochs)
    s = noise_std(t, eta)
    if not isinstance(s, torch.Tensor) or tuple(s.shape) != (epochs,):
        shape = tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__
        raise ValueError(
            f"noise_std(torch.arange({epochs}), {eta}) returned {shape}; expected "
            f"a tensor of shape ({epochs},), one standard deviation per step"
        )
    if not torch.isfinite(s).all() or (s < 0).any():
        raise ValueError(f"noise_std(t, {eta}) returned a negative, NaN or inf value")
    return s.float()


def sweep(
    settings, seeds, epochs, *, noise_std=None, noise_seed=0, record_loss=False, X=X, Y=Y_XOR
):
    """Train every setting from every seed; return one ``Outcome`` per setting, in order.

    Args:
        settings: list of setting dicts (keys ``hidden``, ``init``, ``bias``, ``lr``;
            optional ``loss`` and ``eta``).
        seeds: the seeds, e.g. ``range(500)``; seed ``s`` starts every setting of a
            given width, init and bias from the same numbers.
        epochs: full-batch steps per network.
        noise_std: ``noise_std(t, eta) -> (len(t),)`` standard deviations, needed
            when a setting has ``eta``.  Noise is drawn from one generator seeded
            with ``noise_seed`` per batch (one batch per width and loss), so a run
            is reproduced by the same sweep call.
        record_loss: keep each network's loss before every step.
        X, Y: patterns and targets (XOR by default).
    """
    seeds = tuple(int(s) for s in seeds)
    S = len(seeds)
    outcomes = [None] * len(settings)
    groups = {}
    for i, st in enumerate(settings):
        groups.setdefault((st["hidden"], st.get("loss", "sse")), []).append(i)
    for (hidden, loss), members in groups.items():
        nets = Nets.cat(
            [draw_nets(hidden, settings[i]["init"], settings[i]["bias"], seeds) for i in members]
        )
        lr = torch.cat(
            [torch.full((S,), float(settings[i]["lr"]), dtype=torch.float64) for i in members]
        )
        std, group = None, None
        etas = [settings[i].get("eta") for i in members]
        if any(e is not None for e in etas):
            if noise_std is None:
                raise ValueError("a setting has 'eta' but sweep was given no noise_std function")
            columns = [
                torch.zeros(epochs) if e is None else noise_schedule(noise_std, epochs, e)
                for e in etas
            ]
            std = torch.stack(columns, 1)
            group = torch.arange(len(members)).repeat_interleave(S)
        run = train_many(
            nets,
            lr=lr,
            epochs=epochs,
            loss=loss,
            X=X,
            Y=Y,
            noise_std=std,
            noise_group=group,
            noise_seed=noise_seed,
            record_loss=record_loss,
        )
        for j, i in enumerate(members):
            cols = slice(j * S, (j + 1) * S)
            outcomes[i] = Outcome(
                setting=dict(settings[i]),
                seeds=seeds,
                yhat=run.yhat[:, cols],
                epochs_to_accuracy=run.epochs_to_accuracy[cols],
                epochs_to_within=run.epochs_to_within[cols],
                success_flags=run.success[cols],
                solved_flags=run.solved[cols],
                loss=None if run.loss is None else run.loss[:, cols],
            )
    return outcomes


def find(outcomes, **setting):
    """The one outcome whose setting has all the given values."""
    hits = [o for o in outcomes if all(o.setting.get(k) == v for k, v in setting.items())]
    if len(hits) != 1:
        raise KeyError(f"{len(hits)} outcomes match {setting}")
    return hits[0]


def describe_init(init, bias):
    """A short label such as ``"U[0,1), no bias"`` or ``"nn.Linear default, bias"``."""
    name = {"uniform01": "U[0,1)", "default": "nn.Linear default"}[init]
    return f"{name}, {'bias' if bias else 'no bias'}"


def show_table(outcomes, keys):
    """Print one line per outcome: its setting, success and accuracy rates, epochs to 100%."""
    head = "  ".join(f"{k:>9}" for k in keys)
    print(
        f"{head}  {'success (all within 0.1), 95% CI':>35}  {'100% accuracy':>14}  "
        f"{'epochs to 100% acc. (median [IQR])':>34}"
    )
    for o in outcomes:
        cells = "  ".join(f"{_fmt(o.setting.get(k)):>9}" for k in keys)
        reached, med, q1, q3 = o.to_accuracy
        epochs = "never" if med is None else f"{med:.0f} [{q1:.0f}, {q3:.0f}]"
        print(f"{cells}  {str(o.success):>35}  {100 * o.solved.p:13.1f}%  {epochs:>34}")


def _fmt(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
