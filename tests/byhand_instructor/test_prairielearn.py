"""Does the PrairieLearn grader built by `byhand prairielearn` grade like `byhand grade`?

The grader folder is built by the command from a copy of the course; `byhand
prairielearn --try` runs its entrypoint, in a temporary folder laid out as
PrairieLearn's /grade, on sample-class submissions (the correct solution, a
buggy one, a notebook that cannot be read); the same submissions are graded
once by ``byhand_grader.grade.grade`` (``conftest.graded``), and every score must agree.
"""

import json
from pathlib import Path

import pytest

from byhand_grader.mistakes import cell_codes

from ..byhand_grader.test_prairielearn import prairielearn_schema_errors
from .conftest import byhand

SCENARIOS = ("correct", "missing-factor-2", "corrupt-json")  # of conftest.COMPARED


@pytest.fixture(scope="module")
def built(graded, tmp_path_factory):
    out = tmp_path_factory.mktemp("pl") / "grader"
    proc = byhand(
        "prairielearn",
        "partb",
        "--course",
        graded[0].root,
        "--out",
        out,
        "--image",
        "example/byhand-grader:1",
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def tried(graded, built):
    """``{scenario: results.json}`` of `byhand prairielearn --try` on each scenario."""
    out = {}
    for student in SCENARIOS:
        (notebook,) = (graded[0].submitted / student / "partb").glob("*.ipynb")
        proc = byhand("prairielearn", "--try", built, notebook, "--student", student)
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[student] = json.loads(proc.stdout)
    return out


def test_the_folder_is_a_question_an_image_and_server_files(built):
    """Does the folder hold the entrypoint, a question that names it, and a course-free image?"""
    info = json.loads((built / "questions" / "byhand-partb" / "info.json").read_text())
    grading = info["externalGradingOptions"]
    assert grading["enabled"] and grading["image"] == "example/byhand-grader:1"
    assert grading["serverFilesCourse"] == ["byhand-partb/"]
    entry = Path(grading["entrypoint"]).relative_to("/grade/serverFilesCourse")
    assert (built / "serverFilesCourse" / entry).stat().st_mode & 0o111
    assert 30 < grading["timeout"] <= 600
    docker = (built / "image" / "Dockerfile").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in docker and "bubblewrap" in docker
    assert "COPY requirements.txt" in docker and "grader_tests" not in docker
    html = (built / "questions" / "byhand-partb" / "question.html").read_text()
    assert 'file-names="partb.ipynb"' in html and "pl-external-grader-results" in html


@pytest.mark.parametrize("student", SCENARIOS)
def test_scores_match_byhand_grade(graded, tried, student):
    """Does every grade cell score on PrairieLearn what `byhand grade` gave it, with the
    same mistake codes?"""
    expected, results = graded[1][student], tried[student]
    assert prairielearn_schema_errors(results) == []
    if expected.status == "ungradable":  # nothing could be read: no points, no attempt lost
        assert results["gradable"] is False and "score" not in results
        assert results["format_errors"] == expected.reasons
        return
    assert {t["name"].split(": ")[1]: (t["points"], t["max_points"]) for t in results["tests"]} == {
        c.grade_id: (c.score, c.points) for c in expected.cells
    }
    assert results["score"] == pytest.approx(expected.auto_score / expected.max_auto)
    assert {t["name"].split(": ")[1]: t["mistakes"] for t in results["tests"]} == {
        c.grade_id: cell_codes(c) for c in expected.cells
    }


def test_problem5_is_left_to_manual_grading(tried):
    """Is Problem 5 out of the automatic score, and does the message say so?"""
    results = tried["correct"]
    assert results["score"] == 1.0 and sum(t["max_points"] for t in results["tests"]) == 35
    assert not any(t["name"].startswith("P5") for t in results["tests"])
    assert "P5 (what the XOR network learned, 10 points) is graded by hand" in results["message"]
