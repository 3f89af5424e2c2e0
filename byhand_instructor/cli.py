"""The command line: ``byhand VERB``, one verb per library module.

The CLI only parses options and calls the library function of the same name
with the same defaults; everything it can do can be done from Python too.
Every verb works on a course directory: ``--course DIR``, by default the
current directory, as nbgrader does.  ``--debug`` shows the full traceback
instead of the one-sentence error.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from byhand_grader.course import Course


def _release(course, args):
    from .release import release

    for path in release(course, args.assignment or None):
        print(f"release:   {path.relative_to(course.root)}")


def _solutions(course, args):
    from .solutions import solutions

    for path, seconds in solutions(course, args.assignment or None):
        print(f"solutions: {path.relative_to(course.root)} (executed in {seconds:.0f} s)")


def _sample_class(course, args):
    from .sample_class import write_sample_class

    for assignment, names in write_sample_class(course).items():
        print(
            f"sample class: {len(names)} students in sample_class/submitted/*/{assignment}/: "
            f"{', '.join(names)}"
        )


def _grade(course, args):
    from byhand_grader.assignment import load_assignment
    from byhand_grader.grade import grade
    from byhand_grader.record import shown
    from byhand_grader.regrade import summary
    from byhand_grader.report import format_table
    from byhand_grader.sandbox import sandbox_available
    from byhand_grader.sandbox.cgroup import memory_cgroup_available

    for ok, why in (sandbox_available(), memory_cgroup_available()):
        if not ok:
            print(f"WARNING: {why}", file=sys.stderr)
    start = time.perf_counter()
    results = grade(
        course,
        args.assignment or None,
        students=args.student or None,
        workers=args.workers,
        execute=args.execute,
        scheduler=args.scheduler,
    )
    where = course.class_folder.relative_to(course.root)
    prefix = "" if str(where) == "." else f"{where}/"
    for assignment in sorted({r.assignment for r in results}):
        rows = [r for r in results if r.assignment == assignment]
        print(f"\n{assignment}: {sum(r.status != 'missing' for r in rows)} submissions")
        print(format_table(rows, load_assignment(course, assignment)))
        print(
            f"(also in {prefix}autograded/report-{assignment}.csv; scores are in the gradebook "
            f"({shown(course.db_url)}) for formgrader, `nbgrader export` and `nbgrader generate_feedback`)"
        )
        print(
            summary(course.regrade_csv(assignment), f"{prefix}autograded/regrade-{assignment}.csv")
        )
    if not results:
        print(f"no submissions found under {prefix}submitted/<student>/<assignment>/")
    failed = [r for r in results if r.failed]
    print(
        f"graded {sum(r.status not in ('missing', 'failed') for r in results)} submissions in "
        f"{time.perf_counter() - start:.0f} s"
    )
    if failed:
        print(
            f"error: the grader failed on {len(failed)} submission(s) ("
            + ", ".join(f"{r.student}/{r.assignment}" for r in failed)
            + "); nothing was recorded for them and their previous records stand. "
            "The reason is in each row above.",
            file=sys.stderr,
        )
        return 1
    return 0


def _report(course, args):
    from .report import report

    for path in report(course, args.assignment or None):
        print(f"class report: {_shown(course, path)}")


def _shown(course, path):
    """``path`` as the course's other messages print it: from the course directory."""
    return path.relative_to(course.root) if path.is_relative_to(course.root) else path


def _luck(course, args):
    from .luck import luck

    luck(args)


def _setup_sandbox(course, args):
    from .setup_sandbox import setup_sandbox

    ok, message = setup_sandbox()
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def _student_package(course, args):
    from .student_package import build_student_package

    print(build_student_package(args.dist))


def _gradescope(course, args):
    from .gradescope import build_gradescope, try_gradescope

    if args.try_:
        trial = try_gradescope(*args.try_, student=args.student)
        sys.stderr.write(trial.log)
        if trial.results is None:
            print(
                "error: the autograder wrote no results.json (a grader-side failure: "
                "Gradescope gives no score); its output is above",
                file=sys.stderr,
            )
            return 1
        print(json.dumps(trial.results, indent=1))
        return trial.returncode
    if not args.assignment:
        raise ValueError("name the assignment: byhand gradescope ASSIGNMENT")
    _warn_unconfined(args)
    print(
        build_gradescope(
            course,
            args.assignment,
            out=args.out,
            summary_visibility=args.summary_visibility,
            detail_visibility=args.detail_visibility,
            require_sandbox=not args.allow_unconfined,
        )
    )


def _prairielearn(course, args):
    from .prairielearn import build_prairielearn, try_prairielearn

    if args.try_:
        trial = try_prairielearn(*args.try_, student=args.student)
        sys.stderr.write(trial.log)
        print(json.dumps(trial.results, indent=1))
        return trial.returncode
    if not args.assignment:
        raise ValueError("name the assignment: byhand prairielearn ASSIGNMENT")
    _warn_unconfined(args)
    print(
        build_prairielearn(
            course,
            args.assignment,
            out=args.out,
            image=args.image,
            require_sandbox=not args.allow_unconfined,
        )
    )


def _warn_unconfined(args):
    if args.allow_unconfined:
        from byhand_grader.platforms.single import UNCONFINED

        print(
            "WARNING: --allow-unconfined: where neither bubblewrap nor the container tier can "
            f"confine student code, this autograder grades anyway; {UNCONFINED}.",
            file=sys.stderr,
        )


def _autograder_arguments(p, metavar, tried, refusal):
    """``--try``, ``--student`` and ``--allow-unconfined``: what the Gradescope and
    PrairieLearn verbs share (``tried`` says where --try runs, ``refusal`` what happens
    without a sandbox)."""
    p.add_argument(
        "--try",
        dest="try_",
        nargs=2,
        metavar=metavar,
        help=f"{tried} with this Python and print the results.json",
    )
    p.add_argument(
        "--student", default="student", help="with --try: the student id (seeds the hidden inputs)"
    )
    p.add_argument(
        "--allow-unconfined",
        action="store_true",
        help="a last resort: grade with rlimits only where neither bubblewrap nor "
        "the container tier can confine student code, which then runs as the "
        "grader's user and can read and rewrite the hidden checks and write "
        f"its own results (default: {refusal})",
    )


def _all(course, args):
    """The main job: regenerate release/ and solutions/, then grade the sample class in its own folder."""
    from byhand_grader.nbgrader_run import nbgrader
    from byhand_grader.record import copy_assignments

    from .report import graded_assignments, report

    start = time.perf_counter()
    _release(course, args)
    _solutions(course, args)
    sample = course.sample_class()
    assignments = args.assignment or course.assignments()
    copy_assignments(course.db_url, sample.db_url, assignments)
    code = _grade(
        sample,
        argparse.Namespace(
            assignment=args.assignment, student=None, workers=None, execute=False, scheduler=None
        ),
    )
    for a in assignments:
        nbgrader(sample, "generate_feedback", a, "--force")
    nbgrader(sample, "export", f"--to={sample.grades_csv}")
    graded = [a for a in assignments if a in graded_assignments(sample)]
    pages = report(sample, graded) if graded else []
    print(
        f"\ndone in {time.perf_counter() - start:.0f} s.\n"
        "  student notebooks:   release/<assignment>/    (give these to students)\n"
        "  worked solutions:    solutions/<assignment>/  (executed, with plots)\n"
        "  the sample class:    sample_class/            (its own submitted/, autograded/,\n"
        "                       feedback/, gradebook.db and grades.csv: never your class's)\n"
        + "".join(f"  its class report:    {_shown(course, p)}\n" for p in pages)
        + "  your class:          submitted/<student>/<assignment>/, then `byhand grade`;\n"
        "                       grade Problem 5 by hand in jupyter lab, Nbgrader > Formgrader"
    )
    return code


def _gradescope_arguments(p):
    """The options of ``byhand gradescope``."""
    from byhand_grader.platforms.gradescope import VISIBILITIES

    p.add_argument("assignment", nargs="?", help="the assignment to build the zip of")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="ZIP",
        help="where to write it (default: autograders/gradescope-ASSIGNMENT.zip)",
    )
    p.add_argument(
        "--summary-visibility",
        choices=VISIBILITIES,
        default="visible",
        help="who sees each grade cell's test: its score and short verdict (default: visible)",
    )
    p.add_argument(
        "--detail-visibility",
        choices=VISIBILITIES,
        default="after_due_date",
        help="who sees the whole verdict of a cell that lost points (default: after_due_date)",
    )
    _autograder_arguments(
        p,
        ("ZIP", "NOTEBOOK"),
        "run ZIP on NOTEBOOK in a temporary /autograder layout",
        "refuse, with no score",
    )


def build_parser(verb_only=None):
    """The ``byhand`` command's parser.  ``verb_only``: the verb whose options are needed
    ("" for none, as for ``byhand --help``); the others are listed without them, so that
    ``luck``'s and ``gradescope``'s, whose defaults come from torch-side modules (2 s of
    imports), cost nothing to another command.  None builds every verb's options."""

    def wanted(name):
        return verb_only is None or verb_only == name

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--course",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the course directory (default: the current directory)",
    )
    common.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    parser = argparse.ArgumentParser(
        prog="byhand",
        description="Build and grade the 'gradient descent and backprop by hand' course pack.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name, func, help_text, assignments=True):
        p = verbs.add_parser(name, help=help_text, description=help_text, parents=[common])
        if assignments:
            p.add_argument(
                "assignment", nargs="*", help="assignment names (default: every source/<a>.py)"
            )
        p.set_defaults(func=func)
        return p

    verb(
        "release",
        _release,
        "regenerate the student notebooks in release/ from source/, and the hints in "
        "byhand/hints.py from grader_tests/",
    )
    verb("solutions", _solutions, "regenerate the executed worked solutions in solutions/")
    p = verb(
        "grade",
        _grade,
        "autograde submitted/ with the hidden checks and merge the scores into the gradebook",
    )
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per CPU core)"
    )
    p.add_argument(
        "--execute",
        action="store_true",
        help="also re-run each notebook in nbgrader's sandboxed kernel, so autograded/ "
        "and feedback show fresh outputs (slower)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="grade on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:8786), on workers started with --nthreads 1 "
        "--resources grading=1; this process alone writes the gradebook",
    )
    verb(
        "report",
        _report,
        "write the class report of the last grading run (what to re-teach, check health, "
        "score distributions, flags) as a page and CSVs in autograded/class-report-<a>/",
    )
    verb(
        "sample-class",
        _sample_class,
        "write the bundled sample class into sample_class/submitted/",
        assignments=False,
    )
    p = verb(
        "luck",
        _luck,
        "measure, over many seeded runs, how often a correct implementation learns XOR (and OR)",
        assignments=False,
    )
    if wanted("luck"):
        from .luck import add_arguments

        add_arguments(p)
    verb(
        "setup-sandbox",
        _setup_sandbox,
        "install and check the sandbox for student code",
        assignments=False,
    )
    p = verb(
        "student-package",
        _student_package,
        "build the wheel of the given code students install (byhand); prints its path",
        assignments=False,
    )
    p.add_argument(
        "--dist", type=Path, default=Path("dist"), help="where to write the wheel (default: dist/)"
    )
    p = verb(
        "gradescope",
        _gradescope,
        "write the Gradescope autograder zip of an assignment "
        "(setup.sh, run_autograder), or --try one on a notebook",
        assignments=False,
    )
    if wanted("gradescope"):
        _gradescope_arguments(p)
    p = verb(
        "prairielearn",
        _prairielearn,
        "write the PrairieLearn external grader of an "
        "assignment (serverFilesCourse, question, image), or --try it on a notebook",
        assignments=False,
    )
    p.add_argument("assignment", nargs="?", help="the assignment to build the grader of")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write it (default: autograders/prairielearn-ASSIGNMENT/)",
    )
    p.add_argument(
        "--image",
        default="byhand-grader:latest",
        help="the grading image info.json names (build it from image/Dockerfile "
        "and push it; default: byhand-grader:latest)",
    )
    _autograder_arguments(
        p,
        ("DIR", "NOTEBOOK"),
        "run the grader in DIR on NOTEBOOK in a temporary /grade layout",
        "refuse; the submission is not gradable",
    )
    verb(
        "all",
        _all,
        "the main job: release, solutions, then grade the sample class in "
        "sample_class/ (its own gradebook), write its feedback, grades.csv and class report",
    )
    return parser


def main(argv=None):
    from byhand_grader.results import GradingStopped

    argv = sys.argv[1:] if argv is None else list(argv)
    # the first word that is not an option names the verb (argparse reads it so too)
    verb = next((str(a) for a in argv if not str(a).startswith("-")), "")
    args = build_parser(verb).parse_args(argv)
    try:
        course = Course(args.course)
        code = args.func(course, args)
        if isinstance(code, int):
            return code
    except GradingStopped as err:  # what was recorded stays; say so and stop
        print(f"error: {err}", file=sys.stderr)
        return 130 if str(err).startswith("stopped") else 1
    except Exception as err:  # a sentence for the user, not a traceback
        if args.debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        print("(run again with --debug for the full traceback)", file=sys.stderr)
        return 1
    return 0
