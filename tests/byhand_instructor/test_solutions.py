"""Are the worked ``solutions/`` executed, error-free and regenerated from ``source/``?"""

import re

import nbformat
import pytest

from byhand_instructor.hints import HINTS_FILE
from byhand_instructor.solutions import cell_errors, TIMED, without_timings

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
    """Does executing source/ again give the committed solutions (timings aside), byte for byte?"""
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
