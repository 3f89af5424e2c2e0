"""Grade one submission on its own, exactly as ``byhand grade`` grades a class: for platforms.

Gradescope and PrairieLearn start a fresh container per submission and hand it
one student's files; there is no class folder and no gradebook.  Rather than a
second, lighter grading path (which would drift from the real one), this builds
a throwaway class folder for that one student beside the course
(``Course(root, class_folder)``, as the bundled sample class is graded), seeds
its gradebook with the assignment's definitions (cells, checksums, points) from
the gradebook the course shipped, and runs ``byhand_grader.grade.grade`` on it:
the same intake, nbgrader autograde, sandboxed harness and hidden checks.  The
platform writers (``byhand_grader.gradescope``, ``byhand_grader.prairielearn``)
turn the ``StudentResult`` into each platform's results file.

A grader-side failure (the harness cannot start, the sandbox is missing where it
is required, the grader failed on the submission) is ``GraderFailed``: never a
score.  A submission that cannot be read is not a failure: it is graded as the
blank release with the reason, status ``ungradable``, as in ``byhand grade``.
"""

import re
import shutil
from pathlib import Path

from .annotate import verdict_text
from .course import Course
from .report import lost_points


class GraderFailed(RuntimeError):
    """The grader, not the student, is at fault: no score may come of this submission."""


#: What nbgrader and the class folder accept in a student id; anything else becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]")


def student_id(name):
    """A platform's user id as an nbgrader student id (a folder name); hidden inputs are seeded by it."""
    cleaned = _UNSAFE.sub("_", str(name)).strip("._") or "student"
    return cleaned[:100]


def grade_notebook(course, assignment, files, student, work, definitions,
                   require_sandbox=True):
    """Grade one student's submission of ``assignment``; return its ``StudentResult``.

    ``course`` is the shipped ``Course`` (its ``release/``, ``source/`` notebook,
    ``grader_tests/`` and ``nbgrader_config.py``); ``files`` the paths the platform
    handed over (the notebook, under any name); ``work`` an empty folder for the
    throwaway class; ``definitions`` the URL of a gradebook that knows the assignment.
    ``require_sandbox``: refuse (``GraderFailed``) where bubblewrap cannot confine
    student code, instead of running it with rlimits only.
    """
    from . import record
    from .grade import GradingStopped, grade
    from .sandbox import sandbox_available

    confined, why = sandbox_available()
    if require_sandbox and not confined:
        raise GraderFailed(f"the sandbox for student code is not available here ({why}); "
                           "nothing was graded. Install bubblewrap in the image, or build the "
                           "autograder with --allow-unconfined to grade without it")
    klass = Course(course.root, Path(work) / "class")
    folder = klass.submitted / student / assignment
    folder.mkdir(parents=True)
    for path in files:
        if Path(path).is_file():
            shutil.copy2(path, folder / Path(path).name)
    record.copy_assignments(definitions, klass.db_url, [assignment])
    try:
        results = grade(klass, [assignment], students=[student], workers=1, progress=False)
    except GradingStopped as err:
        raise GraderFailed(str(err)) from None
    result = next((r for r in results if r.student == student), None)
    if result is None:
        raise GraderFailed(f"the grader found no submission of {assignment} to grade")
    if result.failed:
        raise GraderFailed("; ".join(result.reasons) or "the grader failed on this submission")
    return result


def summary_text(cell):
    """A grade cell's verdict in short: its score, then one summary line per failed check.

    The whole verdict (``annotate.verdict_text``, what the feedback prints) says the same
    at length; both quote only the notebook's own examples.
    """
    head = verdict_text(cell).splitlines()[0]
    return "\n".join([head] + [f"  - {f.summary}" for f in cell.failures]) + "\n"


def platform_summary(result, assignment, platform):
    """What happened to the submission as a whole, for a platform's top-level message."""
    lines = [f"byhand autograder: {result.auto_score:g} / {result.max_auto:g} automatic points "
             f"({result.status})."]
    lines += [f"* {reason}" for reason in result.reasons]
    lines += [f"* {note}" for note in result.notes]
    lines += [f"* Points lost in {item}" for item in lost_points(result, assignment, width=10_000)]
    for p in assignment.problems:
        if p.manual_cells:
            points = result.manual_points.get(p.column)
            worth = f", {points:g} points" if points is not None else ""
            lines.append(f"* {p.column} ({p.title}{worth}) is graded by hand on {platform}; "
                         "it is not part of this score.")
    return "\n".join(lines) + "\n"
