"""A teaching assistant in formgrader: can they grade Problem 5 from what the grader recorded,
and does the Autograde button refuse, plainly, instead of grading without the hidden checks?

After ``byhand grade`` (the session's fixture), the grader opens formgrader from
JupyterLab's Nbgrader menu, finds the ``correct`` student's submission, reads the
``explain_xor`` table and plot that the grader recorded right above Problem 5
(the sample submissions carry no outputs of their own) and the grader's note in the
answer's comment box, enters points and a
comment for ``p5_explanation``, and ``nbgrader export`` (the course's
``byhand_grader.nbgrader_plugins.export`` plugin) shows the new total, graded.  Then they press
*Autograde* for that student on the assignment's submissions page: it says that
grading is ``byhand grade`` and leaves the record and the score as they were.
"""

import csv
import re

import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import expect

from byhand.data import PATTERNS
from byhand.explain import TERMS
from byhand_grader.nbgrader_plugins.guard import REFUSAL
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.rubric import NOTE_HEAD

from .conftest import shot

pytestmark = pytest.mark.browser

STUDENT = "correct"
P5 = "p5_explanation"
P5_POINTS = 8
P5_COMMENT = "Clear: h is an AND detector and w2·h vetoes the 11 pattern."
#: explain_xor's table heading (byhand.explain.explain_text), as words
TABLE_HEAD = ["x", "target", "h", *TERMS, "net_y", "yhat"]


def _formgrader(page, lab):
    """JupyterLab, Nbgrader menu, Formgrader: the frame formgrader runs in."""
    page.goto(lab.url("lab", reset=""))
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_text("Formgrader", exact=True).click()
    frame = page.frame_locator("iframe")
    frame.locator("#main-table td.name", has_text="partb").wait_for()  # the table has loaded
    return frame


def _submission_score(course):
    with Gradebook(course.db_url) as gb:
        return gb.find_submission("partb", STUDENT).score


def _export(course):
    nbgrader(course, "export")
    with open(course.grades_csv, newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_grading_problem5_in_formgrader(lab, page):
    """Does formgrader show the grader's explain_xor table and plot above Problem 5 and the
    grader's note in its comment box, and do the points and comment entered there reach
    `nbgrader export`?"""
    course = lab.course
    before = _export(course)[STUDENT]
    assert before["status"] == "pending", before
    frame = _formgrader(page, lab)
    shot(page, "grader-1-formgrader")

    frame.get_by_role("link", name="Manual Grading").click()
    frame.get_by_role("link", name="partb", exact=True).click()
    frame.get_by_role("link", name="partb", exact=True).click()
    frame.locator("#main-table a.name-shown").first.wait_for(state="attached")
    frame.get_by_role("button", name="Show All Names").click()
    frame.locator("#main-table a.name-shown", has_text=STUDENT).click()

    score = frame.locator(f"input#{P5}")
    error = frame.get_by_role("heading", name="Error", exact=True)
    score.or_(error).first.wait_for()
    assert not error.count(), (
        f"formgrader could not show the submission; the server's log ends:\n{lab.log_tail(8)}"
    )
    # the code cell right above the hand-graded answer: the grader's record of the student's run
    p5_cell = frame.locator("div.cell", has=score)
    recorded = p5_cell.locator("xpath=preceding-sibling::div[contains(@class, 'code_cell')][1]")
    recorded.scroll_into_view_if_needed()
    shot(page, "grader-2-explain-xor-recorded")
    outputs = recorded.locator(".output_wrapper")
    text = outputs.inner_text() if outputs.count() else ""
    lines = [ln.split() for ln in text.splitlines()]
    assert TABLE_HEAD in lines, f"no explain_xor table recorded by the grader above P5:\n{text}"
    assert [ln[0] for ln in lines if ln and ln[0] in PATTERNS] == list(PATTERNS), text
    assert "the network computes XOR" in text, text
    plots = recorded.locator(".output_png img, img")
    assert plots.count() >= 1, "no plot recorded by the grader above Problem 5"
    assert plots.first.evaluate("img => img.complete && img.naturalWidth > 0")

    # the grader's note (byhand_grader.rubric): in grey in the comment box, until a comment
    # is typed; the suggestion first, the student's own recorded network after it
    comment = frame.locator(f"textarea#{P5}-comment")
    comment.scroll_into_view_if_needed()
    shot(page, "grader-2b-problem5-note")
    expect(comment).to_have_attribute("placeholder", re.compile("^" + re.escape(NOTE_HEAD)))
    note = comment.get_attribute("placeholder")
    with Gradebook(course.db_url) as gb:
        assert note == gb.find_comment(P5, "partb", "partb", STUDENT).auto_comment
    assert note.startswith(NOTE_HEAD) and "\nRecorded: " in note, note
    box = comment.bounding_box()
    assert box["height"] >= 100, box  # the box grows to show the note's lines

    with page.expect_response(
        lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"
    ) as saved:
        score.fill(str(P5_POINTS))
        score.press("Tab")
    assert saved.value.ok
    with page.expect_response(
        lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"
    ) as saved:
        comment.fill(P5_COMMENT)
        comment.press("Tab")
    assert saved.value.ok
    p5_cell.scroll_into_view_if_needed()
    shot(page, "grader-3-problem5-graded")

    after = _export(course)[STUDENT]
    assert after["status"] == "graded", after
    assert float(after["raw_score"]) == pytest.approx(float(before["raw_score"]) + P5_POINTS)
    with Gradebook(course.db_url) as gb:
        assert gb.find_comment(P5, "partb", "partb", STUDENT).comment == P5_COMMENT


def test_autograde_button_says_grading_is_byhand_grade(lab, page):
    """Does formgrader's Autograde button refuse with the sentence that grading is
    `byhand grade`, leaving the graded notebook and the score as they were?"""
    course = lab.course
    notebook = course.autograded_notebook(STUDENT, "partb")
    record, score = notebook.read_bytes(), _submission_score(course)
    frame = _formgrader(page, lab)
    partb = frame.locator("#main-table tr", has=frame.locator("td.name", has_text="partb"))
    partb.locator("td.num-submissions a").click()  # the assignment's submissions page
    row = frame.locator("#main-table tr", has=frame.locator("td.student-id", has_text=STUDENT))
    row.locator("td.autograde a").click()
    modal = frame.locator("#error-modal")
    modal.wait_for(timeout=120_000)
    modal.get_by_text(REFUSAL).first.wait_for()
    expect(modal).to_have_css("opacity", "1")  # faded in, for the screenshot
    shot(page, "grader-4-autograde-refuses")
    assert "Successfully autograded" not in modal.inner_text()
    assert notebook.read_bytes() == record
    assert _submission_score(course) == score
