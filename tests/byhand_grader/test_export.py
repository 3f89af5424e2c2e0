"""Does `nbgrader export` tell a 0 from a missing submission and from points still pending?"""

import csv

import nbformat
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
        nbformat.write(nbformat.read(course.release_notebook("partb"), as_version=4),
                       folder / "partb.ipynb")
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n")
    with Gradebook(course.db_url) as gb:
        gb.add_student("absent")
    grade(course, ["partb"], workers=1, progress=False)
    with Gradebook(course.db_url) as gb:
        gb.find_grade("p5_explanation", "partb", "partb", "graded-by-hand").manual_score = 4
        gb.db.commit()
    results = grade(course, ["partb"], workers=1, progress=False)
    rows = {line.split()[0]: line for line in
            format_table(results, load_assignment(course, "partb")).splitlines()[2:]}
    assert "pending" in rows["blank"] and "missing: no submission" in rows["absent"]
    assert rows["graded-by-hand"].split()[5] == "4"
    nbgrader(course, "export", f"--to={course.grades_csv}")
    with open(course.grades_csv, newline="") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}
    assert exported["absent"]["status"] == "missing" and exported["absent"]["score"] == ""
    assert exported["blank"]["status"] == "pending" and float(exported["blank"]["score"]) == 0
    assert exported["graded-by-hand"]["status"] == "graded"
    assert float(exported["graded-by-hand"]["score"]) == 4
