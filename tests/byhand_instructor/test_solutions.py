"""Are the worked ``solutions/`` executed, error-free and regenerated from ``source/``?"""

import base64
import io
import re

import nbformat
import numpy as np
import pytest

from byhand_instructor.hints import HINTS_FILE
from byhand_instructor.solutions import (
    cell_errors,
    same_plot,
    same_results,
    TIMED,
    without_timings,
)

from ..repo import COURSE, git


@pytest.fixture(scope="module")
def regenerated(made_clone):
    """A fresh clone after `byhand all`: its solutions/ regenerated from source/ (a notebook
    whose run changed nothing but the timing cells' measurements is kept as committed)."""
    course, done = made_clone
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return course


def _without_timings(path):
    return without_timings(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_solutions_are_regenerated_byte_for_byte(regenerated, assignment):
    """Does executing source/ again give the committed solutions (timings aside), byte for
    byte?  (``byhand solutions`` keeps the committed notebook when only timings and plots
    within ``PLOT_TOLERANCE`` moved, so on another processor it is still byte for byte.)"""
    fresh = regenerated.solutions_notebook(assignment)
    assert _without_timings(COURSE.solutions_notebook(assignment)) == _without_timings(fresh), (
        f"solutions/{assignment} drifted from source/: run `byhand solutions`"
    )


def test_hints_are_regenerated_byte_for_byte(regenerated):
    """Does `byhand all` in a fresh clone (its `release`) give the committed byhand/hints.py,
    the catalogues' hints the visible checks print?"""
    fresh = (regenerated.root / HINTS_FILE).read_text(encoding="utf-8")
    assert (COURSE.root / HINTS_FILE).read_text(encoding="utf-8") == fresh, (
        "byhand/hints.py drifted from grader_tests/*/mistakes.py: run `byhand release`"
    )


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_only_timing_cells_may_vary(assignment):
    """Are the cells exempt from the byte-for-byte check really the timing ones?"""
    nb = nbformat.read(COURSE.solutions_notebook(assignment), as_version=4)
    for cell in nb.cells:
        if cell.get("id", "").startswith(TIMED):
            assert "time" in cell.source.lower() or "µs" in cell.source or "closing" in cell.id


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_solutions_ran_without_errors_and_show_plots(assignment):
    """Did every cell run, and are the plots there for students to compare with?"""
    path = COURSE.solutions_notebook(assignment)
    assert cell_errors(path) == []
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    assert sum("image/png" in o.get("data", {}) for c in code for o in c.outputs) >= 3


def test_partb_model_answer_quotes_numbers_the_notebook_printed():
    """Is every number in Problem 5's model answer printed by the explain cell above it?"""
    nb = nbformat.read(COURSE.solutions_notebook("partb"), as_version=4)
    answer = next(c for c in nb.cells if c.get("id") == "p5_explanation").source
    printed = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code" and "explain_xor" in c.source
        for o in c.outputs
    )
    numbers = re.findall(r"-?\d+\.\d+", answer.split("Why it works")[0])
    shown = [float(v) for v in re.findall(r"-?\d+\.\d+", printed)]
    assert len(numbers) >= 10
    for n in numbers:
        decimals = len(n.split(".")[1])
        assert any(abs(abs(float(n)) - abs(round(v, decimals))) < 1e-9 for v in shown), (
            f"{n} in the model answer is not a rounding of any number the notebook printed"
        )


def test_split_streams_are_merged(tmp_path):
    """Does a print that the kernel happened to flush in two messages become one output,
    so the solutions' bytes do not depend on how busy the machine was?"""
    from byhand_instructor.solutions import merge_streams

    cell = nbformat.v4.new_code_cell(
        "print(1); f(); print(2)",
        outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="1\n"),
            nbformat.v4.new_output("stream", name="stdout", text="2\n"),
            nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
            nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
            nbformat.v4.new_output("stream", name="stdout", text="3\n"),
        ],
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    merge_streams(path)
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "1\n2\n"),
        ("stream", "stderr", "warning\n"),
        ("display_data", None, None),
        ("stream", "stdout", "3\n"),
    ]


def _plot(shift=0.0, title="loss", size=(4, 3)):
    """A base64 PNG, as a notebook holds it, of a curve moved up by ``shift`` (the axis is 1
    high and about 230 pixels tall, so 1e-4 is a fiftieth of a pixel)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size, dpi=100)
    x = np.linspace(0, 6, 200)
    ax.plot(x, 0.5 + 0.3 * np.sin(x) + shift)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return base64.b64encode(out.getvalue()).decode()


def test_a_curve_a_fraction_of_a_pixel_apart_is_the_same_plot():
    """Do plots whose curves moved as much as another processor's rounding moves them count
    as the same (a plot of the extension, executed on an AVX2 machine, differed from the
    committed one in 81 pixels, by at most 8/255), and every real change as different?"""
    base = _plot()
    nearly = _plot(shift=1e-4)
    assert nearly != base  # the pixels did move
    assert same_plot(base, nearly)
    assert not same_plot(base, _plot(shift=5e-3))  # a curve about one pixel higher
    assert not same_plot(base, _plot(title="loss (log scale)"))
    assert not same_plot(base, _plot(size=(4, 3.1)))


def _run(plot, number, took):
    """A notebook's text: a cell that plots and prints ``number``, a timing cell."""
    cells = [
        nbformat.v4.new_code_cell(
            "plot(); print(number)",
            outputs=[
                nbformat.v4.new_output("display_data", data={"image/png": plot}),
                nbformat.v4.new_output("stream", name="stdout", text=f"{number}\n"),
            ],
        ),
        nbformat.v4.new_code_cell(
            "time_it()", outputs=[nbformat.v4.new_output("stream", name="stdout", text=took)]
        ),
    ]
    cells[0]["id"], cells[1]["id"] = "plots", f"{TIMED[0]}epochs"
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def test_same_results_allows_only_timings_and_rounding_in_plots():
    """Does ``solutions`` keep the committed notebook only when the run changed nothing but
    what it measured and plots within the tolerance, and never when a printed number or a
    plot changed?"""
    before = _run(_plot(), "0.125", "15.1 µs")
    assert same_results(before, _run(_plot(shift=1e-4), "0.125", "25.3 µs"))
    assert not same_results(before, _run(_plot(shift=1e-4), "0.126", "15.1 µs"))
    assert not same_results(before, _run(_plot(shift=5e-3), "0.125", "15.1 µs"))


def test_byhand_all_passes_and_leaves_git_status_empty(made_clone):
    """After `byhand all` in a fresh clone, is the tree clean: nothing changed, nothing new?

    ``make`` is the venv's setup, which writes only the ignored ``.venv/``, then ``byhand
    all``: this covers everything ``byhand all`` writes (source/<a>/<a>.ipynb, release/,
    solutions/, the gradebooks, the sample class's graded folders and grades.csv), run with
    the tests' own venv; the setup step itself is run by CI's ``make``."""
    course, done = made_clone
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    status = git("status", "--porcelain", "--untracked-files=all", cwd=course.root)
    assert status == "", f"`byhand all` left the tree dirty:\n{status}\n" + git(
        "diff", "--stat", cwd=course.root
    )


def test_byhand_all_writes_the_sample_class_report(made_clone):
    """Does `byhand all` write the sample class's report of every assignment and print where?"""
    course, done = made_clone
    sample = course.sample_class()
    for a in course.assignments():
        page = sample.class_report(a) / "index.html"
        assert page.is_file(), a
        assert f"its class report:    {page.relative_to(course.root)}\n" in done.stdout
