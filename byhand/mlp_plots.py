"""Plots for the ``xor_mlp`` notebook, each labelled to be read without the text.

Every rate is drawn with its 95% Wilson interval, and every title says how many
seeds and epochs stand behind it.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

from .mlp_sweep import describe_init

#: One colour and marker per init scheme, so that every figure uses the same code.
SCHEME_STYLE = {
    ("uniform01", False): ("tab:orange", "o"),
    ("uniform01", True): ("tab:red", "s"),
    ("default", False): ("tab:cyan", "^"),
    ("default", True): ("tab:blue", "D"),
}


def _rate_errorbar(ax, xs, rates, **style):
    p = np.array([r.p for r in rates])
    lo = np.array([r.lo for r in rates])
    hi = np.array([r.hi for r in rates])
    ax.errorbar(
        xs, p, yerr=[np.clip(p - lo, 0, None), np.clip(hi - p, 0, None)], capsize=3, **style
    )


def plot_success_by_width(outcomes, widths, lrs, n_seeds, epochs):
    """Success rate against hidden width: one panel per learning rate, one line per init scheme."""
    fig, axes = plt.subplots(1, len(lrs), figsize=(4.2 * len(lrs), 3.8), sharey=True)
    schemes = sorted({(o["init"], o["bias"]) for o in outcomes}, key=list(SCHEME_STYLE).index)
    for ax, lr in zip(np.atleast_1d(axes), lrs):
        for k, (init, bias) in enumerate(schemes):
            rows = [
                next(
                    o
                    for o in outcomes
                    if o["hidden"] == h
                    and o["lr"] == lr
                    and o["init"] == init
                    and o["bias"] == bias
                )
                for h in widths
            ]
            colour, marker = SCHEME_STYLE[(init, bias)]
            xs = np.arange(len(widths)) + (k - (len(schemes) - 1) / 2) * 0.08
            _rate_errorbar(
                ax,
                xs,
                [o.success for o in rows],
                color=colour,
                marker=marker,
                label=describe_init(init, bias),
            )
        ax.set_xticks(range(len(widths)), [str(h) for h in widths])
        ax.set_xlabel("hidden units H")
        ax.set_title(f"learning rate {lr:g}")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("success rate\n(all 4 outputs within 0.1 of target)")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=len(labels),
        fontsize=9,
        title="init scheme",
        title_fontsize=9,
    )
    fig.suptitle(
        f"XOR with a 2-H-1 logistic MLP: success after {epochs} full-batch epochs\n"
        f"(summed squared error; {n_seeds} seeds per point, 95% Wilson intervals)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    plt.show()
    return fig


def plot_time_to_accuracy(outcomes, hidden, lrs, n_seeds, epochs):
    """Fraction of seeds that have reached 100% accuracy by each epoch, for one width."""
    schemes = [s for s in SCHEME_STYLE if any((o["init"], o["bias"]) == s for o in outcomes)]
    fig, axes = plt.subplots(1, len(schemes), figsize=(3.6 * len(schemes), 3.4), sharey=True)
    t = np.arange(epochs + 1)
    for ax, (init, bias) in zip(np.atleast_1d(axes), schemes):
        for lr, style in zip(lrs, ("-", "--", ":")):
            o = next(
                o
                for o in outcomes
                if o["hidden"] == hidden
                and o["lr"] == lr
                and o["init"] == init
                and o["bias"] == bias
            )
            first = o.epochs_to_accuracy.numpy()
            reached = (
                np.array([(first >= 0) & (first <= e) for e in t]).mean(1) if len(first) else t * 0
            )
            ax.plot(
                np.maximum(t, 1),
                reached,
                style,
                color=SCHEME_STYLE[(init, bias)][0],
                label=f"lr {lr:g}",
            )
        ax.set_xscale("log")
        ax.set_xlabel("epoch (log scale)")
        ax.set_title(describe_init(init, bias), fontsize=10)
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    np.atleast_1d(axes)[0].set_ylabel("fraction of seeds at\n100% accuracy so far")
    fig.suptitle(
        f"How soon do the runs get all four patterns right? H = {hidden}, {n_seeds} seeds per line",
        fontsize=10,
    )
    fig.tight_layout()
    plt.show()
    return fig


def plot_noise(outcomes, etas, lrs, n_seeds, epochs, hidden, scheme):
    """Success rate against the noise scale eta, one line per learning rate."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    xs = np.arange(len(etas))
    for k, (lr, colour) in enumerate(zip(lrs, ("tab:green", "tab:purple", "tab:brown"))):
        rows = [next(o for o in outcomes if o["lr"] == lr and o["eta"] == eta) for eta in etas]
        shift = (k - (len(lrs) - 1) / 2) * 0.08
        _rate_errorbar(
            axes[0],
            xs + shift,
            [o.success for o in rows],
            color=colour,
            marker="o",
            label=f"lr {lr:g}",
        )
        _rate_errorbar(
            axes[1],
            xs + shift,
            [o.solved for o in rows],
            color=colour,
            marker="o",
            label=f"lr {lr:g}",
        )
    axes[0].set_ylabel("fraction of seeds")
    axes[0].set_title("success: all 4 outputs within 0.1 at the end", fontsize=10)
    axes[1].set_title("100% accuracy (right side of 0.5) at the end", fontsize=10)
    for ax in axes:
        ax.set_xticks(xs, [f"{eta:g}" for eta in etas])
        ax.set_xlabel(r"noise scale $\eta$ (variance $\eta / (1+t)^{0.55}$; 0 = no noise)")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=len(labels),
        fontsize=9,
        title="learning rate",
        title_fontsize=9,
    )
    fig.suptitle(
        f"Annealed gradient noise on a 2-{hidden}-1 net ({scheme}): {epochs} epochs, "
        f"{n_seeds} seeds per point, 95% Wilson intervals",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    plt.show()
    return fig


def plot_smooth_l1(curves, title):
    """Left: the two losses of one pattern against its error.  Right: training curves.

    Args:
        curves: ``{label: (epochs,) losses}`` for the right panel.
        title: the right panel's title (which network, seed, learning rates).
    """
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    e = torch.linspace(-2, 2, 401, dtype=torch.float64)
    smooth = torch.nn.functional.smooth_l1_loss(e, torch.zeros_like(e), reduction="none")
    ax = axes[0]
    ax.axvspan(-1, 1, color="0.9", label="reachable: |error| < 1 with a sigmoid output")
    ax.plot(e, smooth, color="tab:blue", lw=3, label="smooth L1 (beta = 1)")
    ax.plot(e, 0.5 * e**2, "--", color="tab:orange", label=r"$\frac{1}{2}$ error$^2$")
    ax.plot(e, e.abs(), ":", color="tab:gray", label="|error| (L1)")
    ax.set_xlabel(r"error $\hat y - y$ of one pattern")
    ax.set_ylabel("loss of that pattern")
    ax.set_ylim(0, 2)
    ax.set_title("Inside |error| < 1, smooth L1 is half the squared error", fontsize=10)
    ax.legend(fontsize=8, loc="upper center")
    ax.grid(alpha=0.3)
    ax = axes[1]
    for (label, values), style in zip(curves.items(), ("-", "--", ":", "-.")):
        ax.plot(np.arange(1, len(values) + 1), np.asarray(values), style, lw=2, label=label)
    ax.axhline(0.125, color="k", lw=0.8)
    ax.annotate("0.125", (1, 0.125), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("epoch (log scale)")
    ax.set_ylabel("loss before the step")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()
    return fig


def plot_epoch_costs(median_seconds, ratio, baseline, title):
    """Horizontal bars: median microseconds per epoch, each labelled with its ratio to ``baseline``.

    Args:
        median_seconds: ``{name: median seconds per epoch}``.
        ratio: ``{name: ratio to the baseline}`` (as printed next to the plot).
        baseline: a short name of the baseline for the labels, e.g. ``"numpy"``.
        title: what was timed.
    """
    names = list(median_seconds)
    us = np.array([median_seconds[n] * 1e6 for n in names])
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(names) + 1.4))
    bars = ax.barh(range(len(names)), us, color="tab:blue")
    for bar, n, v in zip(bars, names, us):
        ax.annotate(
            f"{v:.0f} µs ({ratio[n]:.1f}x {baseline})",
            (v, bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(names)), names)
    ax.set_ylabel("implementation")
    ax.invert_yaxis()
    ax.set_xlabel("median time per epoch (µs), lower is faster")
    ax.set_xlim(0, us.max() * 1.45)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    plt.show()
    return fig


def plot_throughput(rates, loops, title):
    """Network-epochs per second against batch size (log-log), with per-seed loops as lines.

    Args:
        rates: ``{batch size: network-epochs per second}`` of the batched trainer.
        loops: ``{label: network-epochs per second}`` of one-network-at-a-time loops.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    sizes = sorted(rates)
    ax.plot(
        sizes,
        [rates[n] for n in sizes],
        "o-",
        color="tab:blue",
        label="all seeds as one batched tensor (byhand.mlp.train_many)",
    )
    for (label, value), style in zip(loops.items(), ("--", ":", "-.")):
        ax.axhline(value, ls=style, color="tab:red", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("networks trained at once (batch size)")
    ax.set_ylabel("network-epochs per second")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    plt.show()
    return fig
