"""Does every student of the sample class get exactly the score its scenario deserves?

The whole pipeline, as ``byhand all`` runs it in a fresh clone (the ``made_clone`` that
the test processes share): intake, nbgrader autograde, the sandboxed harness, the hidden
checks, the gradebook merge, the results file, feedback and export.  Scores are per
problem (P1/10, P2/5, P3/5, P4/15).
"""

import csv

import nbformat
import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.mistakes import codes_by_problem, codes_text
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.report import format_table, problem_scores
from byhand_grader.results import read_results
from byhand_instructor.sample_class import scenarios, write_sample_class

from ..conftest import copy_made
from ..repo import COURSE, REPO

PARTB = load_assignment(COURSE, "partb")

FULL = {"P1": 10, "P2": 5, "P3": 5, "P4": 15}

#: scenario -> (points per problem, status)
EXPECTED = {
    "correct": (FULL, "graded"),
    "unlucky-seed": (FULL, "graded"),
    "blank": ({"P1": 0, "P2": 0, "P3": 0, "P4": 0}, "graded"),
    # the 2 is missing everywhere: every group of hidden cases now holds gradients far above
    # the tolerance (saturated at |net| = 7 or 3, not 20), so P1, P3 and the XOR-gradient cell
    # score 0; XOR training (half the step) no longer ends where a correct one does (0/4)
    "missing-factor-2": ({"P1": 0, "P2": 5, "P3": 0, "P4": 3 + 0 + 0}, "graded"),
    "update-uses-dot-grad": ({**FULL, "P2": 0}, "graded"),
    # forward wrong (0/3); xor_grads differentiates the wrong forward: wrong in every group,
    # the nearly saturated network included (0/8); training solves XOR from the grader's start
    # but ends far from a correct implementation's network (0/4)
    "tanh-forward-logistic-grads": ({**FULL, "P4": 0 + 0 + 0}, "graded"),
    "syntax-error": ({**FULL, "P3": 0}, "graded"),
    "infinite-loop": ({**FULL, "P3": 0}, "graded"),
    "os-exit": ({**FULL, "P2": 0}, "partly graded"),
    "memory-bomb": ({**FULL, "P3": 0}, "graded"),
    "fork-bomb": (FULL, "graded"),
    # (yhat - y) without the logistic derivative: wrong everywhere, the patch changes nothing
    "monkeypatch-cheat": ({**FULL, "P1": 0}, "graded"),
    # autograd instead of the closed form: detected (at run time and in the code), the
    # problem's points are lost with the reason
    "autograd-in-inference-mode": ({**FULL, "P1": 0}, "graded"),
    "autograd-backward": ({**FULL, "P3": 0}, "graded"),
    # the fake trainer is never the one the grader trains with: the wrong xor_grads loses
    # what it loses without it (as edited-test-cell, which has the same mistake)
    "rebinds-the-trainer": ({**FULL, "P4": 3 + 0 + 0}, "graded"),
    "reads-hidden-tests": (FULL, "graded"),
    "output-flood": (FULL, "graded"),
    "deleted-grade-cell": (FULL, "graded"),
    # the edited grade cell is restored; the wrong gradient it hid (the missing 2) loses all
    # 8 points, as in missing-factor-2, and the 4 of the training check
    "edited-test-cell": ({**FULL, "P4": 3 + 0 + 0}, "graded"),
    "duplicated-cell": (FULL, "graded"),
    "skip-execution-tags": (FULL, "graded"),
    "renamed-notebook": (FULL, "graded"),
    # nothing of the student's can be read: recorded as 0 with the reason (not a grader failure)
    "corrupt-json": ({"P1": 0, "P2": 0, "P3": 0, "P4": 0}, "ungradable"),
}


#: scenario -> the catalogue's codes its record carries, per problem (none: nothing lost),
#: declared beside the scenarios (the generated class draws on them too)
MISTAKES = PARTB.module(PARTB.scenarios).CODES


def test_every_scenario_has_an_expected_score():
    """Is every scenario in the sample class covered by this table, and nothing else?"""
    assert set(EXPECTED) == set(scenarios(COURSE, "partb"))


def _assert_scored_as_expected(results, scenario):
    points, status = EXPECTED[scenario]
    assert _by_problem(results[scenario]) == pytest.approx(points), results[scenario]
    assert results[scenario].status == status


@pytest.fixture(scope="module")
def graded(made_clone, tmp_path_factory):
    """The sample class as ``byhand all`` graded it in a fresh clone (``made_clone``, shared
    with the other test files that read it), copied here because these tests export and
    regrade: ``(the copy's sample-class Course, its results by student)``."""
    course = copy_made(made_clone, tmp_path_factory.mktemp("made") / "course").sample_class()
    _, results = read_results(course.results_json("partb"))
    print(format_table(results, PARTB))
    return course, {r.student: r for r in results}


def _by_problem(result):
    return {p: s for p, (s, _) in problem_scores(result, PARTB).items()}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_scores(graded, scenario):
    """Does this scenario lose exactly the points it should, with the right status?"""
    _assert_scored_as_expected(graded[1], scenario)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_mistakes(graded, scenario):
    """Does this scenario's record carry exactly the codes of its mistakes, on the problems
    it loses, in the results and in the run's results file?"""
    course, results = graded
    coded = codes_by_problem(results[scenario], PARTB)
    assert {p: set(c) for p, c in coded.items()} == MISTAKES.get(scenario, {}), [
        f.summary for c in results[scenario].cells for f in c.failures
    ]
    _, saved = read_results(course.results_json("partb"))
    [again] = [r for r in saved if r.student == scenario]
    assert codes_by_problem(again, PARTB) == coded


def test_gradebook_export_matches_the_judge(graded):
    """Does `nbgrader export` show the same total as the grade table, for every student?"""
    course, results = graded
    nbgrader(course, "export", f"--to={course.grades_csv}")
    with open(course.grades_csv, newline="") as f:
        exported = {
            row["student_id"]: float(row["raw_score"])
            for row in csv.DictReader(f)
            if row["assignment"] == "partb"
        }
    for student, r in results.items():
        assert exported[student] == pytest.approx(r.auto_score), student


def test_feedback_never_shows_hidden_tests_or_inputs(graded):
    """Does the feedback teach without leaking the hidden checks' source or inputs?"""
    course, _ = graded
    nbgrader(course, "generate_feedback", "partb", "--force")
    hidden_source = (REPO / "grader_tests" / "partb" / "test_partb.py").read_text()
    htmls = list(course.feedback.glob("*/partb/partb.html"))
    assert len(htmls) == len(EXPECTED)
    # the unreadable notebook's page says why it earned nothing (its stand-in is graded)
    corrupt = (course.feedback / "corrupt-json" / "partb" / "partb.html").read_text()
    assert "is not a readable notebook (corrupt JSON" in corrupt
    for html in htmls:
        text = html.read_text()
        for needle in (
            "def test_",
            "_check_grads",
            "SALT",
            "p1/random",
            "xor_forward64",
            "grade_cell(",
            hidden_source.splitlines()[0],
        ):
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
    again = grade(
        course, ["partb"], students=["missing-factor-2", "corrupt-json"], workers=1, progress=False
    )
    for r in again:
        assert r.auto_score == results[r.student].auto_score
        assert r.status == results[r.student].status


#: graded again with `grade --execute`: a plain one, a snoop and a kernel killer
EXECUTED = ["correct", "reads-hidden-tests", "os-exit"]


@pytest.fixture(scope="module")
def executed(made_clone, tmp_path_factory):
    """Some of the sample class graded again with ``--execute``: nbgrader re-runs each
    notebook in the sandboxed ``byhand-sandbox`` kernel before the hidden checks."""
    course = copy_made(made_clone, tmp_path_factory.mktemp("made") / "course").sample_class()
    results = grade(course, ["partb"], students=EXECUTED, workers=1, execute=True, progress=False)
    return course, {r.student: r for r in results}


def _autograded_outputs(course, student):
    nb = nbformat.read(course.autograded_notebook(student, "partb"), as_version=4)
    return {
        c.get("id"): "".join(o.get("text", "") for o in c.outputs)
        for c in nb.cells
        if c.cell_type == "code"
    }


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
    """Is sample_class/submitted/ exactly what `byhand sample-class` writes from source/?"""
    write_sample_class(COURSE, tmp_path)
    committed_root = COURSE.sample_class().class_folder
    fresh = sorted(
        p.relative_to(tmp_path) for p in (tmp_path / "submitted").rglob("*") if p.is_file()
    )
    committed = sorted(
        p.relative_to(committed_root)
        for p in (committed_root / "submitted").rglob("*")
        if p.is_file()
    )
    assert fresh == committed, "run `byhand sample-class`"
    for rel in fresh:
        assert (tmp_path / rel).read_bytes() == (committed_root / rel).read_bytes(), (
            f"{rel} is out of date: run `byhand sample-class`"
        )


def test_the_sample_class_never_reaches_the_course_gradebook():
    """Are the sample students graded in sample_class/ with a gradebook of their own?"""
    sample = COURSE.sample_class()
    assert sample.db_url != COURSE.db_url and sample.db_url.startswith("sqlite:///")
    assert sample.submitted == REPO / "sample_class" / "submitted"
    assert not (REPO / "submitted").exists(), "the course's own submitted/ is for a real class"
    assert sample.root == COURSE.root and sample.assignment_tests(
        "partb"
    ) == COURSE.assignment_tests("partb")


#: scenario -> the flags the instructor's record must carry for it
FLAGS = {
    "monkeypatch-cheat": "monkeypatch",
    "rebinds-the-trainer": "monkeypatch",
    "reads-hidden-tests": "filesystem",
    "fork-bomb": "fork",
    "autograd-in-inference-mode": "autograd",
    "autograd-backward": "autograd",
    "edited-test-cell": "edited grade cells",
    "deleted-grade-cell": "deleted grade cells",
    "memory-bomb": "limits",
    "infinite-loop": "limits",
}


def test_records_flag_what_the_students_code_did(graded):
    """Does each tampering, probing, fork, autograd use or limit hit show in the record's flags,
    and is a correct submission unflagged?"""
    course, results = graded
    for scenario, flag in FLAGS.items():
        assert flag in results[scenario].flags, (scenario, results[scenario].flags)
    assert results["correct"].flags == {} and results["unlucky-seed"].flags == {}
    for scenario in ("autograd-in-inference-mode", "autograd-backward"):
        lost = [f.summary for c in results[scenario].cells for f in c.failures]
        assert any("uses autograd instead of the closed form" in s for s in lost), lost


def test_report_csv_carries_everything_the_table_shows(graded):
    """Has every row of the CSV its reasons, points lost, notes and flags, uncut?"""
    course, results = graded
    with open(course.report_csv("partb"), newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(results)
    for student, r in results.items():
        row = rows[student]
        assert row["status"] == r.status and row["P5"] == "pending"
        assert row["reasons"] == " | ".join(r.reasons)
        assert row["mistakes"] == codes_text(r, PARTB)
        assert bool(row["points_lost"]) == (r.auto_score < 35 and r.status != "ungradable")
        assert all(name in row["flags"] for name in r.flags)


def test_class_report_of_the_sample_class(graded):
    """Does `byhand report` on the graded class give a page whose counts are the results'
    own: statuses, flags, every student who failed a check under a mistake, each mistake
    with an answer that does not name its author, every check's statistics?"""
    from byhand_grader.class_report import build_report, write_report
    from byhand_grader.class_report.statistics import JUDGED

    course, results = graded
    page = course.class_report("partb") / "index.html"
    assert page.is_file(), "byhand all writes the sample class's report"
    assert write_report(course, "partb") == page
    html = page.read_text(encoding="utf-8")
    report = build_report(course, "partb")
    for status, students in report.statuses.items():
        assert students == sorted(s for s, r in results.items() if r.status == status), status
    for scenario, flag in FLAGS.items():
        assert any(s == scenario and f == flag for s, f, _ in report.flags), scenario
    failed = {s for s, r in results.items() if any(c.failures for c in r.cells)}
    assert {s for m in report.mistakes for s in m.students} == failed
    for m in report.mistakes:
        if m.count:
            author = m.examples[0][0]
            assert m.snippet and author not in m.snippet, m.code
            assert "#" not in m.snippet.replace("'#'", ""), m.snippet
    judged = sum(r.status in JUDGED for r in results.values())
    names = {(c.grade_id, n) for r in results.values() for c in r.cells for n in c.checks}
    assert {(c.grade_id, c.name) for c in report.checks} == names
    assert all(c.students == judged for c in report.checks)
    p1 = next(d for d in report.distributions if d.part == "P1")
    assert p1.counts == {
        s: sum(_by_problem(r).get("P1") == s for r in results.values()) for s in p1.counts
    }
    assert sum(p1.counts.values()) == len(report.students)
    assert f'alt="P1 (10 points): {max(p1.counts.values())} students at' in html
    assert "nan" not in html.split() and 'id="problem5"' in html
    # the grader reran each network from the student's own seed, then later attempts
    p5 = report.problem5
    runs = {s: r.problem5.get("runs") or [] for s, r in results.items() if s in report.students}
    assert p5.not_learned == sorted(s for s, rs in runs.items() if rs and not rs[0]["learned"])
    assert p5.learned_later == sorted(
        s for s in p5.not_learned if any(run["learned"] for run in runs[s])
    )
    assert sum(p5.families.values()) == sum(any(x["learned"] for x in rs) for rs in runs.values())
    assert p5.runs["correct"][1] is True and f'<th scope="row">{p5.runs["correct"][0]}' in html
    assert sorted(p.name for p in page.parent.glob("*.csv")) == [
        "checks.csv",
        "distribution.csv",
        "flags.csv",
        "mistakes.csv",
        "problem5.csv",
        "statuses.csv",
    ]
