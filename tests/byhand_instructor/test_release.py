"""Is ``release/`` what nbgrader makes from ``source/``, with nothing a student shouldn't see?"""

import nbformat
import pytest
from nbclient import NotebookClient

from byhand.hints import hint
from byhand_instructor.release import release

from ..repo import copy_course, COURSE


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("course"), with_release=False)
    release(course)
    return course


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_release_is_regenerated_byte_for_byte(regenerated, assignment):
    """Does a fresh `release` from a fresh gradebook give the committed bytes?"""
    fresh = regenerated.release_notebook(assignment).read_bytes()
    assert COURSE.release_notebook(assignment).read_bytes() == fresh, (
        f"release/{assignment} drifted from source/: run `byhand release`"
    )


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_release_holds_no_solution_and_no_grader_text(assignment):
    """Are solution regions, model answers and grader-only files absent from release/?"""
    text = COURSE.release_notebook(assignment).read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "Model answer", "HIDDEN TESTS"):
        assert marker not in text
    files = sorted(p.name for p in COURSE.release_notebook(assignment).parent.iterdir())
    assert files == [f"{assignment}.ipynb"]


def test_release_has_no_partb_solution_code():
    """Is none of Part B's solution code left in the student notebook?"""
    text = COURSE.release_notebook("partb").read_text(encoding="utf-8")
    for line in (
        "d_net = 2 * (yhat - y)",
        "d_h = d_y *",
        "value - alpha * grads[name] for",
        "net_h = (params",
    ):
        assert line not in text


def test_run_all_on_a_blank_release_reaches_the_end_with_one_sentence_per_check(tmp_path):
    """Does *Run All* on the blank notebook get past every unwritten answer to the last cell
    (as JupyterLab does: only cells tagged raises-exception may fail), every grade cell
    failing with a one-sentence CheckFailed raised from the cell itself, not from the
    package, and a stub's the catalogue's not-attempted hint under the sentence?"""
    nb = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # an error in an untagged cell raises CellExecutionError here
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    assert "this notebook ran in" in "".join(o.get("text", "") for o in code[-1].outputs)
    grade = [c for c in code if (c.metadata.get("nbgrader") or {}).get("grade")]
    assert len(grade) == 6
    for cell in grade:
        [error] = [o for o in cell.outputs if o.output_type == "error"]
        assert error.ename == "CheckFailed", (cell.id, error.ename, error.evalue)
        sentence, *hints = error.evalue.splitlines()
        assert sentence.count(". ") == 0 and sentence.endswith("."), error.evalue
        stub = "is not written yet" in sentence
        assert hints == ([f"Hint: {hint('partb', 'not-attempted')}"] if stub else []), cell.id
        assert "checks.py" not in "".join(error.traceback), cell.id
        assert "raises-exception" in cell.metadata.get("tags", [])
    assert "logistic_grads is not written yet" in grade[0].outputs[0].evalue


def test_release_keeps_the_raises_exception_tags():
    """Did generate_assignment keep the source's raises-exception tags, cell for cell?"""
    source = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    release = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    tags = {c.id: c.metadata.get("tags") for c in source.cells}
    tagged = [c for c in release.cells if "raises-exception" in c.metadata.get("tags", [])]
    assert len(tagged) >= 12 and all(tags[c.id] == c.metadata.tags for c in tagged)
