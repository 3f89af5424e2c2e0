"""Does the class report's page hold every section, readable offline and by a screen
reader, and do its CSV files hold the same figures?"""

import csv
from html.parser import HTMLParser

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.class_report import build_report, PAGE, write_report
from byhand_grader.class_report.gather import ClassData
from byhand_grader.class_report.page import render
from byhand_grader.class_report.problem5 import NOT_RECORDED, problem5_run
from byhand_grader.course import Course
from byhand_grader.regrade import Change

from ...repo import COURSE
from .synthetic import cell, student

PARTB = load_assignment(COURSE, "partb")
P1 = "p1_logistic_grads_match_autograd"
FOUR = ("random", "saturated", "target", "zero_input")


def _p1(passed, codes=()):
    return cell(P1, 10, {f"test_logistic_grads[{g}]": passed for g in FOUR}, codes)


def _p2(passed):
    return cell(
        "p2_sgd_update_steps_against_gradient",
        5,
        {"test_a": passed, "test_b": passed},
        ("update-adds",),
    )


def _class(problem5=False):
    results = [
        student(
            "ada-42",
            _p1(False, ("factor-2-missing",)),
            _p2(True),
            manual={"p5_explanation": 7.0},
            manual_points={"P5": 10.0},
        ),
        student(
            "bob",
            _p1(True),
            _p2(False),
            flags={"autograd": ["sgd_update"], "limits": ["time limit"]},
            manual={"p5_explanation": None},
            manual_points={"P5": 10.0},
        ),
        student("cy", _p1(True), _p2(True), status="partly graded", reasons=["cell ended it"]),
        # nothing read: every cell recorded at 0, no check run (as grading records it)
        student("dee", cell(P1, 10, {}), status="ungradable", reasons=["corrupt JSON"]),
        student("eve", status="missing", reasons=["no submission"]),
    ]
    if problem5:  # as rubric.assist records them: ada's own seed learned, bob's never did
        results[0].problem5 = {
            "runs": [{"attempt": 0, "family": "NOR", "learned": True}],
            "suggested": None,
        }
        results[1].problem5 = {
            "runs": [
                {"attempt": 0, "family": "OR", "learned": False},
                {"attempt": 1, "family": "AND", "learned": False},
            ],
            "suggested": 0.0,
        }
    return results


REGRADE = [
    Change(
        "bob",
        P1,
        0.0,
        10.0,
        "failed [other]",
        "passed",
        5.0,
        15.0,
        True,
        "old1",
        "new1",
        "2026-01-01T00:00:00+00:00",
        "2026-01-02T00:00:00+00:00",
    ),
    Change(
        "cy",
        P1,
        10.0,
        10.0,
        "passed",
        "passed",
        15.0,
        15.0,
        False,
        "old1",
        "new1",
        "2026-01-01T00:00:00+00:00",
        "2026-01-02T00:00:00+00:00",
    ),
]


def _course_with_notebook(tmp_path):
    """A class folder whose autograded/ holds ada-42's notebook with the factor 2 missing."""
    course = Course(tmp_path)
    nb = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    for c in nb.cells:
        if c.get("id") == "p1_logistic_grads_answer":
            c.source = (
                "# by Ada Lovelace, ada-42\ndef logistic_grads(params, x, y):\n"
                "    d_yhat = (yhat - y)  # I forgot the 2\n    return d_yhat\n"
            )
    path = course.autograded_notebook("ada-42", "partb")
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return course


def _data(regrade=None, problem5=False):
    header = {"graded_at": "2026-01-01T00:00:00+00:00", "tests_digest": "abc123"}
    names = {"ada-42": ("Ada", "Lovelace")}
    return ClassData(PARTB, header, _class(problem5), names, regrade)


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def page(tmp_path):
    report = build_report(_course_with_notebook(tmp_path), "partb", _data(REGRADE, True))
    return report, render(report, ["mistakes.csv"])


def test_every_section_is_there(page):
    """Mistakes, check health, regrade, distributions, statuses and flags, Problem 5."""
    _, html = page
    ids = {a.get("id") for _, a in _Tags(html).tags}
    assert {"mistakes", "checks", "regrade", "distributions", "statuses", "problem5"} <= ids
    order = [html.index(f'id="{s}"') for s in ("mistakes", "checks", "regrade", "distributions")]
    assert order == sorted(order), "what to re-teach comes first"


def test_semantic_and_offline(page):
    """lang, one h1, a caption per table, a scope per th, alt text with numbers per image,
    and nothing loaded from elsewhere."""
    _, html = page
    tags = _Tags(html).tags
    assert ("html", {"lang": "en"}) in tags
    assert [t for t, _ in tags].count("h1") == 1
    assert [t for t, _ in tags].count("table") == [t for t, _ in tags].count("caption") > 3
    assert all(a.get("scope") in ("col", "row") for t, a in tags if t == "th")
    images = [a for t, a in tags if t == "img"]
    assert images and all(a["src"].startswith("data:image/png;base64,") for a in images)
    assert all(any(ch.isdigit() for ch in a["alt"]) for a in images)
    assert not [a for t, a in tags if t in ("link", "script")]
    assert "http://" not in html and "https://" not in html
    assert "nan" not in " ".join(_Tags(html).text).split()


def test_mistakes_show_who_and_an_anonymised_answer(page):
    """Is the factor 2 listed with its student, and its answer without their id, name or
    comments?"""
    report, html = page
    factor = next(m for m in report.mistakes if m.code == "factor-2-missing")
    assert factor.students == ["ada-42"] and factor.share == pytest.approx(1 / 4)
    assert (
        factor.snippet
        == "def logistic_grads(params, x, y):\n    d_yhat = (yhat - y)\n    return d_yhat"
    )
    assert PARTB.mistakes.name("factor-2-missing") in html
    section = html[html.index('id="mistakes"') : html.index('id="checks"')]
    assert "Lovelace" not in section and "forgot" not in section
    assert "ada-42" in section  # the instructor's page names who made it


def test_statuses_flags_regrade_and_problem5(page):
    """Does the page carry the statuses, the flags, who the regrade moved, and the families?"""
    report, html = page
    assert report.statuses["partly graded"] == ["cy"] and report.statuses["missing"] == ["eve"]
    assert report.statuses["failed"] == []
    assert ("bob", "autograd", "sgd_update") in report.flags
    regrade = html[html.index('id="regrade"') : html.index('id="distributions"')]
    assert "bob" in regrade and "+10" in regrade
    assert (
        "1 student with a new final score (1 up, 0 down); 1 student with a new verdict" in regrade
    )
    p5 = report.problem5
    assert p5.families == {"NOR": 1} and p5.not_learned == ["bob"]
    assert p5.graded == {"ada-42": 7.0} and p5.pending == ["bob", "cy", "dee"]
    assert p5.learned_later == []  # bob's later attempt did not learn either
    # bob's suggestion (0) has no points given yet: nothing to agree or disagree with
    assert (p5.agreement["suggested"], p5.agreement["graded"]) == (1, 0)
    assert f"{NOT_RECORDED}: 2 students" in html.lower()  # cy and dee have no run


def test_without_regrade_or_problem5_runs(tmp_path):
    """No regrade file: no regrade section; no Problem 5 run: "not recorded", not an error."""
    report = build_report(Course(tmp_path), "partb", _data())
    html = render(report)
    assert 'id="regrade"' not in html
    assert f"The students' own XOR networks: {NOT_RECORDED}" in html
    assert set(report.problem5.not_recorded) == {"ada-42", "bob", "cy", "dee"}


def test_problem5_reader():
    """The family of the first run that learned, whether the student's own seed learned,
    and (None, None) where nothing is recorded."""

    def with_run(run):
        r = student("a")
        r.problem5 = run
        return r

    def runs(*learned):
        return {
            "runs": [
                {"attempt": n, "family": f"family{n}", "learned": ok}
                for n, ok in enumerate(learned)
            ]
        }

    assert problem5_run(student("a")) == (None, None)
    assert problem5_run(with_run({})) == (None, None)
    # a result with a rubric but nothing of the student's ran (rubric.assist's all-None)
    assert problem5_run(with_run({"runs": [], "family": None, "learned": None})) == (None, None)
    assert problem5_run(with_run(runs(True))) == ("family0", True)
    assert problem5_run(with_run(runs(False, True))) == ("family1", False)
    assert problem5_run(with_run(runs(False, False))) == (None, False)


def test_csv_files_hold_the_same_figures(tmp_path, monkeypatch):
    """Are the CSVs written beside the page, one row per thing, with the page's numbers?"""
    course = _course_with_notebook(tmp_path)
    import byhand_grader.class_report as class_report

    monkeypatch.setattr(class_report, "gather", lambda c, name: _data(REGRADE, True))
    page = write_report(course, "partb")
    assert page == course.class_report("partb") / PAGE
    html = page.read_text(encoding="utf-8")

    def rows(name):
        with open(page.parent / name, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    mistakes = {r["code"]: r for r in rows("mistakes.csv")}
    assert mistakes["factor-2-missing"]["students"] == "1"
    assert mistakes["factor-2-missing"]["who"] == "ada-42"
    assert mistakes["update-adds"]["where"] == "P2: 1"
    checks = rows("checks.csv")
    assert len(checks) == 6 and {c["grade cell"] for c in checks} == {
        P1,
        "p2_sgd_update_steps_against_gradient",
    }
    dist = [r for r in rows("distribution.csv") if r["part"] == "P1"]
    assert {(r["score"], r["students"]) for r in dist} == {("0", "2"), ("10", "2")}
    assert {r["student"]: r["status"] for r in rows("statuses.csv")}["dee"] == "ungradable"
    assert {(r["student"], r["flag"]) for r in rows("flags.csv")} == {
        ("bob", "autograd"),
        ("bob", "limits"),
    }
    p5 = {r["student"]: r for r in rows("problem5.csv")}
    assert p5["ada-42"]["family"] == "NOR" and p5["ada-42"]["P5 score"] == "7"
    assert p5["bob"]["own seed learned XOR"] == "no"
    assert p5["cy"]["own seed learned XOR"] == NOT_RECORDED
    for name in ("mistakes.csv", "checks.csv", "problem5.csv"):
        assert f'href="{name}"' in html
