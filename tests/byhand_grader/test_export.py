"""Does `nbgrader export` tell a 0 from a missing submission and from points still pending?"""

import csv

import nbformat
import pytest
from nbgrader.api import Gradebook

from byhand_grader.assignment import load_assignment
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_grader.report import format_table
from byhand_instructor.sample_class import TIMESTAMP

from ..repo import copy_course


def test_export_and_table_say_missing_pending_and_graded(tmp_path):
    """A blank submission is 0 and pending, a student without one is missing, a graded one graded."""
    course = copy_course(tmp_path / "course", with_grader_tests=True)
    nbgrader(course, "generate_assignment", "partb", "--force")
    for student in ("blank", "graded-by-hand"):
        folder = course.submitted / student / "partb"
        folder.mkdir(parents=True)
        nbformat.write(
            nbformat.read(course.release_notebook("partb"), as_version=4), folder / "partb.ipynb"
        )
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n")
    with Gradebook(course.db_url) as gb:
        gb.add_student("absent")
    grade(course, ["partb"], workers=1, progress=False)
    with Gradebook(course.db_url) as gb:
        gb.find_grade("p5_explanation", "partb", "partb", "graded-by-hand").manual_score = 4
        gb.db.commit()
    results = grade(course, ["partb"], workers=1, progress=False)
    rows = {
        line.split()[0]: line
        for line in format_table(results, load_assignment(course, "partb")).splitlines()[2:]
    }
    assert "pending" in rows["blank"] and "missing: no submission" in rows["absent"]
    assert rows["graded-by-hand"].split()[5] == "4"
    nbgrader(course, "export", f"--to={course.grades_csv}")
    with open(course.grades_csv, newline="") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}
    assert exported["absent"]["status"] == "missing" and exported["absent"]["score"] == ""
    assert exported["blank"]["status"] == "pending" and float(exported["blank"]["score"]) == 0
    assert exported["graded-by-hand"]["status"] == "graded"
    assert float(exported["graded-by-hand"]["score"]) == 4


# -- the LMS exporters, on one graded gradebook --------------------------------------------

#: Canvas user id -> (last name, first name, SIS user id, what they hand in, P5 by hand)
CLASS = {
    "12345": ("Smith", "Jane", "S001", "solved", 7),  # graded: 35 + 7
    "23456": ("Jones", "Ann", "S002", "blank", None),  # pending at 0
    "34567": ("Brown", "Bo", "S003", "solved", None),  # pending at 35
    "45678": ("Absent", "Al", "S004", None, None),
}  # missing
CANVAS_ID = "98765"


@pytest.fixture(scope="module")
def lms_class(tmp_path_factory):
    """A class graded by `byhand grade`, P5 scored by hand for one student only."""
    from byhand_instructor.sample_class import solved_release

    course = copy_course(tmp_path_factory.mktemp("lms"), with_grader_tests=True)
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write(f"\nc.CanvasExport.assignment_ids = {{'partb': {CANVAS_ID!r}}}\n")
    nbgrader(course, "generate_assignment", "partb", "--force")
    with Gradebook(course.db_url) as gb:
        for sid, (last, first, sis, work, _) in CLASS.items():
            gb.update_or_create_student(
                sid,
                last_name=last,
                first_name=first,
                email=f"{first.lower()}@example.org",
                lms_user_id=sis,
            )
            if work:
                folder = course.submitted / sid / "partb"
                folder.mkdir(parents=True)
                nb = (
                    solved_release(course, "partb")
                    if work == "solved"
                    else nbformat.read(course.release_notebook("partb"), as_version=4)
                )
                nbformat.write(nb, folder / "partb.ipynb")
    grade(course, ["partb"], workers=1, progress=False)
    with Gradebook(course.db_url) as gb:
        for sid, (*_, by_hand) in CLASS.items():
            if by_hand is not None:
                gb.find_grade("p5_explanation", "partb", "partb", sid).manual_score = by_hand
        gb.db.commit()
    return course


def _export(course, exporter, name):
    dest = course.root / name
    proc = nbgrader(course, "export", f"--exporter={exporter}", f"--to={dest}")
    with open(dest, newline="", encoding="utf-8") as f:
        return list(csv.reader(f)), proc.stdout + proc.stderr


def test_canvas_export_writes_only_final_scores(lms_class):
    """Does the Canvas CSV carry Canvas's columns, and leave pending and missing cells empty?"""
    rows, log = _export(
        lms_class, "byhand_grader.nbgrader_plugins.canvas.CanvasExport", "canvas.csv"
    )
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        f"partb ({CANVAS_ID})",
    ]
    assert rows[1] == ["Points Possible", "", "", "", "", "45"]
    by_id = {r[1]: r for r in rows[2:]}
    assert by_id["12345"] == ["Smith, Jane", "12345", "S001", "", "", "42"]
    assert by_id["23456"][5] == by_id["34567"][5] == by_id["45678"][5] == ""
    assert "34567/partb: P5 still to be graded by hand (35 of 45 so far)" in log
    assert "23456/partb: P5 still to be graded by hand (0 of 45 so far)" in log
    assert "45678/partb: no submission" in log


def test_moodle_export_says_why_a_grade_is_empty(lms_class):
    """Does the generic CSV give identifiers, final grades only, and feedback saying pending?"""
    rows, _ = _export(lms_class, "byhand_grader.nbgrader_plugins.moodle.MoodleExport", "moodle.csv")
    assert rows[0] == [
        "Email address",
        "ID number",
        "First name",
        "Last name",
        "partb",
        "partb feedback",
    ]
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["12345"] == [
        "jane@example.org",
        "12345",
        "Jane",
        "Smith",
        "42",
        "graded: 42 of 45",
    ]
    assert by_id["34567"][4:] == ["", "P5 still to be graded by hand (35 of 45 so far)"]
    assert by_id["23456"][4:] == ["", "P5 still to be graded by hand (0 of 45 so far)"]
    assert by_id["45678"][4:] == ["", "no submission"]
