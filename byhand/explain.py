"""Problem 5 helper: which solution family did this XOR network find?

The network computes XOR in one of eight ways, told apart by where the hidden
unit is on (``h > 0.5``) over the patterns 00, 01, 10, 11.  ``explain_xor``
shows, pattern by pattern, the hidden activation and the output's net input
split into its four terms ``w0 x0``, ``w1 x1``, ``w2 h`` and ``b1``: the sign
and size of those terms is the explanation the student writes.
"""

import matplotlib.pyplot as plt
import torch

from .data import PATTERNS, X, Y_XOR

#: The hidden unit's on/off pattern over (00, 01, 10, 11) -> its logical name.
FAMILIES = {
    (1, 0, 0, 0): "NOR",
    (0, 1, 1, 1): "OR",
    (0, 0, 1, 0): "x0 AND NOT x1",
    (0, 1, 0, 0): "x1 AND NOT x0",
    (1, 1, 0, 1): "NOT x0 OR x1",
    (1, 0, 1, 1): "x0 OR NOT x1",
    (0, 0, 0, 1): "AND",
    (1, 1, 1, 0): "NAND",
}

TERMS = ("w0·x0", "w1·x1", "w2·h", "b1")


def hidden_family(h):
    """Name the hidden unit's logic from its four activations (a sequence of floats)."""
    key = tuple(int(v > 0.5) for v in h)
    return FAMILIES.get(key, "none of the eight (" + "".join(map(str, key)) + ")")


def net_y_terms(params, forward):
    """Per pattern: ``h``, the four terms of ``net_y``, ``net_y`` and ``yhat``.

    ``forward`` is the student's ``xor_forward``; the terms are taken from the
    parameters and the ``h`` it returns, so the split always adds up to the
    ``net_y`` the network really computed (the last column checks it).
    """
    rows = []
    w0, w1, w2 = params["w_012"].tolist()
    b1 = float(params["b1"])
    with torch.no_grad():
        for name, x, y in zip(PATTERNS, X, Y_XOR):
            out = forward(params, x)
            h = float(out["h"])
            x0, x1 = x.tolist()
            rows.append(
                {
                    "pattern": name,
                    "target": float(y),
                    "h": h,
                    "w0·x0": w0 * x0,
                    "w1·x1": w1 * x1,
                    "w2·h": w2 * h,
                    "b1": b1,
                    "net_y": float(out["net_y"]),
                    "yhat": float(out["yhat"]),
                }
            )
    return rows


def explain_xor(params, forward, plot=True):
    """Print the learned parameters, the per-pattern table and the family; plot it.

    Returns the table (a list of dicts, one per pattern) so a student can
    quote its numbers.
    """
    rows = net_y_terms(params, forward)
    print(explain_text(params, rows))
    if plot:
        plot_explanation(rows)
    return rows


def explain_text(params, rows):
    """What ``explain_xor`` prints: the parameters, the table of ``rows``, the family.

    ``params`` are ``{name: tensor or list of floats}``; the grader renders the table of
    a student's run with it too, from the rows the student's own functions gave.
    """
    lines = ["learned parameters:"]
    for name, value in params.items():
        values = value.tolist() if hasattr(value, "tolist") else list(value)
        lines.append(f"  {name:<6}= {[round(v, 3) for v in values]}")
    head = f"{'x':>4}{'target':>7}{'h':>7}" + "".join(f"{t:>8}" for t in TERMS)
    lines += ["", head + f"{'net_y':>8}{'yhat':>7}"]
    for r in rows:
        lines.append(
            f"{r['pattern']:>4}{r['target']:>7.0f}{r['h']:>7.3f}"
            + "".join(f"{r[t]:>8.2f}" for t in TERMS)
            + f"{r['net_y']:>8.2f}{r['yhat']:>7.3f}"
        )
    lines += [
        "",
        f"hidden unit is on (h > 0.5) like: {hidden_family([r['h'] for r in rows])}",
        "the network "
        + (
            "computes XOR (every output on the right side of 0.5)"
            if computes_xor(rows)
            else "does NOT compute XOR yet"
        ),
    ]
    return "\n".join(lines)


def computes_xor(rows):
    """Is every output of the table on the right side of 0.5?"""
    return all(abs(r["yhat"] - r["target"]) < 0.5 for r in rows)


def plot_explanation(rows, show=True):
    """The hidden activations and the terms of ``net_y`` per pattern, as bars; the figure."""
    return _plot(rows, hidden_family([r["h"] for r in rows]), show)


def _plot(rows, family, show=True):
    fig, (ax_h, ax_net) = plt.subplots(
        1, 2, figsize=(10.5, 3.6), gridspec_kw={"width_ratios": [1, 2.2], "wspace": 0.35}
    )
    names = [r["pattern"] for r in rows]
    ax_h.bar(names, [r["h"] for r in rows], color="tab:purple")
    ax_h.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax_h.set_ylim(0, 1)
    ax_h.set_xlabel("input pattern x0 x1")
    ax_h.set_ylabel("hidden activation h")
    ax_h.set_title(f"hidden unit: {family}")
    width = 0.18
    for k, term in enumerate(TERMS):
        offsets = [i + (k - 1.5) * width for i in range(len(rows))]
        ax_net.bar(offsets, [r[term] for r in rows], width, label=term)
    ax_net.scatter(
        range(len(rows)), [r["net_y"] for r in rows], color="black", zorder=3, label="net_y (sum)"
    )
    ax_net.axhline(0, color="grey", lw=0.8)
    ax_net.set_xticks(
        range(len(rows)), [f"{r['pattern']} (target {r['target']:.0f})" for r in rows]
    )
    ax_net.set_xlabel("input pattern")
    ax_net.set_ylabel("contribution to the output's net input")
    ax_net.set_title("net_y = w0·x0 + w1·x1 + w2·h + b1; output on when net_y > 0")
    ax_net.legend(
        fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False
    )
    fig.subplots_adjust(bottom=0.32)
    if show:
        plt.show()
    return fig
