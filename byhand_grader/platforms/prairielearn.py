"""PrairieLearn's side of one submission: its external-grader layout in, its ``results.json`` out.

The container contract (https://prairielearn.readthedocs.io/en/latest/externalGrading/):
PrairieLearn copies the question's ``serverFilesCourse`` folders to
``/grade/serverFilesCourse/``, the student's files to ``/grade/student/``, the
question's data to ``/grade/data/data.json``, runs the question's entrypoint
and reads ``/grade/results/results.json`` (a folder the grader must create).
The bundle ``byhand prairielearn`` writes (``byhand_instructor.prairielearn``)
is one ``serverFilesCourse/byhand-<a>/`` folder: its ``run.sh`` (the
entrypoint), this package and ``byhand`` under ``code/``, the assignment's
release notebook, hidden checks, configuration and definitions under
``course/``.  ``run.sh`` calls ``run(root, bundle)`` with ``root`` = ``/grade``.

The submission is graded by ``byhand_grader.platforms.single`` (the same intake,
sandboxed harness and hidden checks as ``byhand grade``).  ``results.json``:
``score`` (the automatic points as a fraction, 0..1; hand-graded problems such
as Part B's Problem 5 are PrairieLearn's manual points), ``message`` (what
happened to the submission), and one test per autograded grade cell with
``points``, ``max_points``, ``message`` (the short verdict, then the catalogue's hint
for each mistake it recognised), ``output`` (the whole verdict, what the feedback
prints) and ``mistakes``, those mistakes' codes (``grader_tests/<a>/mistakes.py``;
PrairieLearn keeps any additional data in the results and renders the fields it
knows).  PrairieLearn shows students everything in the file; verdicts quote only the
notebook's own examples.

A notebook that cannot be read, and a grader-side failure, both give
``"gradable": false`` with ``format_errors`` saying which: PrairieLearn then
awards and takes no points and does not count the attempt.  Neither gets a score.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

from ..annotate import verdict_text
from ..assignment import load_assignment
from ..course import Course
from ..mistakes import cell_codes
from .single import (
    close_platform,
    grade_notebook,
    GraderFailed,
    log_line,
    platform_summary,
    student_id,
    summary_text,
)

#: Where the bundle puts things, below ``serverFilesCourse/byhand-<a>/``.
SETTINGS, COURSE, CODE = "settings.json", "course", "code"

GRADER_FAILED = (
    "The autograder itself failed on this submission (not your code): no "
    "points were given or taken and this attempt does not count. Submit again, "
    "and tell your instructor if it happens again."
)


def results_json(result, assignment):
    """PrairieLearn's results for one graded ``StudentResult`` (a dict to write as JSON)."""
    message = platform_summary(result, assignment, "PrairieLearn")
    if result.status == "ungradable":  # nothing of the student's could be read
        return {"gradable": False, "format_errors": list(result.reasons), "message": message}
    mistakes = assignment.mistakes
    tests = []
    for cell in result.cells:
        problem = assignment.problem_of(cell.grade_id)
        tests.append(
            {
                "name": f"{problem.column}: {cell.grade_id}",
                "description": problem.title,
                "points": cell.score,
                "max_points": cell.points,
                "message": summary_text(cell, mistakes),
                "output": verdict_text(cell, mistakes),
                "mistakes": cell_codes(cell),
            }
        )
    score = result.auto_score / result.max_auto if result.max_auto else 0.0
    return {
        "gradable": True,
        "score": min(1.0, max(0.0, score)),
        "message": message,
        "tests": tests,
    }


def failed_json():
    """The results of a grader-side failure: not gradable, no score.

    The reason goes to the job's output only: it may name grader files, and
    PrairieLearn shows students everything in results.json.
    """
    return {"gradable": False, "format_errors": [GRADER_FAILED], "message": GRADER_FAILED}


def variant_student(data_path):
    """The student id to seed hidden inputs with: PrairieLearn's variant seed, per student's variant."""
    path = Path(data_path)
    seed = None
    if path.is_file():
        seed = json.loads(path.read_text(encoding="utf-8")).get("variant_seed")
    return student_id(f"variant-{seed}") if seed is not None else "student"


def run(root, bundle, student=None):
    """Grade ``<root>/student`` with the bundle's course; write ``<root>/results/results.json``.

    ``student`` names the student for the hidden inputs' seed (default: from the variant
    seed in ``<root>/data/data.json``).  Returns the exit status (1: the grader failed).
    """
    root, bundle = Path(root).resolve(), Path(bundle).resolve()
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    code = 0
    try:
        close_platform(root)
        settings = json.loads((bundle / SETTINGS).read_text(encoding="utf-8"))
        course = Course(bundle / COURSE)
        assignment = load_assignment(course, settings["assignment"])
        student = student_id(student) if student else variant_student(root / "data" / "data.json")
        files = sorted((root / "student").glob("*"))
        with tempfile.TemporaryDirectory(prefix="byhand-prairielearn-") as work:
            result = grade_notebook(
                course,
                assignment.name,
                files,
                student,
                work,
                definitions=f"sqlite:///{course.root / 'gradebook.db'}",
                require_sandbox=settings["require_sandbox"],
            )
        results = results_json(result, assignment)
        print(log_line(result, time.perf_counter() - start))
    except GraderFailed as err:
        print(f"error: {err}")
        results, code = failed_json(), 1
    except Exception as err:  # one line, no traceback: it could quote a hidden file's source
        print(f"error: the grader itself failed ({type(err).__name__}: {str(err)[:300]})")
        results, code = failed_json(), 1
    tmp = results_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    tmp.replace(results_path)
    return code


def main(argv=None):
    """``python -m byhand_grader.platforms.prairielearn ROOT BUNDLE [STUDENT]``: what ``run.sh``
    runs."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print(
            "usage: python -m byhand_grader.platforms.prairielearn ROOT BUNDLE [STUDENT]",
            file=sys.stderr,
        )
        return 2
    return run(*args)


if __name__ == "__main__":
    sys.exit(main())
