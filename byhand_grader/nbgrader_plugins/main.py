"""``python -m nbgrader``, started as part of the grader: ``nbgrader_run.nbgrader`` runs this.

The same application as the ``nbgrader`` command, so its output is the same bytes;
importing ``byhand_grader`` first means the package's import setting (no RFC 3987
parser, see ``byhand_grader/__init__.py``) applies, which is a second less per command.
"""

from nbgrader.apps.nbgraderapp import main

if __name__ == "__main__":
    main()
