"""Does the grader start without the RFC 3987 parser, and does nbformat still validate?

``byhand_grader/__init__.py`` keeps jsonschema from loading ``rfc3987_syntax`` (0.9 s
of every grading process's start); nothing the pack validates uses the two formats
it checks.  Run in a fresh interpreter: this test process imported jsonschema long ago.
"""

import subprocess
import sys

from ..repo import REPO

PROGRAM = """
import sys
import byhand_grader.grade
import jsonschema, nbformat
print(sys.modules.get("rfc3987_syntax", "absent"))
print("iri" in jsonschema.FormatChecker.checkers)
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
bad = nbformat.from_dict({**nb, "cells": [{"cell_type": "code", "source": 1}]})
try:
    nbformat.validate(bad)
except nbformat.ValidationError:
    print("invalid notebook refused")
"""


def test_grading_processes_skip_the_rfc3987_parser_and_still_validate_notebooks():
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(REPO / "release" / "partb" / "partb.ipynb")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:3] == ["None", "False", "invalid notebook refused"]
