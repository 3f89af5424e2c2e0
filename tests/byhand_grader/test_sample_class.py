"""Does every student of the sample class get exactly the score its scenario deserves?

The whole pipeline runs on a copy of the course: intake, nbgrader autograde,
the sandboxed harness, the hidden checks, the gradebook merge, feedback and
export.  Scores are per problem (P1/10, P2/5, P3/5, P4/15).
"""

import csv

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.report import format_table, problem_scores
from byhand_instructor.sample_class import scenarios, write_sample_class

from ..repo import COURSE, REPO, copy_course

PARTB = load_assignment(COURSE, "partb")

FULL = {"P1": 10, "P2": 5, "P3": 5, "P4": 15}

#: scenario -> (points per problem, status)
EXPECTED = {
    "correct": (FULL, "graded"),
    "unlucky-seed": (FULL, "graded"),
    "blank": ({"P1": 0, "P2": 0, "P3": 0, "P4": 0}, "graded"),
    # the 2 is missing everywhere: only the saturated cases (gradient about 0) still pass,
    # and XOR training (half the step) no longer ends where a correct one does
    "missing-factor-2": ({"P1": 2.5, "P2": 5, "P3": 1.25, "P4": 3 + 2 + 0}, "graded"),
    "update-uses-dot-grad": ({**FULL, "P2": 0}, "graded"),
    # forward wrong (0/3); xor_grads differentiates the wrong forward: only saturated
    # cases pass (2/8); training ends far from a correct implementation's network (0/4)
    "tanh-forward-logistic-grads": ({**FULL, "P4": 0 + 2 + 0}, "graded"),
    "syntax-error": ({**FULL, "P3": 0}, "graded"),
    "infinite-loop": ({**FULL, "P3": 0}, "graded"),
    "os-exit": ({**FULL, "P2": 0}, "partly graded"),
    "memory-bomb": ({**FULL, "P3": 0}, "graded"),
    "fork-bomb": (FULL, "graded"),
    # (yhat - y) without the logistic derivative: wrong everywhere, the patch changes nothing
    "monkeypatch-cheat": ({**FULL, "P1": 0}, "graded"),
    "reads-hidden-tests": (FULL, "graded"),
    "output-flood": (FULL, "graded"),
    "deleted-grade-cell": (FULL, "graded"),
    # the edited grade cell is restored; the wrong gradient it hid loses 6 of 8 points,
    # and the 4 of the training check
    "edited-test-cell": ({**FULL, "P4": 3 + 2 + 0}, "graded"),
    "duplicated-cell": (FULL, "graded"),
    "skip-execution-tags": (FULL, "graded"),
    "renamed-notebook": (FULL, "graded"),
    "corrupt-json": ({"P1": 0, "P2": 0, "P3": 0, "P4": 0}, "failed"),
}


def test_every_scenario_has_an_expected_score():
    """Is every scenario in the sample class covered by this table, and nothing else?"""
    assert set(EXPECTED) == set(scenarios(COURSE, "partb"))


def _grade_sample_class(folder, **how):
    """Copy the course and the sample class into ``folder``, grade partb, return
    ``(course, results by student)``."""
    course = copy_course(folder, with_grader_tests=True)
    write_sample_class(COURSE, dest=course.root)
    nbgrader(course, "generate_assignment", "partb", "--force")
    results = grade(course, ["partb"], progress=False, **how)
    return course, {r.student: r for r in results}


def _assert_scored_as_expected(results, scenario):
    points, status = EXPECTED[scenario]
    assert _by_problem(results[scenario]) == pytest.approx(points), results[scenario]
    assert results[scenario].status == status


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root, results = _grade_sample_class(tmp_path_factory.mktemp("course"), workers=2)
    print(format_table(list(results.values()), PARTB))
    return root, results


def _by_problem(result):
    return {p: s for p, (s, _) in problem_scores(result, PARTB).items()}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_scores(graded, scenario):
    """Does this scenario lose exactly the points it should, with the right status?"""
    _assert_scored_as_expected(graded[1], scenario)


def test_gradebook_export_matches_the_judge(graded):
    """Does `nbgrader export` show the same total as the grade table, for every student?"""
    course, results = graded
    nbgrader(course, "export")
    with open(course.root / "grades.csv", newline="") as f:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}
    for student, r in results.items():
        assert exported[student] == pytest.approx(r.auto_score), student


def test_feedback_never_shows_hidden_tests_or_inputs(graded):
    """Does the feedback teach without leaking the hidden checks' source or inputs?"""
    course, _ = graded
    nbgrader(course, "generate_feedback", "partb", "--force")
    hidden_source = (REPO / "grader_tests" / "partb" / "test_partb.py").read_text()
    for html in (course.root / "feedback").glob("*/partb/partb.html"):
        text = html.read_text()
        for needle in ("def test_", "_check_grads", "SALT", "p1/random", "xor_forward64",
                       "grade_cell(", hidden_source.splitlines()[0]):
            assert needle not in text, (html, needle)


def test_failure_messages_say_what_is_wrong(graded):
    """Would a tired instructor understand why points were lost, from the table alone?"""
    _, results = graded
    table = format_table(list(results.values()), PARTB)
    assert "factor" in str(results["missing-factor-2"].cells)
    assert ".grad" in str(results["update-uses-dot-grad"].cells)
    assert "TimeoutError" in table and "MemoryError" in table
    assert "corrupt JSON" in table
    assert "ended the process" in results["os-exit"].reasons[0]
    # it found no hidden test to print (printing one would have flooded its output)
    assert results["reads-hidden-tests"].reasons == []


def test_regrading_is_idempotent(graded):
    """Does grading the same submission twice give the same scores?"""
    course, results = graded
    again = grade(course, ["partb"], students=["missing-factor-2", "corrupt-json"], workers=1,
                  progress=False)
    for r in again:
        assert r.auto_score == results[r.student].auto_score
        assert r.status == results[r.student].status


#: graded again with `grade --execute`: a plain one, a snoop and a kernel killer
EXECUTED = ["correct", "reads-hidden-tests", "os-exit"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Some of the sample class graded with ``--execute``: nbgrader re-runs each notebook
    in the sandboxed ``byhand-sandbox`` kernel before the hidden checks."""
    return _grade_sample_class(tmp_path_factory.mktemp("course-execute"), students=EXECUTED,
                               workers=1, execute=True)


def _autograded_outputs(course, student):
    nb = nbformat.read(course.autograded_notebook(student, "partb"), as_version=4)
    return {c.get("id"): "".join(o.get("text", "") for o in c.outputs)
            for c in nb.cells if c.cell_type == "code"}


@pytest.mark.parametrize("scenario", EXECUTED)
def test_execute_scores_like_the_default(executed, scenario):
    """Does re-executing in the sandboxed kernel change no score or status?"""
    _assert_scored_as_expected(executed[1], scenario)


def test_execute_reruns_the_notebook_in_the_sandbox(executed):
    """Are the autograded notebooks really re-run, with the course hidden from the kernel,
    and does a kernel the student killed fall back to a record without re-execution?"""
    root, results = executed
    outputs = _autograded_outputs(root, "correct")
    assert "patterns X" in outputs["setup_imports"]  # submitted without outputs: it ran again
    snoop = _autograded_outputs(root, "reads-hidden-tests")["p1_logistic_grads_answer"]
    assert snoop.strip() == "found: [] gradebook: False"
    assert not any("re-executing" in n for n in results["correct"].notes)
    assert any("re-executing" in n for n in results["os-exit"].notes)


def test_committed_sample_class_is_up_to_date(tmp_path):
    """Is submitted/ exactly what `byhand sample-class` writes from source/?"""
    write_sample_class(COURSE, dest=tmp_path)
    fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / "submitted").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(REPO) for p in (REPO / "submitted").rglob("*") if p.is_file())
    assert fresh == committed, "run `byhand sample-class`"
    for rel in fresh:
        assert (tmp_path / rel).read_bytes() == (REPO / rel).read_bytes(), (
            f"{rel} is out of date: run `byhand sample-class`")
