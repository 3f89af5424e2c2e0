"""The command line: ``python -m byhand <verb>``, one verb per library module.

The CLI only parses options and calls the library function of the same name
with the same defaults; everything it can do can be done from Python too.
"""

import argparse
import sys
import time

from .course import ROOT, existing_assignments


def _release(args):
    from .release import release
    for path in release(args.assignment or None):
        print(f"release:   {path.relative_to(ROOT)}")


def _solutions(args):
    from .solutions import solutions
    for path in solutions(args.assignment or None):
        print(f"solutions: {path.relative_to(ROOT)}")


def _sample_class(args):
    from .sample_class import write_sample_class
    names = write_sample_class()
    print(f"sample class: {len(names)} scenario students in submitted/: {', '.join(names)}")


def _grade(args):
    from .grade import grade
    from .merge import format_table
    from .sandbox import sandbox_available
    ok, why = sandbox_available()
    if not ok:
        print(f"WARNING: {why}", file=sys.stderr)
    start = time.perf_counter()
    results = grade(args.assignment or None, students=args.student or None,
                    workers=args.workers, execute=args.execute)
    for assignment in sorted({r["assignment"] for r in results}):
        rows = [r for r in results if r["assignment"] == assignment]
        print(f"\n{assignment}: {len(rows)} submissions")
        print(format_table(rows))
        print(f"(also in autograded/report-{assignment}.csv; scores are in gradebook.db for "
              "formgrader, `nbgrader export` and `nbgrader generate_feedback`)")
    if not results:
        print("no submissions found under submitted/<student>/<assignment>/")
    print(f"graded {len(results)} submissions in {time.perf_counter() - start:.0f} s")


def _luck(args):
    from .luck import main as luck_main
    return luck_main(args.args)


def _setup_sandbox(args):
    from .setup_sandbox import setup_sandbox
    ok, message = setup_sandbox()
    print(message, file=sys.stdout if ok else sys.stderr)


def _all(args):
    """The main job: regenerate release/ and solutions/, then grade the sample class."""
    from .nbgrader_run import nbgrader
    start = time.perf_counter()
    _release(args)
    _solutions(args)
    _grade(argparse.Namespace(assignment=[], student=None, workers=None, execute=False))
    for a in args.assignment or existing_assignments():
        nbgrader("generate_feedback", a, "--force")
    nbgrader("export")
    print(f"\ndone in {time.perf_counter() - start:.0f} s.\n"
          "  student notebooks:  release/<assignment>/   (give these to students)\n"
          "  worked solutions:   solutions/<assignment>/ (executed, with plots)\n"
          "  graded sample class: autograded/, feedback/, grades.csv, gradebook.db\n"
          "  grade Problem 5 by hand: jupyter lab, then Nbgrader > Formgrader")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m byhand",
        description="Build and grade the 'gradient descent and backprop by hand' course pack.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name, func, help_text):
        p = verbs.add_parser(name, help=help_text, description=help_text)
        p.add_argument("assignment", nargs="*", help="assignment names (default: all in source/)")
        p.set_defaults(func=func)
        return p

    verb("release", _release, "regenerate the student notebooks in release/ from source/")
    verb("solutions", _solutions, "regenerate the executed worked solutions in solutions/")
    p = verb("grade", _grade, "autograde submitted/ with the hidden checks and merge the scores "
             "into the gradebook")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per CPU core)")
    p.add_argument("--execute", action="store_true",
                   help="also re-run each notebook in nbgrader's sandboxed kernel, so autograded/ "
                        "and feedback show fresh outputs (slower)")
    p = verbs.add_parser("sample-class", help="write the bundled sample class into submitted/",
                         description="write the bundled sample class into submitted/")
    p.set_defaults(func=_sample_class)
    p = verbs.add_parser("luck", help="measure how often a correct implementation learns XOR "
                         "(python -m byhand luck --help)", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_luck)
    p = verbs.add_parser("setup-sandbox", help="install and check the sandbox for student code",
                         description="install and check the sandbox for student code")
    p.set_defaults(func=_setup_sandbox)
    verb("all", _all, "the main job: release, solutions, then grade submitted/ (the sample "
         "class), write feedback and grades.csv")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        if isinstance(code, int):
            return code
    except Exception as err:  # a sentence for the user, not a traceback
        if getattr(args, "debug", False):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
