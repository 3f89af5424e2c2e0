"""Does a new process read and validate notebooks without the RFC 3987 parser?

jsonschema, which nbformat imports, loads ``rfc3987_syntax`` when it is installed
(jupyter-events asks for ``jsonschema[format-nongpl]``, and jsonschema 4.24 and later
add it to that extra), and that module builds an Earley parser of RFC 3987 as it is
imported: 1.4 s of CPU in every process that reads a notebook (a grading worker, each
``byhand`` and ``nbgrader`` command, JupyterLab, each Gradescope or PrairieLearn run;
``benchmarks/fixed_costs.py``).  ``requirements.txt`` and the bundles pin jsonschema
4.23.0, which does not; nothing the pack validates uses the two formats it would check.
Run in a fresh interpreter that imports nothing of the pack first.
"""

import subprocess
import sys

from ..repo import REPO

PROGRAM = """
import sys
import jsonschema, nbformat
print(sorted({"rfc3987_syntax", "lark"} & set(sys.modules)))
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
bad = nbformat.from_dict({**nb, "cells": [{"cell_type": "code", "source": 1}]})
try:
    nbformat.validate(bad)
except nbformat.ValidationError:
    print("invalid notebook refused")
"""


def test_reading_a_notebook_builds_no_parser_and_still_validates():
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(REPO / "release" / "partb" / "partb.ipynb")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "invalid notebook refused"]
