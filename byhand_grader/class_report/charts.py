"""The report's plots: one bar chart per distribution, as a PNG inside the page.

Each chart is a ``data:`` URI, so the page is one file that reads offline; each has
alt text that states its numbers (``alt_text``), so the page says the same to a screen
reader, and to anyone who cannot see the bars.
"""

import base64
import io

#: The bars' colour: dark blue on white, a contrast ratio above 8:1.
BAR = "#1f4e79"
#: Pixels per inch of the PNGs: sharp at the width the page shows them.
DPI = 100


def _n(x):
    return f"{x:g}"


def alt_text(dist):
    """The chart's numbers in one sentence: "P1 (10 points): 18 students at 10 of 10,
    5 at 0, 2 at 5", most students first (ties: the higher score first)."""
    parts = sorted(dist.counts.items(), key=lambda kv: (-kv[1], -kv[0]))
    said = []
    for i, (score, count) in enumerate(parts):
        who = f"{count} student{'s' if count != 1 else ''}" if i == 0 else str(count)
        said.append(f"{who} at {_n(score)}" + (f" of {_n(dist.points)}" if i == 0 else ""))
    text = f"{dist.part} ({_n(dist.points)} points): " + (", ".join(said) or "no scores yet")
    if dist.pending:
        text += f"; {dist.pending} not graded yet"
    return text


def bar_chart(dist):
    """A PNG bar chart of ``dist`` (students per score) as a ``data:image/png`` URI."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2, 2.2), dpi=DPI)
    ax = fig.add_subplot()
    scores, counts = list(dist.counts), list(dist.counts.values())
    width = max(dist.points, 1) / 25
    ax.bar(scores, counts, width=width, color=BAR)
    for x, y in zip(scores, counts):
        ax.annotate(
            str(y),
            (x, y),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 1),
            textcoords="offset points",
        )
    ax.set_xlim(-width * 2, max(dist.points, max(scores, default=0)) + width * 2)
    ax.set_ylim(0, max(counts, default=1) * 1.25)
    ax.set_xlabel(f"score (of {_n(dist.points)})", fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xticks(sorted({0.0, float(dist.points), *scores}))
    ax.xaxis.set_major_formatter(lambda x, pos: _n(x))
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
