"""Does a regrade say exactly whose scores moved and why, and keep every grade given by hand?

First the comparison (``byhand_grader.regrade.impact``) on results built here; then a small
real class graded three times in a copy of the course: as it is, with one hidden check made
to accept nothing, and with the check fixed again, a Problem 5 score given by hand between
the last two runs.  The class report after each of the last two runs flags the broken
check in its check health, and no longer once it is fixed.  The LMS exports with
``only_changed`` then write exactly the students the last regrade moved.
"""

import csv
import io
from contextlib import redirect_stdout
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

from byhand_grader.class_report.statistics import MIN_STUDENTS
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.regrade import (
    Change,
    changed_students,
    COLUMNS,
    impact,
    PASSED,
    read_impact,
    record_impact,
    Run,
    summary,
    verdict,
    write_impact,
)
from byhand_grader.results import CellGrade, Failure, read_results, StudentResult
from byhand_instructor.cli import main
from byhand_instructor.sample_class import scenarios, solved_release, TIMESTAMP

from ..repo import copy_course

# -- the comparison, on results built here --------------------------------------------------


def _cell(grade_id, score, points=10.0, *wrong):
    """A ``CellGrade`` out of two checks: full marks, or each summary in ``wrong`` a failure."""
    failures = [Failure(f"{w}, at length", w, ("factor-2-missing",)) for w in wrong]
    return CellGrade(grade_id, points, score, 2 - len(failures), 2, failures)


def _student(name, *cells, status="graded"):
    return StudentResult(name, "partb", status=status, cells=list(cells))


def _run(*results, digest="d1", at="2026-12-01T10:00:00+00:00"):
    return Run(list(results), digest, at)


def test_a_moved_score_is_one_row_with_both_verdicts():
    """Does a cell whose score moved give one row: both scores, both verdicts, the totals?"""
    before = _run(_student("ann", _cell("p1", 10.0), _cell("p2", 5.0, 5.0)))
    after = _run(
        _student("ann", _cell("p1", 5.0, 10.0, "off by 2"), _cell("p2", 5.0, 5.0)),
        digest="d2",
        at="2026-12-02T10:00:00+00:00",
    )
    assert impact(before, after) == [
        Change(
            "ann",
            "p1",
            10.0,
            5.0,
            PASSED,
            "off by 2 [factor-2-missing]",
            15.0,
            10.0,
            True,
            "d1",
            "d2",
            "2026-12-01T10:00:00+00:00",
            "2026-12-02T10:00:00+00:00",
        )
    ]


def test_a_changed_verdict_with_the_same_score_is_a_row_but_no_final_change():
    """Is a verdict that changed at the same score listed, its final score unchanged?"""
    before = _run(_student("bo", _cell("p1", 0.0, 10.0, "off by 2", "wrong sign")))
    after = _run(_student("bo", _cell("p1", 0.0, 10.0, "not attempted", "wrong sign")))
    (row,) = impact(before, after)
    assert (row.old_score, row.new_score, row.final_changed) == (0.0, 0.0, False)
    assert row.old_verdict == "off by 2 [factor-2-missing] | wrong sign [factor-2-missing]"
    assert row.new_verdict.startswith("not attempted [factor-2-missing]")
    assert changed_students([row]) == []


def test_moves_that_cancel_out_leave_the_final_score_unchanged():
    """Two cells moving by opposite amounts: two rows, and no final score changed."""
    before = _run(_student("cy", _cell("p1", 10.0), _cell("p2", 5.0, 10.0, "x")))
    after = _run(_student("cy", _cell("p1", 5.0, 10.0, "x"), _cell("p2", 10.0)))
    rows = impact(before, after)
    assert [(r.grade_cell, r.old_score, r.new_score) for r in rows] == [
        ("p1", 10.0, 5.0),
        ("p2", 5.0, 10.0),
    ]
    assert not any(r.final_changed for r in rows)


def test_nothing_changed_gives_no_row_and_a_file_with_the_header_only(tmp_path):
    """Does an unchanged class give no row, and an impact file that holds only the header?"""
    same = [_student("ann", _cell("p1", 10.0)), _student("bo", _cell("p1", 5.0, 10.0, "x"))]
    rows = impact(_run(*same), _run(*same, digest="d2"))
    assert rows == []
    path = tmp_path / "autograded" / "regrade-partb.csv"
    write_impact(path, rows)
    assert path.read_text().splitlines() == [",".join(COLUMNS)]
    assert read_impact(path) == []
    assert summary(path, "autograded/regrade-partb.csv") == (
        "regrade: no score or verdict changed (autograded/regrade-partb.csv holds the header only)"
    )


def test_a_student_new_in_the_second_run_is_listed_with_no_old_score():
    """A student graded for the first time: every cell a row with no old score, final changed."""
    before = _run(_student("ann", _cell("p1", 10.0)), _student("dee", status="missing"))
    after = _run(_student("ann", _cell("p1", 10.0)), _student("dee", _cell("p1", 10.0)))
    (row,) = impact(before, after)
    assert (row.student, row.old_score, row.old_verdict, row.new_verdict) == (
        "dee",
        None,
        "",
        PASSED,
    )
    assert row.old_auto_score is None and row.final_changed


def test_a_student_gone_from_the_second_run_has_no_row():
    """A student this run did not grade (gone, missing, or failed on) keeps their records: no row."""
    before = _run(
        _student("ann", _cell("p1", 10.0)),
        _student("gone", _cell("p1", 10.0)),
        _student("now-missing", _cell("p1", 10.0)),
        _student("failed-on", _cell("p1", 10.0)),
    )
    after = _run(
        _student("ann", _cell("p1", 10.0)),
        _student("now-missing", status="missing"),
        _student("failed-on", _cell("p1", 0.0, 10.0, "x", "y"), status="failed"),
    )
    assert impact(before, after) == []


def test_an_ungradable_cell_reads_checks_could_not_run():
    """A cell with no score and no failure (nothing could be read) is not called passed."""
    assert verdict(CellGrade("p1", 10.0, 0.0, 0, 0)) == "checks could not run"
    assert verdict(_cell("p1", 10.0)) == PASSED


def test_a_verdict_says_what_several_checks_said_once():
    """Two checks failing with the same words read once, with their number, in their order."""
    cell = _cell("p1", 0.0, 10.0, "not attempted", "not attempted")
    cell.failures.append(Failure("m", "off by 2", ("factor-2-missing", "other")))
    assert verdict(cell) == (
        "not attempted [factor-2-missing] (2 checks) | off by 2 [factor-2-missing, other]"
    )


def test_the_impact_file_reads_back_as_written(tmp_path):
    """Do the rows read back from the CSV equal the typed rows written (numbers, yes/no, empty)?"""
    before = _run(_student("ann", _cell("p1", 10.0)), _student("bo", _cell("p1", 10.0)))
    after = _run(
        _student("ann", _cell("p1", 7.5, 10.0, 'a "quoted", summary')),
        _student("bo", _cell("p1", 10.0)),
        _student("cy", _cell("p1", 0.0, 10.0, "x", "y")),
        digest="d2",
    )
    rows = impact(before, after)
    path = tmp_path / "regrade-partb.csv"
    write_impact(path, rows)
    assert read_impact(path) == rows and len(rows) == 2
    assert summary(path, "autograded/regrade-partb.csv") == (
        "regrade: 2 students' final scores changed (1 of them graded for the first time); "
        "the hidden checks changed (autograded/regrade-partb.csv)"
    )


def test_a_first_run_writes_no_impact_file_and_removes_a_stale_one(tmp_path):
    """With no earlier results the run compares nothing: a stale impact file would mislead."""
    path = tmp_path / "regrade-partb.csv"
    path.write_text("left by an earlier run\n")
    assert record_impact(path, None, _run(_student("ann", _cell("p1", 10.0)))) is None
    assert not path.exists()
    assert summary(path, "autograded/regrade-partb.csv").startswith("regrade: a first grading")


def test_a_file_that_is_not_an_impact_file_is_refused(tmp_path):
    """Does ``read_impact`` refuse a CSV with other columns rather than read it wrongly?"""
    path = tmp_path / "report-partb.csv"
    path.write_text("student,P1,auto_score\nann,10,10\n")
    with pytest.raises(ValueError, match="not a regrade impact file"):
        read_impact(path)


# -- a real class, graded three times -------------------------------------------------------

#: the check made to accept nothing: Problem 2's second check (2.5 of its 5 points)
NAME = "test_update_steps_by_alpha_times_gradient"
CHECK = f"def {NAME}(probe):\n"
BROKEN = CHECK + '    raise Verdict("this check accepts nothing", summary="accepts nothing")\n'
P2 = "p2_sgd_update_steps_against_gradient"
#: what each student hands in; "absent" is on the roster and hands in nothing
STUDENTS = ("correct", "blank", "missing-factor-2")
#: ... and as many more handing in the reference solution as make the class big enough for
#: the class report to judge check health (``MIN_STUDENTS``)
MORE = tuple(f"s{i:03d}" for i in range(1, MIN_STUDENTS - len(STUDENTS) + 1))
#: whom the broken check moves: every student whose Problem 2 was right (blank's had 0)
MOVED = sorted(["correct", "missing-factor-2", *MORE])
#: Problem 5 points given by hand, as formgrader gives them, between the 2nd and 3rd runs
BY_HAND = {"correct": 7.0, "blank": 2.0}


def _grade(course):
    """One class run.  Two workers: each run's are new processes, which import the hidden
    checks as they are now (one process imports a test module once, by its path)."""
    return {r.student: r for r in grade(course, ["partb"], workers=2, progress=False)}


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{path} no longer holds {old!r}: update this test"
    path.write_text(text.replace(old, new))


def _check_health(course):
    """``{check: its health warnings}`` of Problem 2's cell, as ``byhand report`` writes them
    in the class report's checks.csv (read as a spreadsheet reads it), and the page."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["report", "partb", "--course", str(course.root)]) == 0, out.getvalue()
    folder = course.class_report("partb")
    with open(folder / "checks.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    health = {r["check"]: r["health"] for r in rows if r["grade cell"] == P2}
    warned = sorted(r["check"] for r in rows if r["health"])
    return health, warned, (folder / "index.html").read_text(encoding="utf-8")


def _give_by_hand(course, scores):
    """Set Problem 5's score as formgrader's grade API does (manual_score, then reviewed)."""
    with Gradebook(course.db_url) as gb:
        for student, score in scores.items():
            grade_row = gb.find_grade("p5_explanation", "partb", "partb", student)
            grade_row.manual_score = score
            grade_row.needs_manual_grade = False
        gb.db.commit()


@pytest.fixture(scope="module")
def regraded(tmp_path_factory):
    """Grade; break a check, regrade and report; give P5 by hand, fix the check, regrade and
    report."""
    course = copy_course(tmp_path_factory.mktemp("regrade"), with_grader_tests=True)
    nbgrader(course, "generate_assignment", "partb", "--force")
    made = scenarios(course, "partb")
    release = nbformat.read(course.release_notebook("partb"), as_version=4)
    for student in STUDENTS + MORE:
        folder = course.submitted / student / "partb"
        folder.mkdir(parents=True)
        scenario = student if student in STUDENTS else "correct"
        nb = made[scenario][1](solved_release(course, "partb"), release)
        nbformat.write(nb, folder / "partb.ipynb")
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n")
    with Gradebook(course.db_url) as gb:
        gb.add_student("absent")
    impact_file = course.regrade_csv("partb")
    tests = course.assignment_tests("partb") / "test_partb.py"

    first = _grade(course)
    first_left_impact = impact_file.exists()
    _edit(tests, CHECK, BROKEN)
    broken = _grade(course)
    broken_rows = read_impact(impact_file)
    broken_health = _check_health(course)
    _give_by_hand(course, BY_HAND)
    _edit(tests, BROKEN, CHECK)
    out = io.StringIO()
    with redirect_stdout(out):  # the last run as an instructor runs it, through the CLI
        code = main(["grade", "partb", "--course", str(course.root), "--workers", "2"])
    assert code == 0, out.getvalue()
    fixed_health = _check_health(course)
    with Gradebook(course.db_url) as gb:
        final = {
            s: (
                gb.find_submission("partb", s).score,
                gb.find_grade("p5_explanation", "partb", "partb", s).manual_score,
                gb.find_grade("p5_explanation", "partb", "partb", s).needs_manual_grade,
            )
            for s in STUDENTS
        }
    return SimpleNamespace(
        course=course,
        first=first,
        first_left_impact=first_left_impact,
        broken=broken,
        broken_rows=broken_rows,
        broken_health=broken_health,
        fixed_rows=read_impact(impact_file),
        fixed_health=fixed_health,
        printed=out.getvalue(),
        final=final,
    )


def _moved(before, after):
    """The students whose automatic total differs between two runs' results."""
    return sorted(
        s
        for s in after
        if after[s].status != "missing" and before[s].auto_score != after[s].auto_score
    )


def test_a_first_grading_writes_no_impact_file(regraded):
    """Is there no impact file after the class's first grading?"""
    assert not regraded.first_left_impact


def test_breaking_a_check_lists_exactly_the_students_whose_scores_moved(regraded):
    """After a check is made to accept nothing, are exactly the students it moved listed, on its cell?"""
    moved = _moved(regraded.first, regraded.broken)
    assert moved == MOVED
    rows = regraded.broken_rows
    assert changed_students(rows) == moved
    assert {r.student for r in rows if r.old_score != r.new_score} == set(moved)
    for r in rows:
        if r.student in moved:
            assert (r.grade_cell, r.old_score, r.new_score) == (P2, 5.0, 2.5)
            assert (r.old_verdict, r.new_verdict) == (PASSED, "accepts nothing [other]")
            assert r.new_auto_score == regraded.broken[r.student].auto_score
            assert r.old_auto_score - r.new_auto_score == 2.5
        assert r.old_tests_digest != r.new_tests_digest


def test_fixing_the_check_lists_the_same_students_moving_back(regraded):
    """Once the check is fixed again, are the same students listed, each back where it was?"""
    rows = regraded.fixed_rows
    assert changed_students(rows) == changed_students(regraded.broken_rows)
    back = {(r.student, r.grade_cell): r for r in rows if r.final_changed}
    there = {(r.student, r.grade_cell): r for r in regraded.broken_rows if r.final_changed}
    assert back.keys() == there.keys()
    for key, r in back.items():
        assert (r.old_score, r.new_score) == (there[key].new_score, there[key].old_score)
        assert (r.old_verdict, r.new_verdict) == (there[key].new_verdict, there[key].old_verdict)
        assert r.new_tests_digest == there[key].old_tests_digest


def _checks_section(page):
    """The check-health section of the report's page."""
    return page.split('<section id="checks"', 1)[1].split("</section>", 1)[0]


def test_check_health_flags_the_check_that_accepts_nothing(regraded):
    """Does the class report's check health, after the run with the broken check, warn that
    almost everyone fails that check, and that one alone, in its CSV and on its page?"""
    health, warned, page = regraded.broken_health
    n = len(STUDENTS + MORE)
    assert health[NAME].startswith(f"almost everyone fails it (0 of {n} pass)"), health
    fail_warned = [c for c, h in health.items() if "almost everyone fails" in h]
    assert fail_warned == [NAME] and NAME in warned
    assert NAME in _checks_section(page) and f"0 of {n} pass" in _checks_section(page)


def test_check_health_is_quiet_once_the_check_is_fixed(regraded):
    """After the fixed check's regrade, does the report hold no health warning for it?"""
    health, warned, page = regraded.fixed_health
    assert health[NAME] == "" and NAME not in warned
    assert "almost everyone fails" not in _checks_section(page)


def test_the_command_says_what_the_regrade_changed(regraded):
    """Does `byhand grade` print, after the table, whose final scores the regrade changed?"""
    lines = regraded.printed.splitlines()
    line = next(ln for ln in lines if ln.startswith("regrade:"))
    assert line.startswith(f"regrade: {len(MOVED)} students' final scores changed")
    assert "the hidden checks changed (autograded/regrade-partb.csv)" in line
    assert lines.index(line) > next(i for i, ln in enumerate(lines) if ln.startswith("student"))


def test_grades_given_by_hand_survive_the_regrade(regraded):
    """Is each Problem 5 score given by hand still there, the final score the new auto total plus it?"""
    last = {
        r.student: r
        for r in read_results(regraded.course.results_json("partb"))[1]
        if r.status != "missing"
    }
    for student, (score, manual, to_review) in regraded.final.items():
        assert manual == BY_HAND.get(student)
        assert score == pytest.approx(last[student].auto_score + (manual or 0))
        # formgrader lists it for review again, as nbgrader's own autograde does after a rerun
        assert to_review
    assert last["correct"].auto_score == 35  # back to full marks, so 42 in all


# -- the LMS exports, changed students only ---------------------------------------------------

#: kind -> (exporter, its class name, the column of the student's id)
EXPORTERS = {
    "grades": ("byhand_grader.nbgrader_plugins.export.GradesExport", "GradesExport", 3),
    "canvas": ("byhand_grader.nbgrader_plugins.canvas.CanvasExport", "CanvasExport", 1),
    "moodle": ("byhand_grader.nbgrader_plugins.moodle.MoodleExport", "MoodleExport", 1),
}


def _export(course, kind, *options):
    """``{student: row}`` of an export (columns: ``id_column``), and the command's log."""
    exporter, name, id_column = EXPORTERS[kind]
    dest = course.root / f"{kind}.csv"
    dest.unlink(missing_ok=True)
    proc = nbgrader(
        course,
        "export",
        f"--exporter={exporter}",
        f"--to={dest}",
        "--assignment=partb",
        *(f"--{name}.{option}" for option in options),
        check=False,
    )
    if not dest.exists():
        return None, proc
    with open(dest, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]  # Canvas's "Points Possible" row is no student's
    return {r[id_column]: r for r in rows if r[0] != "Points Possible"}, proc


@pytest.mark.parametrize("kind", sorted(EXPORTERS))
def test_changed_only_export_writes_exactly_the_students_the_regrade_moved(regraded, kind):
    """With only_changed, does each exporter write the students whose final score changed, and no other?"""
    everyone, _ = _export(regraded.course, kind)
    assert {"correct", "blank", "missing-factor-2", "absent"} <= set(everyone)
    changed, proc = _export(regraded.course, kind, "only_changed=True")
    assert proc.returncode == 0, proc.stderr
    assert sorted(changed) == changed_students(regraded.fixed_rows) == MOVED
    for student, row in changed.items():
        assert row == everyone[student]  # the same row as a whole export writes


def test_changed_only_export_without_an_impact_file_fails_and_says_why(regraded, tmp_path):
    """Asked for changed students where no regrade wrote an impact file, does the export stop?"""
    impact_file = regraded.course.regrade_csv("partb")
    kept = tmp_path / impact_file.name
    impact_file.rename(kept)
    try:
        changed, proc = _export(regraded.course, "canvas", "only_changed=True")
    finally:
        kept.rename(impact_file)
    assert proc.returncode == 1 and changed is None
    assert "regrade-partb.csv is missing" in proc.stderr
    assert "Nothing was exported" in proc.stderr
