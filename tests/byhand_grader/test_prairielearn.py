"""Does the PrairieLearn writer follow PrairieLearn's results format and never score a grader failure?

``prairielearn_schema_errors`` is PrairieLearn's documented external-grading
results format (https://prairielearn.readthedocs.io/en/latest/externalGrading/,
"Grading results") as a checker; ``tests/byhand_instructor/test_prairielearn.py``
runs it on real runs of the grader.
"""

import json
import shutil
import sqlite3

from byhand_grader.platforms import prairielearn
from byhand_grader.platforms.prairielearn import variant_student
from byhand_instructor.prairielearn import build_prairielearn

from ..repo import COURSE

#: What PrairieLearn's element renders per test, and ``mistakes``, our codes: "you may add
#: any additional data" to the results (its "Grading results"); the element shows the rest.
TEST_KEYS = {
    "name",
    "description",
    "points",
    "max_points",
    "message",
    "output",
    "images",
    "mistakes",
}
TOP_KEYS = {"gradable", "score", "message", "output", "images", "tests", "format_errors"}


def prairielearn_schema_errors(results):
    """What in ``results`` breaks PrairieLearn's results format (an empty list: nothing)."""
    number = (int, float)
    if not isinstance(results, dict):
        return ["results.json is not an object"]
    errors = [f"unknown top-level key {k!r}" for k in set(results) - TOP_KEYS]
    gradable = results.get("gradable", True)
    if not isinstance(gradable, bool):
        errors.append("gradable is not a boolean")
    if gradable:
        score = results.get("score")
        if not isinstance(score, number) or not 0.0 <= score <= 1.0:
            errors.append(f"a gradable result needs a score in [0, 1], not {score!r}")
    else:
        fmt = results.get("format_errors")
        if not (
            isinstance(fmt, str)
            or (isinstance(fmt, list) and fmt and all(isinstance(e, str) for e in fmt))
        ):
            errors.append("a result that is not gradable needs its format_errors")
        if "score" in results:
            errors.append("a result that is not gradable carries a score")
    for n, t in enumerate(results.get("tests", [])):
        errors += [f"test {n}: unknown key {k!r}" for k in set(t) - TEST_KEYS]
        for key in ("points", "max_points"):
            if key in t and not isinstance(t[key], number):
                errors.append(f"test {n}: {key} is not a number")
        if {"points", "max_points"} <= set(t) and not 0 <= t["points"] <= t["max_points"] + 1e-9:
            errors.append(f"test {n}: points {t['points']} outside 0..{t['max_points']}")
        for key in ("name", "description", "message", "output"):
            if key in t and not isinstance(t[key], str):
                errors.append(f"test {n}: {key} is not a string")
        codes = t.get("mistakes", [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            errors.append(f"test {n}: mistakes is not a list of codes")
    if len(json.dumps(results).encode()) > 2**20:
        errors.append("results.json is over PrairieLearn's 1 MB")
    return errors


def test_the_checker_catches_what_prairielearn_rejects():
    """Does the schema checker fail on a score out of range, or a failure without a reason?"""
    good = {"gradable": True, "score": 0.5, "tests": [{"name": "a", "points": 1, "max_points": 2}]}
    assert prairielearn_schema_errors(good) == []
    for broken in (
        {**good, "score": 35},
        {"gradable": False},
        {"gradable": False, "score": 0, "format_errors": ["x"]},
        {**good, "tests": [{"name": "a", "points": 3, "max_points": 2}]},
    ):
        assert prairielearn_schema_errors(broken), broken


def test_the_student_is_the_variant(tmp_path):
    """Are hidden inputs seeded by PrairieLearn's variant seed, and fixed without one?"""
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"variant_seed": 4119, "params": {}}))
    assert variant_student(path) == "variant-4119"
    assert variant_student(tmp_path / "absent.json") == "student"


def test_a_grader_failure_is_not_gradable_and_has_no_score(made_clone, tmp_path, capsys):
    """Does a broken grader give `gradable: false` (no points, no attempt lost), never a score?"""
    course, _ = made_clone  # released: its gradebook knows partb, as the bundle needs
    out = build_prairielearn(course, "partb", out=tmp_path / "pl")
    bundle = out / "serverFilesCourse" / "byhand-partb"
    db = bundle / "course" / "gradebook.db"
    db.unlink()
    sqlite3.connect(db).close()  # a gradebook that knows no assignment
    root = tmp_path / "grade"
    (root / "student").mkdir(parents=True)
    shutil.copy2(COURSE.release_notebook("partb"), root / "student" / "partb.ipynb")
    assert prairielearn.run(root, bundle) == 1
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["gradable"] is False and "score" not in results
    assert results["format_errors"] == [prairielearn.GRADER_FAILED]
    assert prairielearn_schema_errors(results) == []
    assert "error: " in capsys.readouterr().out


def test_each_test_carries_its_mistakes_and_their_hints():
    """Does each test carry its checks' mistake codes as data (``mistakes``), and its
    message and output the catalogue's hint?"""
    from byhand_grader.assignment import load_assignment
    from byhand_grader.results import CellGrade, Failure, StudentResult

    partb = load_assignment(COURSE, "partb")
    result = StudentResult("ada", "partb", status="graded")
    result.cells = [
        CellGrade(
            "p2_sgd_update_steps_against_gradient",
            5.0,
            0.0,
            0,
            1,
            [Failure("long", "short", ("update-reads-grad",))],
        ),
        CellGrade("p1_logistic_grads_match_autograd", 10.0, 10.0, 4, 4),
    ]
    results = prairielearn.results_json(result, partb)
    assert prairielearn_schema_errors(results) == []
    tests = {t["name"]: t for t in results["tests"]}
    p2 = tests["P2: p2_sgd_update_steps_against_gradient"]
    assert p2["mistakes"] == ["update-reads-grad"]
    assert tests["P1: p1_logistic_grads_match_autograd"]["mistakes"] == []
    hint = f"Hint: {partb.mistakes.hint('update-reads-grad')}"
    assert " ".join(p2["message"].split()).endswith(hint)
    assert " ".join(p2["output"].split()).endswith(hint)
    assert prairielearn_schema_errors({**results, "tests": [{**p2, "mistakes": "x"}]})
