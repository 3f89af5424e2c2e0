"""Grade one submission on its own, exactly as ``byhand grade`` grades a class: for platforms.

Gradescope and PrairieLearn start a fresh container per submission and hand it
one student's files; there is no class folder and no gradebook.  Rather than a
second, lighter grading path (which would drift from the real one), this builds
a throwaway class folder for that one student beside the course
(``Course(root, class_folder)``, as the bundled sample class is graded), seeds
its gradebook with the assignment's definitions (cells, checksums, points) from
the gradebook the course shipped, and runs ``byhand_grader.grade.grade`` on it:
the same intake, nbgrader autograde, sandboxed harness and hidden checks.  The
platform writers (``byhand_grader.platforms.gradescope``, ``byhand_grader.platforms.prairielearn``)
turn the ``StudentResult`` into each platform's results file.

A grader-side failure (the harness cannot start, the sandbox is missing where it
is required, the grader failed on the submission) is ``GraderFailed``: never a
score.  A submission that cannot be read is not a failure: it is graded as the
blank release with the reason, status ``ungradable``, as in ``byhand grade``.
"""

import re
import shutil
from pathlib import Path

from ..annotate import HINT, hint_lines, verdict_text
from ..course import Course
from ..report import lost_points

#: What ``--allow-unconfined`` gives up, said wherever it is chosen or used.
UNCONFINED = (
    "student code then runs as the grader's own user with rlimits only: it can read "
    "the hidden checks, rewrite them and write its own results file"
)


class GraderFailed(RuntimeError):
    """The grader, not the student, is at fault: no score may come of this submission."""


#: What nbgrader and the class folder accept in a student id; anything else becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]")


def student_id(name):
    """A platform's user id as an nbgrader student id (a folder name); hidden inputs are seeded by it."""
    cleaned = _UNSAFE.sub("_", str(name)).strip("._") or "student"
    return cleaned[:100]


def grade_notebook(course, assignment, files, student, work, definitions, require_sandbox=True):
    """Grade one student's submission of ``assignment``; return its ``StudentResult``.

    ``course`` is the shipped ``Course`` (its ``release/``, ``source/`` notebook,
    ``grader_tests/`` and ``nbgrader_config.py``); ``files`` the paths the platform
    handed over (the notebook, under any name); ``work`` an empty folder for the
    throwaway class; ``definitions`` the URL of a gradebook that knows the assignment.
    ``require_sandbox``: refuse (``GraderFailed``) where bubblewrap cannot confine
    student code, instead of running it with rlimits only.
    """
    from .. import record
    from ..grade import grade
    from ..results import GradingStopped
    from ..sandbox import confinement

    found = confinement()
    if not found.confined:
        if require_sandbox:
            raise GraderFailed(
                f"student code cannot be confined here ({found.sentence}); "
                "nothing was graded. The autograder needs bubblewrap's "
                "namespaces, or root for its container tier; as a last resort "
                f"build it with --allow-unconfined ({UNCONFINED})"
            )
        print(
            f"WARNING: grading UNCONFINED (--allow-unconfined): {UNCONFINED}. "
            f"Why: {found.sentence}",
            flush=True,
        )
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


def close_platform(root):
    """Close the platform's folder (``/autograder``, ``/grade``) to student code, but the
    grader's code and Python: the hidden checks, the course, the settings, the submission,
    who submitted it and the results folder become root's alone, before any student code
    runs.  In bubblewrap's tier they are hidden anyway; in the container tier this is
    what keeps them from the sandbox uid (``byhand_grader.sandbox.close``)."""
    from ..sandbox import close
    from ..sandbox.exposed import readable_paths

    close([root], keep=readable_paths())


def log_line(result, seconds):
    """The last line of a platform's log, which only instructors see: the score, the
    flags and how student code was confined."""
    from ..sandbox import confinement

    return (
        f"{result.student}: {result.auto_score:g} / {result.max_auto:g} automatic points "
        f"({result.status}) in {seconds:.1f} s; flags: {result.flags or 'none'}\n"
        f"sandbox: {confinement().sentence}"
    )


def summary_text(cell, mistakes=None):
    """A grade cell's verdict in short: its score, one summary line per failed check, then
    the hints of the mistakes they recognised (``mistakes``: the assignment's catalogue).

    The whole verdict (``annotate.verdict_text``, what the feedback prints) says the same
    at length; both quote only the notebook's own examples.
    """
    head = verdict_text(cell).splitlines()[0]
    hints = hint_lines(cell, mistakes) if mistakes is not None else []
    return (
        "\n".join(
            [head] + [f"  - {f.summary}" for f in cell.failures] + [f"  {HINT}{h}" for h in hints]
        )
        + "\n"
    )


def platform_summary(result, assignment, platform):
    """What happened to the submission as a whole, for a platform's top-level message."""
    lines = [
        f"byhand autograder: {result.auto_score:g} / {result.max_auto:g} automatic points "
        f"({result.status})."
    ]
    lines += [f"* {reason}" for reason in result.reasons]
    lines += [f"* {note}" for note in result.notes]
    lines += [f"* Points lost in {item}" for item in lost_points(result, assignment, width=10_000)]
    for p in assignment.problems:
        if p.manual_cells:
            points = result.manual_points.get(p.column)
            worth = f", {points:g} points" if points is not None else ""
            lines.append(
                f"* {p.column} ({p.title}{worth}) is graded by hand on {platform}; "
                "it is not part of this score."
            )
    return "\n".join(lines) + "\n"
