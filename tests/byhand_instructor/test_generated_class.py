"""Does a generated class with a known mix of mistakes grade into a class report whose counts
equal the mix exactly?

One class (``SIZE``: every kind of ``generated_kinds()`` once, and a few seeded draws) is
written by ``write_generated_class``, graded by ``byhand grade`` with two workers, and
reported by ``byhand report``, all once for this file.  The report's ``mistakes.csv`` is
then read as an instructor's spreadsheet reads it, and compared with what the mix declares,
code by code.  The class of 300 is graded the same way by ``benchmarks/report_speed.py``.
"""

import csv
import io
from contextlib import redirect_stdout

import pytest

from byhand_grader.assignment import load_assignment
from byhand_grader.mistakes import OTHER
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.cli import main
from byhand_instructor.generated_class import (
    CORRECT,
    expected_mistakes,
    kinds,
    mismatches,
    mix,
    read_mistakes_csv,
    Student,
    write_generated_class,
)

from ..repo import copy_course, COURSE

SEED = 0
#: every kind once and four draws: 56 students, about 45 s of grading on two cores
SIZE = len(kinds(COURSE, "partb")) + 4
#: Catalogued codes no student's notebook can make: a hidden check that crashes is the
#: grader's fault (``tests/byhand_grader/test_mistakes.py`` makes one).
NOT_A_STUDENTS = {"check-crashed"}


def test_the_mix_is_seeded_anonymous_and_makes_every_code():
    """Is the mix the same for the same seed and another for another, are its ids ``s01``-like
    and silent about the kinds, does it hold every kind once at least, and do its kinds
    together make every catalogued code a notebook can make, and ``other``?"""
    students = mix(COURSE, "partb", SIZE, SEED)
    assert students == mix(COURSE, "partb", SIZE, SEED)
    assert students != mix(COURSE, "partb", SIZE, SEED + 1)
    assert list(students) == [f"s{i:03d}" for i in range(1, SIZE + 1)]
    made = kinds(COURSE, "partb")
    assert {s.kind for s in students.values()} == set(made)
    assert [s.kind for s in students.values()][: len(made)] != list(made)  # shuffled
    catalogued = {m.code for m in load_assignment(COURSE, "partb").mistakes}
    assert set(expected_mistakes(students)) == catalogued - NOT_A_STUDENTS | {OTHER}
    big = mix(COURSE, "partb", 300, SEED)
    share = sum(s.kind == CORRECT for s in big.values()) / len(big)
    assert 0.25 < share < 0.45, share  # a class has more right answers than any one mistake


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """``(course, mix)``: the generated class written, graded and reported, as an instructor
    runs it (``byhand grade``, ``byhand report``)."""
    course = copy_course(tmp_path_factory.mktemp("generated"), with_grader_tests=True)
    nbgrader(course, "generate_assignment", "partb", "--force")
    students = write_generated_class(course, "partb", SIZE, SEED)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["grade", "partb", "--course", str(course.root), "--workers", "2"]) == 0
        assert main(["report", "partb", "--course", str(course.root)]) == 0
    return course, students


def _mistakes_csv(course):
    return read_mistakes_csv(course.class_report("partb") / "mistakes.csv")


def test_the_report_counts_exactly_the_mix(reported):
    """Does the report's mistakes.csv give every code the mix's count, problems and students,
    every code the mix does not make a count of 0, and no student whose answer is right
    (correct, an unlucky seed, an attack that changes no answer) any code?"""
    course, students = reported
    counted = _mistakes_csv(course)
    assert mismatches(students, counted) == []
    several = [code for code, (n, _, _) in counted.items() if n >= 2]
    assert len(several) >= 5, several  # some codes made by several students
    right = {s for s, student in students.items() if not student.codes}
    assert len(right) >= 10
    assert not right & {s for _, _, who in counted.values() for s in who}


def _per_student(course):
    """``{student: {problem: codes}}`` of the grade table's CSV (its ``mistakes`` column)."""
    with open(course.report_csv("partb"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for row in rows:
        coded = {}
        for part in filter(None, row["mistakes"].split("; ")):
            problem, codes = part.split(":", 1)
            coded[problem] = frozenset(codes.split(", "))
        out[row["student"]] = coded
    return out


def test_every_student_carries_the_codes_the_mix_declares(reported):
    """Does each student's row of report-partb.csv hold exactly the codes of their kind (so
    a count that agreed by chance, two errors cancelling, would still show here)?"""
    course, students = reported
    got = _per_student(course)
    wrong = {
        s: (student.kind, student.codes, got.get(s))
        for s, student in students.items()
        if got.get(s) != student.codes
    }
    assert wrong == {}


def test_a_mix_that_declares_one_student_wrong_fails(reported):
    """Does the comparison fail, naming the code and the student, when the mix declares one
    right answer a mistake, or forgets one student's mistake?"""
    course, students = reported
    counted = _mistakes_csv(course)
    right = next(s for s, student in students.items() if student.kind == CORRECT)
    lied = {**students, right: Student(CORRECT, {"P1": frozenset({"factor-2-missing"})})}
    [said] = mismatches(lied, counted)
    assert said.startswith("factor-2-missing: the mix has") and right in said
    wrong = next(s for s, student in students.items() if student.codes.get("P2"))
    forgot = {**students, wrong: Student(students[wrong].kind, {})}
    assert mismatches(forgot, counted)
