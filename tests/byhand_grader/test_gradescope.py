"""Does the Gradescope writer follow Gradescope's results format and never score a grader failure?

``gradescope_schema_errors`` is Gradescope's documented results.json format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/) as a checker;
``tests/byhand_instructor/test_gradescope.py`` runs it on real runs of the zip.
"""

import json
import shutil
import sqlite3

import pytest

from byhand_grader.platforms import gradescope
from byhand_grader.platforms.gradescope import Settings, submitter
from byhand_instructor.autograder_bundle import extract_zip
from byhand_instructor.gradescope import build_gradescope

from ..repo import COURSE

TEST_KEYS = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
TOP_KEYS = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def gradescope_schema_errors(results):
    """What in ``results`` breaks Gradescope's results.json format (an empty list: nothing)."""
    errors = []
    number = (int, float)
    if not isinstance(results, dict):
        return ["results.json is not an object"]
    errors += [f"unknown top-level key {k!r}" for k in set(results) - TOP_KEYS]
    tests = results.get("tests", [])
    if "score" not in results and not all("score" in t for t in tests):
        errors.append("no top-level score and a test without one")
    if "score" in results and not isinstance(results["score"], number):
        errors.append("top-level score is not a number")
    for key in ("visibility", "stdout_visibility"):
        if key in results and results[key] not in gradescope.VISIBILITIES:
            errors.append(f"{key} {results[key]!r} is not a Gradescope visibility")
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in results and results[key] not in FORMATS:
            errors.append(f"{key} {results[key]!r} is not a Gradescope format")
    if not isinstance(tests, list):
        return errors + ["tests is not a list"]
    for n, t in enumerate(tests):
        errors += [f"test {n}: unknown key {k!r}" for k in set(t) - TEST_KEYS]
        for key in ("score", "max_score"):
            if key in t and not isinstance(t[key], number):
                errors.append(f"test {n}: {key} is not a number")
        if t.get("status") not in (None, "passed", "failed"):
            errors.append(f"test {n}: status {t['status']!r}")
        if t.get("visibility") not in (None, *gradescope.VISIBILITIES):
            errors.append(f"test {n}: visibility {t['visibility']!r}")
        if not isinstance(t.get("output", ""), str) or not isinstance(t.get("name", ""), str):
            errors.append(f"test {n}: name and output must be strings")
        if not isinstance(t.get("tags", []), list):
            errors.append(f"test {n}: tags is not a list")
        if {"score", "max_score"} <= set(t) and not 0 <= t["score"] <= t["max_score"] + 1e-9:
            errors.append(f"test {n}: score {t['score']} outside 0..{t['max_score']}")
    if "score" in results and tests:
        total = sum(t.get("score", 0) for t in tests)
        if abs(total - results["score"]) > 1e-6:
            errors.append(f"top-level score {results['score']} is not the tests' sum {total}")
    try:
        json.dumps(results, allow_nan=False)
    except ValueError as err:
        errors.append(f"not strict JSON: {err}")
    return errors


def test_the_checker_catches_what_gradescope_rejects():
    """Does the schema checker fail on a status, visibility or score Gradescope does not know?"""
    good = {
        "score": 1.0,
        "tests": [
            {
                "name": "a",
                "score": 1.0,
                "max_score": 1.0,
                "status": "passed",
                "visibility": "visible",
            }
        ],
    }
    assert gradescope_schema_errors(good) == []
    for broken in (
        {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
        {**good, "tests": [{**good["tests"][0], "visibility": "students"}]},
        {**good, "score": 2.0},
        {"tests": [{"name": "a"}]},
        {**good, "tests": [{**good["tests"][0], "score": 3.0}]},
    ):
        assert gradescope_schema_errors(broken), broken


def test_settings_refuse_a_visibility_gradescope_does_not_have():
    """Is a mistyped visibility an error when the zip is built, not on Gradescope?"""
    with pytest.raises(ValueError, match="after_due_date"):
        Settings("partb", summary_visibility="after_deadline")


def test_the_submitter_is_the_first_user_by_id(tmp_path):
    """Does a group submission seed its hidden inputs by one fixed member, whatever the order?"""
    path = tmp_path / "submission_metadata.json"
    path.write_text(
        json.dumps({"users": [{"id": 7321, "email": "b@x"}, {"id": 1204, "email": "a@x"}]})
    )
    assert submitter(path) == "1204"
    assert submitter(tmp_path / "absent.json") == "student"


def test_a_grader_failure_writes_no_results_and_no_score(made_clone, tmp_path, capsys):
    """Does a broken autograder leave no results.json (Gradescope: no score), even an old one?"""
    course, _ = made_clone  # released: its gradebook knows partb, as the bundle needs
    root = tmp_path / "autograder"
    extract_zip(build_gradescope(course, "partb", out=tmp_path / "gs.zip"), root / "source")
    db = root / "source" / "course" / "gradebook.db"
    db.unlink()
    sqlite3.connect(db).close()  # a gradebook that knows no assignment
    (root / "submission").mkdir()
    shutil.copy2(COURSE.release_notebook("partb"), root / "submission" / "partb.ipynb")
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text('{"score": 35.0}')  # a previous run's
    assert gradescope.run(root) == 1
    assert not (root / "results" / "results.json").exists()
    assert "no score" in capsys.readouterr().out


def test_each_test_is_tagged_with_its_mistakes_and_gives_their_hints():
    """Does a grade cell's test carry its problem and its checks' mistake codes as tags, and
    its output the catalogue's hint, in the short and in the whole verdict?"""
    from byhand_grader.assignment import load_assignment
    from byhand_grader.results import CellGrade, Failure, StudentResult

    partb = load_assignment(COURSE, "partb")
    result = StudentResult("ada", "partb", status="graded")
    result.cells = [
        CellGrade(
            "p4_xor_grads_match_autograd",
            8.0,
            0.0,
            0,
            2,
            [Failure("long", "short", ("dh-missing-w2",)), Failure("long", "short", ("other",))],
        ),
        CellGrade("p1_logistic_grads_match_autograd", 10.0, 10.0, 4, 4),
    ]
    results = gradescope.results_json(result, partb, Settings("partb"))
    assert gradescope_schema_errors(results) == []
    tags = {t["name"]: t["tags"] for t in results["tests"]}
    assert set(map(tuple, tags.values())) == {("P4", "dh-missing-w2", "other"), ("P1",)}
    hint = f"Hint: {partb.mistakes.hint('dh-missing-w2')}"
    outputs = [" ".join(t["output"].split()) for t in results["tests"] if t["tags"][0] == "P4"]
    assert len(outputs) == 2 and all(o.endswith(hint) for o in outputs)
