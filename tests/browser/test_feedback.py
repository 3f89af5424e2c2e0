"""A student reading their feedback page: do the verdicts wrap, does the maths render offline,
do the plots carry captions, and does nothing of the hidden checks show?

The pages are the ones ``nbgrader generate_feedback`` wrote for the session's
course after ``byhand grade``, opened from disk as a student opens the file
they were sent, at 1200 px wide, in a page that cannot reach the network.
Hidden inputs are the student's own (``grader_tests/partb/probes.py``, through
``judge.build_calls``, every call but the ``/shown`` ones the notebook itself
shows), in the forms the grader and the checks print numbers; hidden test text
is ``grader_tests/partb/test_partb.py``'s test names, docstrings and first line.
"""

import ast

import pytest

from byhand.checks import fmt_list
from byhand_grader.assignment import load_assignment
from byhand_grader.judge import build_calls

from ..repo import COURSE
from .conftest import axe_violations, shot, STUDENTS

pytestmark = pytest.mark.browser

WIDTH = 1200


def _vectors(value):
    """Every list of numbers in a call's ``params``, ``x`` or ``y``."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _vectors(v)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, float) for v in value):
        yield list(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _vectors(v)


def _drawn(v):
    """A number drawn at random (not a round one, at float32's precision), which a page
    holds only if it leaked."""
    return float(f"{v:.3g}") != float(f"{v:.6g}")


def hidden_inputs(student):
    """The call ids and drawn inputs of ``student``'s hidden calls, as the grader and the
    checks would print them: each number in full (``repr``) or as the visible check prints
    it (``%.8f``), each vector of two or more as ``fmt_list`` (4 significant digits) and as
    ``explain_xor`` does (rounded to 3 places); shorter forms alone would match by chance."""
    calls = build_calls(load_assignment(COURSE, "partb"), student)
    texts = set()
    for call_id, call in calls.items():
        if call_id.endswith("/shown"):
            continue
        texts.add(call_id)
        for vector in _vectors([call.get(k) for k in ("params", "x", "y")]):
            drawn = [v for v in vector if _drawn(v)]
            texts |= {repr(v) for v in drawn} | {f"{v:.8f}" for v in drawn}
            if drawn and len(vector) >= 2:
                texts |= {fmt_list(vector), str([round(v, 3) for v in vector])}
    return texts


def hidden_test_text():
    """Names, docstrings and first line of the hidden checks' source."""
    path = COURSE.assignment_tests("partb") / "test_partb.py"
    source = path.read_text()
    texts = {source.splitlines()[0]}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            # the tests and the private helpers (not methods named with plain words)
            if node.name.startswith("test_") or (node.name.startswith("_") and len(node.name) > 8):
                texts.add(node.name)
            doc = ast.get_docstring(node)
            if doc and len(doc.splitlines()[0]) > 20:
                texts.add(doc.splitlines()[0])
    return texts


@pytest.fixture
def feedback(lab, page):
    """Open a student's feedback page at 1200 px and wait until MathJax has typeset it."""

    def open_page(student):
        page.set_viewport_size({"width": WIDTH, "height": 900})
        html = lab.course.feedback / student / "partb" / "partb.html"
        missing = []  # files the page asked for that are not there (beside it, offline)
        page.on("requestfailed", lambda r: missing.append(r.url))
        page.goto(html.as_uri())
        has_mathjax = page.evaluate(
            "() => typeof window.MathJax !== 'undefined' && !!window.MathJax.Hub"
        )
        assert has_mathjax, "MathJax did not load without the network"
        page.evaluate("() => new Promise(done => MathJax.Hub.Queue(() => done(true)))")
        return page, missing

    return open_page


@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_page_reads_well_offline(feedback, offline, student):
    """Do the verdicts wrap at 1200 px, does every formula render with no network, does
    every plot have a caption under it?"""
    page, missing = feedback(student)
    shot(page, f"feedback-{student}-1-top")

    overflow = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {WIDTH} px"
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('.output_area pre'))
        .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
        .map(pre => pre.innerText.split('\\n').find(l => l.length > 0))""")
    assert cut == [], f"output lines cut off at {WIDTH} px (first line of each): {cut}"
    verdicts = page.locator(".output_area pre", has_text="Autograder:")
    assert verdicts.count() > 0, "no verdict printed under the grade cells"
    verdicts.nth(verdicts.count() - 1).scroll_into_view_if_needed()
    shot(page, f"feedback-{student}-2-verdict")

    assert offline.blocked == [], f"the page tried the network: {offline.blocked}"
    maths = page.evaluate("""() => ({
        sources: document.querySelectorAll('script[type^="math/tex"]').length,
        typeset: document.querySelectorAll('.MathJax, .MathJax_Display').length,
        errors: document.querySelectorAll('.MathJax_Error, merror').length,
        raw: Array.from(document.querySelectorAll('.text_cell_render')).filter(
            e => /\\$[^$\\s][^$]*\\$|\\\\frac|\\\\partial/.test(e.innerText)).length})""")
    assert maths["sources"] > 0 and maths["typeset"] >= maths["sources"], maths
    assert maths["raw"] == 0, f"{maths['raw']} text cells show TeX source, not maths"
    assert maths["errors"] == 0, (
        f"{maths['errors']} formulas show [Math Processing Error] "
        f"offline; files not found: {missing}"
    )

    captions = page.evaluate("""() => Array.from(document.querySelectorAll('.output_area img'))
        .map(img => {
            const next = img.closest('.output_area').nextElementSibling;
            return next ? next.innerText.trim() : '';
        })""")
    assert captions, "no plot on the feedback page"
    assert all(len(c) >= 30 for c in captions), f"plots without a caption under them: {captions}"
    page.locator(".output_area img").first.scroll_into_view_if_needed()
    shot(page, f"feedback-{student}-3-plot")


@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_page_shows_nothing_hidden(feedback, student):
    """Does the page hold none of the student's hidden inputs and none of the hidden checks'
    names, docstrings or source?"""
    page, _ = feedback(student)
    text = page.evaluate("() => document.body.innerText")
    html = page.content()
    hidden = hidden_inputs(student)
    assert len(hidden) > 100, "the hidden calls changed shape: look at probes.py"
    shown = sorted(t for t in hidden | hidden_test_text() if t in text or t in html)
    assert shown == [], f"the feedback page shows hidden material: {shown}"


@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_page_passes_axe(feedback, student):
    """Does the feedback page, maths typeset, pass axe-core with no serious or critical
    violation (contrast, names of images and links, structure)?"""
    page, _ = feedback(student)
    failing, others = axe_violations(page)
    print(f"axe-core, feedback of {student}: {len(others)} moderate or minor: {others}")
    assert failing == [], "\n".join(failing)


def test_axe_finds_what_it_should(page):
    """Can the accessibility check fail: does axe-core, as run here, report an image with
    no text alternative and grey-on-grey text as serious or worse?"""
    page.set_content(
        "<html lang='en'><head><title>t</title></head><body><main>"
        "<img src='data:image/png;base64,iVBORw0KGgo='>"
        "<p style='color:#bbb;background:#ccc'>faint</p></main></body></html>"
    )
    failing, _ = axe_violations(page)
    assert any(" image-alt:" in line for line in failing), failing
    assert any(" color-contrast:" in line for line in failing), failing
