"""Gradescope's side of one submission: its file layout in, its ``results.json`` out.

Gradescope unpacks the autograder zip into ``/autograder/source``, puts the
student's files in ``/autograder/submission`` and who submitted in
``/autograder/submission_metadata.json``, runs ``/autograder/run_autograder``
and reads ``/autograder/results/results.json``
(https://gradescope-autograders.readthedocs.io/en/latest/specs/).  The zip
(``byhand gradescope``, ``byhand_instructor.gradescope``) holds this package,
the given package ``byhand``, and under ``course/`` the assignment's release
notebook, hidden checks, configuration and a gradebook with its definitions;
``run_autograder`` calls ``run(root)`` with ``root`` = ``/autograder``, or the
folder ``byhand gradescope --try`` laid out the same way.

The submission is graded by ``byhand_grader.platforms.single`` (the same intake,
sandboxed harness and hidden checks as ``byhand grade``).  ``results.json``:

* one test per autograded grade cell: ``score``, ``max_score``, ``status``
  (``passed`` only at full marks) and, as ``output``, the verdict's short form
  (the one-line summary of each failed check, then the catalogue's hint for the mistakes
  it recognised) with ``summary_visibility``, and as ``tags`` the problem's column and
  those mistakes' codes (``grader_tests/<a>/mistakes.py``);
* the whole verdict of a cell that lost points, word for word what the feedback
  prints under the grade cell, as a 0-point test of its own with
  ``detail_visibility`` (or in the same test, when both visibilities agree).
  Verdicts quote only the notebook's own examples, never a hidden input;
* top-level ``score`` (the automatic points: hand-graded problems such as
  Part B's Problem 5 are left out, for Gradescope's own rubric questions) and
  ``output`` (status, reasons, repairs, points lost, what is graded by hand).

A submission that cannot be read gets a results.json with score 0 and the
reason.  A grader-side failure writes **no** results.json and exits 1:
Gradescope then reports "The autograder failed to execute correctly" and gives
no score (its troubleshooting guide), and the reason is in the run's stdout,
which only instructors see.  Any results.json this wrote would carry a score.
"""

import json
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from ..annotate import verdict_text
from ..assignment import load_assignment
from ..course import Course
from ..mistakes import cell_codes
from ..sandbox import confinement
from .single import (
    close_platform,
    grade_notebook,
    GraderFailed,
    log_line,
    platform_summary,
    student_id,
    summary_text,
)

#: Who may see a test, in Gradescope's words.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
#: Where the zip puts things, below ``<root>/source``.
SETTINGS, COURSE, CODE = "settings.json", "course", "code"


@dataclass(frozen=True)
class Settings:
    """How the autograder of one assignment reports (``settings.json`` in the zip)."""

    assignment: str
    summary_visibility: str = "visible"  #: each grade cell's score and short verdict
    detail_visibility: str = "after_due_date"  #: the whole verdict of a cell that lost points
    require_sandbox: bool = True  #: refuse to run student code unconfined

    def __post_init__(self):
        for name in ("summary_visibility", "detail_visibility"):
            if getattr(self, name) not in VISIBILITIES:
                raise ValueError(
                    f"{name} must be one of {', '.join(VISIBILITIES)}, not {getattr(self, name)!r}"
                )

    @classmethod
    def read(cls, path):
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))

    def write(self, path):
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def results_json(result, assignment, settings):
    """Gradescope's results for one graded ``StudentResult`` (a dict to write as JSON)."""
    split = settings.detail_visibility != settings.summary_visibility
    mistakes = assignment.mistakes
    tests = []
    for cell in result.cells:
        problem = assignment.problem_of(cell.grade_id)
        status = "passed" if cell.total and cell.score >= cell.points else "failed"
        name = f"{problem.column} ({problem.title}): {cell.grade_id}"
        tags = [problem.column, *cell_codes(cell)]
        tests.append(
            {
                "name": name,
                "score": cell.score,
                "max_score": cell.points,
                "status": status,
                "output": summary_text(cell, mistakes) if split else verdict_text(cell, mistakes),
                "visibility": settings.summary_visibility,
                "tags": tags,
            }
        )
        if split and cell.failures:
            tests.append(
                {
                    "name": f"{name}: the whole verdict",
                    "score": 0.0,
                    "max_score": 0.0,
                    "status": status,
                    "output": verdict_text(cell, mistakes),
                    "visibility": settings.detail_visibility,
                    "tags": tags,
                }
            )
    return {
        "score": result.auto_score,
        "execution_time": round(result.seconds),
        "output": platform_summary(result, assignment, "Gradescope"),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "byhand_status": result.status,
            "flags": result.flags,
            "confinement": confinement().tier,
        },
    }


def submitter(metadata_path):
    """The student id of a submission: the (first, by id) Gradescope user who submitted it."""
    path = Path(metadata_path)
    if not path.is_file():
        return "student"
    users = json.loads(path.read_text(encoding="utf-8")).get("users") or []
    ids = sorted(str(u.get("id")) for u in users if u.get("id") is not None)
    return student_id(ids[0]) if ids else "student"


def run(root):
    """Grade ``<root>/submission`` and write ``<root>/results/results.json``; return the exit status."""
    root = Path(root).resolve()
    source = root / "source"
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.unlink(missing_ok=True)  # a failed run must not leave an old score behind
    start = time.perf_counter()
    try:
        close_platform(root)
        settings = Settings.read(source / SETTINGS)
        course = Course(source / COURSE)
        assignment = load_assignment(course, settings.assignment)
        student = submitter(root / "submission_metadata.json")
        files = sorted((root / "submission").glob("*"))
        with tempfile.TemporaryDirectory(prefix="byhand-gradescope-") as work:
            result = grade_notebook(
                course,
                settings.assignment,
                files,
                student,
                work,
                definitions=f"sqlite:///{course.root / 'gradebook.db'}",
                require_sandbox=settings.require_sandbox,
            )
        results = results_json(result, assignment, settings)
    except GraderFailed as err:
        print(
            f"error: {err}\nNo results.json was written: Gradescope shows 'The autograder "
            "failed to execute correctly' and gives no score. Rerun the autograder on this "
            "submission once the cause is fixed."
        )
        return 1
    except Exception:
        traceback.print_exc(file=sys.stdout)
        print(
            "error: the grader itself failed (above); no results.json was written, so "
            "Gradescope gives no score."
        )
        return 1
    tmp = results_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    tmp.replace(results_path)
    print(log_line(result, time.perf_counter() - start))
    return 0


def main(argv=None):
    """``python -m byhand_grader.platforms.gradescope [ROOT]``: what ``run_autograder`` runs
    (ROOT: /autograder)."""
    args = sys.argv[1:] if argv is None else argv
    return run(args[0] if args else "/autograder")


if __name__ == "__main__":
    sys.exit(main())
