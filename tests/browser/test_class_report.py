"""An instructor reading the class report: does its first screen say what to re-teach, does it
read at a laptop's width offline, do its charts state their numbers, and does it pass axe-core?

The page is the sample class's report as ``byhand all`` wrote it in a fresh clone (the
test processes' shared ``made_clone``: 23 students, enough for check health to judge),
opened from disk as an instructor opens the file, in a page that cannot reach the network.
Screenshots: ``report-1-top`` (the first screen), ``report-2-checks`` (check health),
``report-3-problem5``.
"""

import re

import pytest

from .conftest import axe_violations, shot

pytestmark = pytest.mark.browser

WIDTH = 1200


@pytest.fixture
def report(made_clone, page):
    """The sample class's Part B report, open at 1200 x 900."""
    course, done = made_clone
    assert done.returncode == 0, done.stderr
    html = course.sample_class().class_report("partb") / "index.html"
    assert html.is_file(), f"byhand all wrote no class report: {done.stdout[-2000:]}"
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(html.as_uri())
    return page


def test_first_screen_says_what_to_reteach(report, offline):
    """Is the class's most common mistake, with its count and its hint, on the first screen,
    and does the page keep within 1200 px and off the network?"""
    shot(report, "report-1-top")
    mistakes = report.locator("#mistakes")
    assert mistakes.bounding_box()["y"] < 900, "the mistakes start below the first screen"
    first_row = mistakes.locator("tbody tr").first
    assert first_row.bounding_box()["y"] < 900, "no mistake on the first screen"
    assert re.search(r"\b\d+\b", first_row.inner_text()), first_row.inner_text()
    hint = first_row.locator("details summary", has_text="hint students get")
    assert hint.count() == 1, f"the first mistake has no hint: {first_row.inner_text()}"
    overflow = report.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {WIDTH} px"
    assert offline.blocked == [], f"the page tried the network: {offline.blocked}"

    report.locator("#checks").scroll_into_view_if_needed()
    shot(report, "report-2-checks")
    report.locator("#problem5").scroll_into_view_if_needed()
    shot(report, "report-3-problem5")


def test_every_chart_states_its_numbers(report):
    """Does every chart load (an image that drew) and carry alt text with the counts it
    shows, for a reader who cannot see it?"""
    images = report.evaluate("""() => Array.from(document.images).map(img => ({
        alt: img.getAttribute('alt') || '', drawn: img.complete && img.naturalWidth > 0}))""")
    assert images, "the report has no chart"
    assert all(i["drawn"] for i in images), [i["alt"] for i in images if not i["drawn"]]
    mute = [i["alt"] for i in images if not re.search(r"\d+ students? at", i["alt"])]
    assert mute == [], f"charts whose alt text does not state their counts: {mute}"


def test_report_passes_axe(report):
    """Does the class report pass axe-core with no serious or critical violation?"""
    failing, others = axe_violations(report)
    print(f"axe-core, class report: {len(others)} moderate or minor: {others}")
    assert failing == [], "\n".join(failing)
