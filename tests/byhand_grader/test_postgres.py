"""Does a class graded into a PostgreSQL gradebook get the same grades as one graded into SQLite?

A real PostgreSQL server (``tests/services.py``) holds the gradebook; the
course's ``nbgrader_config.py`` names it in ``CourseDirectory.db_url``, as an
instructor would, and nbgrader's own commands (``generate_assignment``,
``export``) and ``byhand grade`` all go through that URL.  And the race that
once made PostgreSQL unusable: nbgrader's ``Gradebook`` creates missing tables
on every open, so processes opening an empty database at once collide on
CREATE TABLE; the schema is made once, before any parallel work.
"""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from byhand_grader import record
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader

from ..repo import copy_course, REPO
from ..services import PostgresServer

#: a few sample students: full marks, partial, unreadable (recorded as 0 with the reason)
STUDENTS = ("correct", "missing-factor-2", "corrupt-json")

#: the race: one process imports nbgrader, then for each step (open, create_schema) forks
#: ``n`` children that wait on a pipe and lets them all go at once; each prints its outcome.
#: Each child also holds its first CREATE TABLE until one shared moment, so the children
#: collide there even on a quiet machine that would otherwise serialise them (a CI run
#: saw 0 of 4 fail three times without it); nothing waits for anything else, so it
#: cannot deadlock: a child that never reaches CREATE TABLE just goes on.
OPENERS = """
import os, sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from nbgrader.api import Gradebook
from byhand_grader.record import create_schema
steps, url, n = sys.argv[1].split(","), sys.argv[2], int(sys.argv[3])
moment, held = [0.0], []
@event.listens_for(Engine, "before_cursor_execute")
def _hold(conn, cursor, statement, parameters, context, executemany):
    if not held and statement.lstrip().upper().startswith("CREATE TABLE"):
        held.append(True)
        time.sleep(max(0.0, moment[0] - time.time()))
for how in steps:
    moment[0] = time.time() + 3.0
    go_r, go_w = os.pipe()
    children = []
    for _ in range(n):
        out_r, out_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.read(go_r, 1)            # end of file once the parent lets go
            try:
                if how == "open":
                    Gradebook(url).close()
                else:
                    create_schema(url)
                line = "ok"
            except Exception as err:
                line = type(err).__name__ + " " + str(err).splitlines()[0][:300]
            os.write(out_w, line.encode())
            os._exit(0)
        os.close(out_w)
        children.append((pid, out_r))
    os.close(go_w)
    os.close(go_r)
    for pid, out_r in children:
        with os.fdopen(out_r) as f:
            print(how, f.read() or "no answer", flush=True)
        os.waitpid(pid, 0)
"""


@pytest.fixture(scope="module")
def postgresql():
    """A real PostgreSQL server on loopback for this module's tests, stopped after them."""
    with PostgresServer() as server:
        yield server


def _open_at_once(url, *steps, n=4):
    """For each step (open, create_schema), ``n`` processes open the gradebook at the same
    moment; return ``"<step> ok"`` or ``"<step> <error>"`` per process and step."""
    env = dict(
        os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    )
    proc = subprocess.run(
        [sys.executable, "-c", OPENERS, ",".join(steps), url, str(n)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcomes = proc.stdout.strip().splitlines()
    assert len(outcomes) == n * len(steps), proc.stdout
    return outcomes


def test_concurrent_first_opens_of_an_empty_database_race(postgresql):
    """Do processes that open an empty PostgreSQL gradebook at once break each other?

    This is why ``create_schema`` exists; if nbgrader ever makes its first open safe, this
    fails and says so.  Measured: 3 of 4 failed in every one of 8 tries; a try where the
    scheduler happens to serialise them is retried on a fresh database.
    """
    for attempt in range(3):
        outcomes = _open_at_once(postgresql.create_database(f"race{attempt}"), "open")
        failed = [o for o in outcomes if o != "open ok"]
        if failed:
            break
    print(
        f"{len(failed)} of {len(outcomes)} concurrent first opens failed (try {attempt + 1}): "
        f"{failed[0] if failed else ''}"
    )
    assert failed, f"no concurrent first open failed in 3 tries: {outcomes}"
    assert "open ok" in outcomes, outcomes
    assert all("IntegrityError" in o or "ProgrammingError" in o for o in failed), failed


def test_schema_made_once_then_concurrent_opens_succeed(postgresql):
    """Do concurrent ``create_schema`` calls, then concurrent opens, all succeed?"""
    url = postgresql.create_database("schema_once")
    assert _open_at_once(url, "create_schema", "open") == ["create_schema ok"] * 4 + ["open ok"] * 4
    with Gradebook(url) as gb:
        assert gb.assignments == [] and gb.students == []


def test_a_missing_database_is_a_sentence(postgresql):
    """Does a gradebook URL naming a database that does not exist stop with what to do?"""
    url = postgresql.url("never_created")
    with pytest.raises(record.GradebookNotReady, match="must exist first: `createdb`"):
        record.check_ready(url, ["partb"])


def _class(folder, db_url=None):
    """A copy of the course with a few sample students, graded (2 workers) and exported."""
    course = copy_course(folder, with_grader_tests=True)
    if db_url:
        with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as f:
            f.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        assert course.db_url == db_url
    for student in STUDENTS:
        shutil.copytree(REPO / "sample_class" / "submitted" / student, course.submitted / student)
    nbgrader(course, "generate_assignment", "partb", "--force")
    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(
            "absent", first_name="Ab", last_name="Sent", email="absent@example.org"
        )
    first = grade(course, ["partb"], workers=2, progress=False)
    with Gradebook(course.db_url) as gb:
        gb.find_grade("p5_explanation", "partb", "partb", "correct").manual_score = 7
        gb.db.commit()
    nbgrader(course, "export", f"--to={course.grades_csv}")
    with open(course.grades_csv, newline="", encoding="utf-8") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}
    with Gradebook(course.db_url) as gb:
        cells = {
            (g.student.id, g.name): (g.auto_score, g.manual_score, g.needs_manual_grade)
            for sub in gb.assignment_submissions("partb")
            for nb in sub.notebooks
            for g in nb.grades
        }
    return course, {r.student: r.status for r in first}, exported, cells


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgresql):
    url = postgresql.create_database("course")
    return (
        _class(tmp_path_factory.mktemp("postgres"), url),
        _class(tmp_path_factory.mktemp("sqlite")),
    )


def test_postgres_gradebook_holds_what_sqlite_holds(both):
    """Are every grade cell's scores and every exported row the same in both gradebooks?"""
    (_, pg_status, pg_rows, pg_cells), (_, lite_status, lite_rows, lite_cells) = both
    assert pg_status == lite_status
    assert pg_cells == lite_cells and {student for student, _ in pg_cells} == set(STUDENTS)
    assert pg_rows == lite_rows
    assert set(pg_rows) == {*STUDENTS, "absent"}
    # the comparison is not between two empty tables
    assert float(pg_rows["correct"]["score"]) == 35 + 7 and pg_rows["correct"]["status"] == "graded"
    assert float(pg_rows["missing-factor-2"]["score"]) == 8
    assert pg_rows["missing-factor-2"]["status"] == "pending"
    assert pg_rows["absent"]["status"] == "missing"
    assert pg_status["corrupt-json"] == "ungradable"


def test_nothing_is_written_beside_the_configured_gradebook(both):
    """With db_url set, is there no SQLite gradebook of the class anywhere but the scratch ones?"""
    (pg_course, *_), (lite_course, *_) = both
    assert (lite_course.root / "gradebook.db").is_file()
    found = sorted(p.relative_to(pg_course.root) for p in pg_course.root.rglob("*.db"))
    # the workers' scratch gradebooks: internal SQLite files, emptied at every run
    assert found and all(
        p.parts[0] == ".byhand" and p.parts[1].startswith("worker-") for p in found
    ), found


def test_messages_never_show_the_password():
    """Does the URL a message prints keep the server and database but not the password?"""
    shown = record.shown("postgresql+psycopg://grader:s3cret@db.example.edu:5432/byhand")
    assert "s3cret" not in shown and "db.example.edu:5432/byhand" in shown
