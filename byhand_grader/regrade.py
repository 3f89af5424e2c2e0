"""What a regrade changed: ``autograded/regrade-<a>.csv``, per student and grade cell.

After a change to ``grader_tests/<a>/`` (a check fixed, a tolerance moved), grading an
already graded class again gives some students other scores.  Each class run compares
what it found with the last run's results file (``autograded/results-<a>.json``, read
before the run replaces it) and writes one row per (student, grade cell) whose score or
verdict changed, with each student's automatic total before and after and whether their
final score changed, so an instructor reads whose score moved and why, and the LMS
exporters can write only those students (``only_changed``,
``byhand_grader.nbgrader_plugins.export``).

What counts:

* a student this run graded whom the last run had graded too: their cells compared;
* a student this run graded for the first time (a late submission; missing before):
  every cell is a row with no old score, and their final score changed (from none);
* a student the last run held whom this run did not grade (a ``--student`` run, a
  submission the grader failed on, a submission no longer there): no row, since their
  records in the gradebook stand as they were;
* a student's final score is the automatic total plus the points given by hand, which a
  regrade never touches (``record.commit``), so it changed exactly when the automatic
  total did.  Points given by hand between the two runs are not a change of the regrade.
  (An autograded cell overridden by hand in formgrader keeps its override in the
  gradebook: such a student may be listed as changed while the gradebook's score is not;
  an export then writes the gradebook's score again, which is harmless.)

The verdict of a cell is what its failed checks said: each failure's summary with the
catalogue's codes in brackets, ``passed`` when none failed.  The file holds the run it
compared with (its ``tests_digest`` and ``graded_at``) in every row, so a row reads alone;
with nothing changed it holds the header only.  A first run (no results file before it,
or one this version cannot read) compares with nothing and removes a stale impact file,
so the file on disk always describes the last run.  Each run replaces the file: export
the changed students before grading again.
"""

import csv
from collections import Counter
from dataclasses import astuple, dataclass, fields

from .results import read_results

#: The verdict of a cell none of whose checks failed.
PASSED = "passed"
#: The verdict of a cell with no score and no failure: its checks never ran (ungradable).
NOT_CHECKED = "checks could not run"


@dataclass(frozen=True)
class Run:
    """One class run's results, as the results file holds them."""

    results: list  #: ``StudentResult`` per student
    tests_digest: str = ""  #: ``Assignment.tests_digest`` of the checks that gave them
    graded_at: str = ""  #: when, ISO 8601 (UTC)


@dataclass(frozen=True)
class Change:
    """One row of the impact file: a grade cell of one student whose score or verdict changed."""

    student: str
    grade_cell: str
    old_score: float | None  #: None: not graded before (or the cell is new)
    new_score: float | None  #: None: the cell is gone from the assignment
    old_verdict: str
    new_verdict: str
    old_auto_score: float | None  #: the student's automatic total in the last run
    new_auto_score: float
    final_changed: bool  #: the automatic total moved, so the final score did too
    old_tests_digest: str
    new_tests_digest: str
    old_graded_at: str
    new_graded_at: str


#: The impact file's columns: ``Change``'s fields, in order.
COLUMNS = tuple(f.name for f in fields(Change))


def verdict(cell):
    """What the hidden checks said of one ``CellGrade``: each failure's summary with its codes
    (one said by several checks, once with their number), ``passed`` when none failed."""
    if cell is None:
        return ""
    if not cell.failures:
        return PASSED if cell.total and cell.passed == cell.total else NOT_CHECKED
    said = Counter(f"{f.summary} [{', '.join(f.codes)}]" for f in cell.failures)
    return " | ".join(text if n == 1 else f"{text} ({n} checks)" for text, n in said.items())


def _graded(run):
    """``{student: StudentResult}`` of the run's students with recorded scores."""
    return {r.student: r for r in run.results if r.status not in ("missing", "failed")}


def _score(cell):
    return None if cell is None else round(cell.score, 2)


def impact(before, after):
    """The ``Change``s from run ``before`` to run ``after`` (both ``Run``), by student and cell.

    Only the students ``after`` graded are compared (see the module for who counts).
    """
    old_graded, rows = _graded(before), []
    for student, new in sorted(_graded(after).items()):
        old = old_graded.get(student)
        old_cells = {c.grade_id: c for c in old.cells} if old else {}
        new_cells = {c.grade_id: c for c in new.cells}
        old_total = old.auto_score if old else None
        final_changed = old_total is None or round(old_total, 2) != round(new.auto_score, 2)
        order = [*new_cells, *(g for g in old_cells if g not in new_cells)]
        for grade_id in order:
            was, now = old_cells.get(grade_id), new_cells.get(grade_id)
            if (_score(was), verdict(was)) == (_score(now), verdict(now)):
                continue
            rows.append(
                Change(
                    student,
                    grade_id,
                    _score(was),
                    _score(now),
                    verdict(was),
                    verdict(now),
                    old_total,
                    new.auto_score,
                    final_changed,
                    before.tests_digest,
                    after.tests_digest,
                    before.graded_at,
                    after.graded_at,
                )
            )
    return rows


def changed_students(rows):
    """The students whose final score changed, sorted."""
    return sorted({r.student for r in rows if r.final_changed})


# -- the file --------------------------------------------------------------------------


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return value


def write_impact(path, rows):
    """Write the impact file: the header, then one line per ``Change`` (header only: none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        out.writerows([_cell_text(v) for v in astuple(r)] for r in rows)


def read_impact(path):
    """The ``Change``s of an impact file; ``ValueError`` when its header is not ``COLUMNS``."""
    with open(path, newline="", encoding="utf-8") as f:
        lines = csv.reader(f)
        head = next(lines, None)
        if tuple(head or ()) != COLUMNS:
            raise ValueError(f"{path} is not a regrade impact file (its header is {head})")
        return [_change(dict(zip(COLUMNS, line))) for line in lines if line]


def _change(row):
    def number(name):
        return float(row[name]) if row[name] != "" else None

    values = dict(row)
    for name in ("old_score", "new_score", "old_auto_score", "new_auto_score"):
        values[name] = number(name)
    values["final_changed"] = row["final_changed"] == "yes"
    return Change(**values)


# -- the class run's part ----------------------------------------------------------------


def last_run(results_path):
    """The ``Run`` the results file at ``results_path`` holds, or None (none, or unreadable)."""
    if not results_path.is_file():
        return None
    try:
        header, results = read_results(results_path)
    except (ValueError, KeyError, TypeError):
        return None
    return Run(results, header.get("tests_digest", ""), header.get("graded_at", ""))


def record_impact(path, before, after):
    """The class run's step: write what ``after`` changed since ``before`` to ``path``.

    ``before`` None (a first run) writes nothing and removes a stale file at ``path``.
    Returns the rows written, or None.
    """
    if before is None:
        path.unlink(missing_ok=True)
        return None
    rows = impact(before, after)
    write_impact(path, rows)
    return rows


def summary(path, shown_path):
    """One line for after the grade table: whose scores the last run changed, and where to read it.

    ``path`` is the impact file (``shown_path`` as the line names it); none there: the last
    run was a first grading and compared nothing.
    """
    if not path.is_file():
        return "regrade: a first grading, nothing to compare (no earlier results file)"
    rows = read_impact(path)
    if not rows:
        return f"regrade: no score or verdict changed ({shown_path} holds the header only)"
    changed = changed_students(rows)
    verdicts_only = {r.student for r in rows} - set(changed)
    parts = [
        "1 student's final score changed"
        if len(changed) == 1
        else f"{len(changed)} students' final scores changed"
    ]
    new = {r.student for r in rows if r.old_auto_score is None}
    if new:
        parts[0] += f" ({len(new)} of them graded for the first time)"
    if verdicts_only:
        parts.append(f"{len(verdicts_only)} more with changed verdicts only")
    checks = (
        "the hidden checks changed"
        if rows[0].old_tests_digest != rows[0].new_tests_digest
        else "the hidden checks did not change"
    )
    return f"regrade: {', '.join(parts)}; {checks} ({shown_path})"
