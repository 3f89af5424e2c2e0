"""One submission, one transaction: nbgrader's record and the judge's scores reach the gradebook together.

nbgrader's autograde writes to the gradebook as it goes and, without
re-executing, scores each grade cell from the outputs the student saved (no
error output: full marks).  When the judge's scores were merged after the
whole batch, a run stopped in between (Ctrl-C, a crash, a kill) left those
forged scores behind.  So nbgrader never autogrades into the course's
gradebook here:

* each grading worker has a scratch gradebook of its own and a scratch
  ``autograded/`` (``Scratch``), seeded with the assignments' definitions
  copied from the course's gradebook (cells, checksums, points); there nbgrader
  restores locked and deleted cells and records the submission;
* the worker reads back what nbgrader recorded (``recorded``: timestamp,
  late penalty, "No response." comments) and annotates the autograded
  notebook with the judge's verdicts;
* the main process, the gradebook's only writer, ``commit``s each submission
  as soon as it is judged: the annotated notebook moves into ``autograded/``,
  then the gradebook rows (student, submission, notebooks, every grade with
  the judge's score, comments, and the grader's note on the hand-graded explanation as
  its ``auto_comment``, ``rubric.assist``) are written in one transaction.

A run stopped at any moment leaves each student with the previous records or
the new ones.  Manual grades (``manual_score``) are never written here, so
they survive every regrade.

The course's gradebook is whatever nbgrader's ``CourseDirectory.db_url`` says
(``Course.db_url``): SQLite by default, or PostgreSQL.  Opening an nbgrader
``Gradebook`` creates any missing table, and several processes opening an
empty PostgreSQL database at once race on CREATE TABLE (3 of 4 failed with a
duplicate key on ``pg_type``, ``tests/byhand_grader/test_postgres.py``), so
``check_ready`` first creates the schema once (``create_schema``), in the main
process, before any worker starts.  The workers' scratch gradebooks are
SQLite files of their own under ``.byhand/worker-N/``: internal, never read by
nbgrader's tools, and emptied at every run.
"""

import os
import shutil
from dataclasses import dataclass, field

from nbgrader import api
from nbgrader.api import Gradebook, MissingEntry

from .nbgrader_run import scripts_on_path


class GradebookNotReady(RuntimeError):
    """The gradebook cannot be opened or does not know an assignment: nothing can be recorded."""


@dataclass
class Recorded:
    """What nbgrader recorded for one submission, as plain data."""

    timestamp: object = None  #: datetime, or None
    late_penalty: dict = field(default_factory=dict)  #: notebook -> late_submission_penalty
    comments: dict = field(default_factory=dict)  #: notebook -> {cell name: auto_comment}


#: the PostgreSQL advisory lock key under which ``create_schema`` creates tables ("byhand")
SCHEMA_LOCK = int.from_bytes(b"byhand", "big")


def shown(db_url):
    """The gradebook's URL as messages print it: without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy reads: say it as given
        return str(db_url)


def create_schema(db_url):
    """Create the gradebook's tables if they are missing: once, before any parallel work.

    nbgrader's ``Gradebook`` runs CREATE TABLE for missing tables on every open, and on
    an empty PostgreSQL database concurrent first opens collide (a duplicate key on
    ``pg_type``).  Called in the main process before workers start; on PostgreSQL it
    also holds an advisory lock while it creates, so two commands started at once on
    the same empty database both succeed.  Raises ``GradebookNotReady`` with what to do
    when the database cannot be reached (a PostgreSQL database must exist first).
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    scripts_on_path()
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as con:
            locked = engine.dialect.name == "postgresql"
            if locked:
                con.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
            try:
                with Gradebook(db_url):
                    pass
            finally:
                if locked:
                    con.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
    except OperationalError as err:
        first = str(err.orig if err.orig is not None else err).strip().splitlines()[0]
        hint = (
            " (a PostgreSQL database must exist first: `createdb` it, and check the "
            "host, port, user and password in CourseDirectory.db_url)"
            if engine.dialect.name == "postgresql"
            else ""
        )
        raise GradebookNotReady(
            f"cannot open the gradebook {shown(db_url)}: {first}{hint}; nothing was graded"
        ) from None
    finally:
        engine.dispose()


def check_ready(db_url, assignments):
    """Raise ``GradebookNotReady`` with what to run unless the gradebook knows each assignment.

    Creates the gradebook's schema first if it is missing (``create_schema``): this runs
    in the main process before any worker opens the gradebook.
    """
    create_schema(db_url)
    with Gradebook(db_url) as gb:
        for a in assignments:
            try:
                if gb.find_assignment(a).notebooks:
                    continue
            except MissingEntry:
                pass
            raise GradebookNotReady(
                f"the gradebook ({shown(db_url)}) does not know the assignment {a!r}: run "
                f"`byhand release {a}` first (nbgrader generate_assignment records it); "
                "nothing was graded"
            )


def copy_assignments(source_url, dest_url, assignments):
    """Copy the assignments' definitions (notebooks, cells, checksums) into another gradebook."""
    scripts_on_path()  # (a new destination is stamped in-process: nbgrader_run.alembic_head)
    with Gradebook(source_url) as src, Gradebook(dest_url) as dest:
        for a in assignments:
            assignment = src.find_assignment(a)
            dest.update_or_create_assignment(a, duedate=assignment.duedate)
            for nb in assignment.notebooks:
                dest.update_or_create_notebook(nb.name, a)
                for c in nb.grade_cells:
                    dest.update_or_create_grade_cell(
                        c.name, nb.name, a, max_score=c.max_score, cell_type=c.cell_type
                    )
                for c in nb.solution_cells:
                    dest.update_or_create_solution_cell(c.name, nb.name, a)
                for c in nb.task_cells:
                    dest.update_or_create_task_cell(
                        c.name, nb.name, a, max_score=c.max_score, cell_type=c.cell_type
                    )
                for c in nb.source_cells:
                    dest.update_or_create_source_cell(
                        c.name,
                        nb.name,
                        a,
                        source=c.source,
                        checksum=c.checksum,
                        cell_type=c.cell_type,
                        locked=c.locked,
                    )


class Scratch:
    """A worker's private gradebook and autograded folder, inside the class's ``.byhand/``."""

    def __init__(self, course, slot):
        self.folder = course.work / f"worker-{slot}"
        self.autograded = self.folder / "autograded"
        self.db_url = f"sqlite:///{self.folder / 'gradebook.db'}"
        self.course = course

    def reset(self, assignments):
        """Start empty, with the assignments' definitions from the course's gradebook."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.autograded.mkdir(parents=True)
        copy_assignments(self.course.db_url, self.db_url, assignments)

    def notebook_folder(self, student, assignment):
        return self.autograded / student / assignment

    def notebook(self, student, assignment):
        return self.notebook_folder(student, assignment) / f"{assignment}.ipynb"

    def recorded(self, student, assignment):
        """What nbgrader recorded in the scratch gradebook for this submission."""
        with Gradebook(self.db_url) as gb:
            sub = gb.find_submission(assignment, student)
            out = Recorded(timestamp=sub.timestamp)
            for nb in sub.notebooks:
                out.late_penalty[nb.name] = nb.late_submission_penalty
                out.comments[nb.name] = {c.name: c.auto_comment for c in nb.comments}
            return out


def _submission(gb, assignment, student):
    """The student's submission, created with every notebook, grade and comment row if new."""
    db = gb.db
    if db.get(api.Student, student) is None:
        db.add(api.Student(id=student))
        db.flush()
    try:
        return gb.find_submission(assignment, student)
    except MissingEntry:
        pass
    with db.no_autoflush:  # the rows of nbgrader's Gradebook.add_submission, uncommitted
        sub = api.SubmittedAssignment(
            assignment=gb.find_assignment(assignment), student=db.get(api.Student, student)
        )
        for notebook in sub.assignment.notebooks:
            nb = api.SubmittedNotebook(notebook=notebook, assignment=sub)
            for cell in notebook.grade_cells:
                api.Grade(cell_id=cell.id, notebook=nb)
            for cell in notebook.solution_cells:
                api.Comment(cell_id=cell.id, notebook=nb)
            for cell in notebook.task_cells:
                api.Comment(cell_id=cell.id, notebook=nb)
                api.Grade(cell_id=cell.id, notebook=nb)
        db.add(sub)
    db.flush()
    return sub


def commit(gb, course, scratch_folder, result):
    """Record one judged submission: its notebook into ``autograded/``, its rows in one transaction.

    ``result`` is a ``byhand_grader.results.StudentResult`` whose ``recorded`` came from the
    worker's scratch gradebook.  Returns ``{grade cell: manual score or None}`` of the cells
    graded by hand, as the gradebook holds them now.
    """
    _move_into_place(scratch_folder, course.autograded / result.student / result.assignment)
    scores = {c.grade_id: c.score for c in result.cells}
    try:
        sub = _submission(gb, result.assignment, result.student)
        sub.timestamp = result.recorded.timestamp
        for nb in sub.notebooks:
            nb.late_submission_penalty = result.recorded.late_penalty.get(nb.name)
            for grade in nb.grades:
                if grade.name in scores:  # autograded: the judge's score, and nothing else
                    grade.auto_score = scores[grade.name]
                    grade.needs_manual_grade = grade.manual_score is not None
                else:  # graded by hand: pending until a grader scores it
                    grade.auto_score = None
                    grade.needs_manual_grade = True
            comments = result.recorded.comments.get(nb.name, {})
            note = result.problem5.get("note")
            for comment in nb.comments:  # manual_comment is the grader's: never written here
                if note and comment.name == result.problem5.get("grade_id"):
                    comment.auto_comment = note  # the grader's note (``rubric.assist``)
                else:
                    comment.auto_comment = comments.get(comment.name)
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise
    return {
        grade.name: grade.manual_score
        for nb in sub.notebooks
        for grade in nb.grades
        if grade.name not in scores
    }


def roster(gb):
    """Every student the gradebook knows."""
    return sorted(s.id for s in gb.students)


def _move_into_place(new, dest):
    """Replace ``dest`` by the folder ``new`` (same filesystem: two renames)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    old = dest.with_name(f".{dest.name}.replaced-{os.getpid()}")
    if dest.exists():
        os.replace(dest, old)
    os.replace(new, dest)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
