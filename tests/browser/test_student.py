"""A student in JupyterLab: do the visible check and nbgrader's Validate say what they should?

The student opens their copy of the release notebook in a real JupyterLab (the
earlier problems already done, as a student halfway through would have it; every
problem but Problem 1 is filled in from the worked solutions), types their
``logistic_grads`` into its answer cell, runs the setup, the answer, the visible
check and the grade cell, and presses the notebook toolbar's *Validate*
(nbgrader's lab extension): it passes.  Then they drop the factor 2, as the
commonest slip does: the check says in a sentence that a constant factor is
off, with the catalogue's hint for the missing factor 2, and Validate fails on that one grade cell, with that sentence, not a
traceback into the course package.
"""

import re

import nbformat
import pytest

from byhand.hints import hint
from byhand_grader.assignment import load_assignment
from byhand_instructor.sample_class import solved_release

from ..repo import COURSE
from .conftest import shot

pytestmark = pytest.mark.browser

ANSWER_ID = "p1_logistic_grads_answer"
GRADE_ID = "p1_logistic_grads_match_autograd"
#: Validate runs the whole notebook (its XOR training too) on two busy cores
VALIDATE_TIMEOUT = 240_000


def _cell_index(nb, cell_id):
    return next(n for n, c in enumerate(nb.cells) if c.get("id") == cell_id)


@pytest.fixture(scope="module")
def notebook(lab):
    """The student's notebook: the release with Problems 2-4 solved and Problem 1 still a stub.

    Returns ``(path relative to the server root, the notebook, the solution of Problem 1)``.
    """
    release = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    solved = solved_release(COURSE, "partb")
    at = _cell_index(solved, ANSWER_ID)
    solution = solved.cells[at].source
    solved.cells[at].source = release.cells[_cell_index(release, ANSWER_ID)].source
    assert "raise NotImplementedError()" in solved.cells[at].source
    nbformat.write(solved, lab.student / "partb.ipynb")
    return f"{lab.student.name}/partb.ipynb", solved, solution


def _open(page, lab, path):
    page.goto(lab.url(f"lab/tree/{path}", reset=""))
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
    return page.locator(".jp-Notebook .jp-Cell")


class Kernel:
    """Runs notebook cells one by one and counts executions, as the prompts number them."""

    def __init__(self, page, cells):
        self.page, self.cells, self.count = page, cells, 0

    def run(self, index):
        """Run cell ``index`` (Shift+Enter) and wait until its prompt shows it ran; its output."""
        cell = self.cells.nth(index)
        cell.locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Shift+Enter")
        self.count += 1
        prompt = cell.locator(".jp-InputPrompt")
        prompt.filter(has_text=f"[{self.count}]").wait_for(timeout=120_000)
        return cell.locator(".jp-OutputArea").inner_text()


def _type_answer(page, cell, text):
    """Replace the cell's code with ``text``, as typed (inserted, so no auto-indent doubles it)."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    page.keyboard.press("Escape")


def _validate(page):
    """Press Validate; the results dialog (closed again) as ``(passed?, its text)``."""
    page.locator(".validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=VALIDATE_TIMEOUT)
    body = dialog.locator(".validation-success, .validation-failed")
    body.wait_for(timeout=5_000)
    passed = "validation-success" in body.get_attribute("class")
    return passed, dialog


def _expected_line(nb):
    """What the grade cell prints when the answer is right (its own ``print``)."""
    source = nb.cells[_cell_index(nb, GRADE_ID)].source
    return re.search(r'print\("([^"]+)"\)', source).group(1)


def test_student_fills_in_checks_and_validates(lab, page, notebook):
    """Does a typed-in answer pass the visible check and Validate, and does a buggy one fail
    both with a sentence saying what is wrong?"""
    path, nb, solution = notebook
    cells = _open(page, lab, path)
    kernel = Kernel(page, cells)
    setup = load_assignment(COURSE, "partb").setup_cells
    for cell_id in setup:
        kernel.run(_cell_index(nb, cell_id))
    answer = _cell_index(nb, ANSWER_ID)
    check, grade = answer + 2, _cell_index(nb, GRADE_ID)
    assert nb.cells[check].source.startswith("# check: Problem 1")

    _type_answer(page, cells.nth(answer), solution)
    kernel.run(answer)
    checked = kernel.run(check)
    cells.nth(check).scroll_into_view_if_needed()
    shot(page, "student-1-check-passes")
    assert re.search(r"largest \|difference\| = \S+ +\(expect below 1e-05\) +OK", checked), checked
    assert kernel.run(grade).strip() == _expected_line(nb)

    passed, dialog = _validate(page)
    shot(page, "student-2-validate-passes")
    text = dialog.inner_text()
    assert passed, text
    assert "Success! Your notebook passes all the tests." in text
    dialog.get_by_role("button", name="Ok").click()

    buggy = solution.replace("2 * (yhat - y)", "(yhat - y)")
    assert buggy != solution, "the solution of Problem 1 no longer has the factor 2 this drops"
    _type_answer(page, cells.nth(answer), buggy)
    kernel.run(answer)
    checked = kernel.run(check)
    cells.nth(check).scroll_into_view_if_needed()
    shot(page, "student-3-check-says-what-differs")
    assert "DIFFERENT" in checked and "factor" in checked, checked
    assert "Traceback" not in checked
    hint_line = f"Hint: {hint('partb', 'factor-2-missing')}"  # the catalogue's, wrapped
    assert hint_line in " ".join(checked.split()), checked
    graded = kernel.run(grade)
    assert "factor" in graded and "byhand/" not in graded, graded
    assert hint_line in " ".join(graded.split()), graded

    passed, dialog = _validate(page)
    shot(page, "student-4-validate-fails")
    text = dialog.inner_text()
    assert not passed, text
    failed = dialog.locator(".validation-failed")
    # one failing cell, Problem 1's grade cell, and why in a sentence from the check
    assert failed.get_by_text("The following cell failed:").count() == 1, text
    assert nb.cells[grade].source.splitlines()[0] in text
    assert "factor" in text, text
    assert "byhand/checks.py" not in text, text
    dialog.get_by_role("button", name="Ok").click()
