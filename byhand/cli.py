"""The command line: ``python -m byhand <verb>``, one verb per library module.

The CLI only parses options and calls the library function of the same name
with the same defaults; everything it can do can be done from Python too.
"""

import argparse
import sys
import time

from .course import ROOT


def _release(args):
    from .release import release
    for path in release(args.assignment or None):
        print(f"release:   {path.relative_to(ROOT)}")


def _solutions(args):
    from .solutions import solutions
    for path in solutions(args.assignment or None):
        print(f"solutions: {path.relative_to(ROOT)}")


def _all(args):
    """The main job: regenerate release/ and solutions/, then grade the sample class."""
    start = time.perf_counter()
    _release(args)
    _solutions(args)
    print(f"done in {time.perf_counter() - start:.0f} s: student notebooks in release/, "
          "worked solutions in solutions/.")


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
    verb("all", _all, "the main job: release, solutions, then grade the sample class")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except Exception as err:  # a sentence for the user, not a traceback
        if getattr(args, "debug", False):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
