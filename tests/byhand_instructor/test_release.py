"""Is ``release/`` what nbgrader makes from ``source/``, with nothing a student shouldn't see?"""

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from byhand_instructor.release import release

from ..repo import COURSE, copy_course


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
        f"release/{assignment} drifted from source/: run `byhand release`")


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
    for line in ("d_net = 2 * (yhat - y)", "d_h = d_y *", "value - alpha * grads[name] for",
                 "net_h = (params"):
        assert line not in text


def test_release_runs_to_the_first_todo_and_stops_there(tmp_path):
    """Does a blank student notebook run until the first check and stop with the stub error?"""
    nb = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as err:
        client.execute()
    assert "NotImplementedError" in str(err.value)
    code = [c for c in nb.cells if c.cell_type == "code"]
    ran = [c for c in code if c.get("execution_count")]
    failing = ran[-1]
    assert "logistic_grads" in failing.source and failing.outputs[-1]["ename"] == "NotImplementedError"
    first_answer = next(i for i, c in enumerate(code)
                        if (c.metadata.get("nbgrader") or {}).get("solution"))
    assert code.index(failing) == first_answer + 1, "it should stop at the check right after the first TODO"
