"""Does a Gradescope zip built by `byhand gradescope` grade like `byhand grade`?

The zip is built by the command from a copy of the course; `byhand gradescope
--try` runs it, in a temporary folder laid out as Gradescope's /autograder, on
sample-class submissions (the correct solution, a buggy one, the blank release,
a notebook that cannot be read); the same submissions are graded once by
``byhand_grader.grade.grade`` (``conftest.graded``), and every score must agree.
"""

import json
import re
import stat
import zipfile

import nbformat
import pytest

from byhand_grader.annotate import verdict_text
from byhand_grader.assignment import load_assignment
from byhand_grader.judge import build_calls
from byhand_grader.mistakes import cell_codes

from ..byhand_grader.test_gradescope import gradescope_schema_errors
from ..repo import REPO
from .conftest import byhand
from .conftest import COMPARED as SCENARIOS


@pytest.fixture(scope="module")
def built(graded, tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    proc = byhand("gradescope", "partb", "--course", graded[0].root, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    return out


def submission(course, student):
    (notebook,) = (course.submitted / student / "partb").glob("*.ipynb")
    return notebook


@pytest.fixture(scope="module")
def tried(graded, built):
    """``{scenario: results.json}`` of `byhand gradescope --try` on each scenario."""
    out = {}
    for student in SCENARIOS:
        proc = byhand(
            "gradescope", "--try", built, submission(graded[0], student), "--student", student
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[student] = json.loads(proc.stdout)
    return out


def test_zip_has_setup_and_run_autograder_at_its_root(built):
    """Are setup.sh and run_autograder at the zip's root, executable, installing CPU torch?"""
    with zipfile.ZipFile(built) as z:
        names = set(z.namelist())
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(z.getinfo(script).external_attr >> 16) == 0o755
        setup = z.read("setup.sh").decode()
        pins = z.read("requirements.txt").decode()
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup
    assert "bubblewrap" in setup and "miniforge" not in setup.lower()
    assert re.search(r"^torch==\d", pins, re.M) and re.search(r"^nbgrader==\d", pins, re.M)
    assert "course/grader_tests/partb/test_partb.py" in names
    assert "code/byhand_grader/platforms/gradescope.py" in names and "code/byhand/xor.py" in names
    assert not any(n.startswith("code/byhand_instructor") for n in names)


def test_zip_holds_no_solution(graded, built):
    """Does the zip leave out the worked solutions (source notebook, sample scenarios)?"""
    with zipfile.ZipFile(built) as z:
        names = set(z.namelist())
        source = z.read("course/source/partb/partb.ipynb")
        assert source == z.read("course/release/partb/partb.ipynb")
    assert source == graded[0].release_notebook("partb").read_bytes()
    assert not any("sample_scenarios" in n for n in names)


@pytest.mark.parametrize("student", SCENARIOS)
def test_scores_match_byhand_grade(graded, tried, student):
    """Does every grade cell score on Gradescope what `byhand grade` gave it?"""
    expected = graded[1][student]
    results = tried[student]
    scored = {t["name"].rsplit(": ", 1)[1]: t for t in results["tests"] if t["max_score"] > 0}
    assert {g: t["score"] for g, t in scored.items()} == {
        c.grade_id: c.score for c in expected.cells
    }
    assert {g: t["max_score"] for g, t in scored.items()} == {
        c.grade_id: c.points for c in expected.cells
    }
    assert results["score"] == pytest.approx(expected.auto_score)
    assert results["extra_data"]["byhand_status"] == expected.status
    for t in scored.values():
        assert t["status"] == ("passed" if t["score"] == t["max_score"] else "failed")


@pytest.mark.parametrize("student", SCENARIOS)
def test_results_follow_gradescope_schema(tried, student):
    """Is each results.json what Gradescope's specification allows?"""
    assert gradescope_schema_errors(tried[student]) == []


def test_problem5_is_left_to_gradescope(tried):
    """Is Problem 5 out of the autograder's score, and does the output say where it goes?"""
    results = tried["correct"]
    assert results["score"] == 35
    assert not any("p5" in t["name"] or t["name"].startswith("P5") for t in results["tests"])
    assert "P5 (what the XOR network learned, 10 points) is graded by hand" in results["output"]


def test_an_unreadable_notebook_scores_zero_with_the_reason(graded, tried):
    """Does a corrupt notebook get a valid results.json, 0 points and the reason why?"""
    results = tried["corrupt-json"]
    assert results["score"] == 0
    (reason,) = graded[1]["corrupt-json"].reasons
    assert "not a readable notebook" in reason and reason in results["output"]


def test_verdicts_are_the_feedback_text_with_their_visibility(graded, tried):
    """Is the whole verdict (after the due date) word for word what the feedback prints, its
    hints included, and is each test tagged with its mistakes' codes?"""
    expected = graded[1]["missing-factor-2"]
    tests = tried["missing-factor-2"]["tests"]
    details = {t["name"].split(": ")[1]: t for t in tests if t["max_score"] == 0}
    lost = [c for c in expected.cells if c.failures]
    assert lost and set(details) == {c.grade_id for c in lost}
    nb = nbformat.read(graded[0].autograded_notebook("missing-factor-2", "partb"), as_version=4)
    printed = {
        c.metadata["nbgrader"]["grade_id"]: c.outputs[0]["text"]
        for c in nb.cells
        if (c.metadata.get("nbgrader") or {}).get("grade_id") in details
    }
    mistakes = load_assignment(graded[0], "partb").mistakes
    for cell in lost:
        whole = verdict_text(cell, mistakes)
        assert details[cell.grade_id]["output"] == whole == printed[cell.grade_id]
        assert "Hint: " in whole
        assert details[cell.grade_id]["visibility"] == "after_due_date"
        codes = cell_codes(cell)
        assert details[cell.grade_id]["tags"][1:] == codes and "other" not in codes
    assert all(t["visibility"] == "visible" for t in tests if t["max_score"] > 0)


def _hidden_numbers(desc, student):
    """The hidden inputs' non-integer numbers that the notebook's own examples do not hold."""

    def numbers(value):
        if isinstance(value, float):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from numbers(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from numbers(v)

    calls = build_calls(desc, student)
    shown = {v for cid, c in calls.items() if cid.endswith("/shown") for v in numbers(c)}
    hidden = {v for cid, c in calls.items() if not cid.endswith("/shown") for v in numbers(c)}
    return {v for v in hidden - shown if v != round(v)}


def _leaks(hidden, text):
    """The numbers printed in ``text`` (4 significant digits or more) that are a hidden input,
    rounded to the digits printed."""
    leaked = set()
    for token in set(re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", text)):
        digits = len(re.sub(r"\D", "", token.split("e")[0]).lstrip("0"))
        if digits >= 4 and any(float(f"{v:.{digits}g}") == float(token) for v in hidden):
            leaked.add(token)
    return sorted(leaked)


def test_no_hidden_input_or_test_source_in_the_results(graded, tried):
    """Do the results quote no hidden input and no line of the hidden checks?"""
    desc = load_assignment(graded[0], "partb")
    hidden_lines = [
        ln.strip()
        for name in ("test_partb.py", "probes.py")
        for ln in (REPO / "grader_tests" / "partb" / name).read_text().splitlines()
        if len(ln.strip()) >= 40
    ]
    for student, results in tried.items():
        text = json.dumps(results)
        hidden = _hidden_numbers(desc, student)
        assert len(hidden) > 20, "the hidden inputs are not where this test looks"
        assert _leaks(hidden, "dE/dw = %.6g here" % sorted(hidden)[0]), "the check is blind"
        leaked = _leaks(hidden, text)
        assert not leaked, f"{student}: hidden inputs {leaked[:5]} in results.json"
        assert not [ln for ln in hidden_lines if ln in text], student
