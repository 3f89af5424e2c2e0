"""``python -m nbgrader``, started as part of the grader: ``nbgrader_run.nbgrader`` runs this.

The same application as the ``nbgrader`` command, so its output is the same bytes,
but a new gradebook is stamped without running the ``alembic`` command
(``nbgrader_run.alembic_head``), seconds less for the command that creates one.
"""

from nbgrader.apps.nbgraderapp import main

from byhand_grader.nbgrader_run import use_alembic_head

if __name__ == "__main__":
    use_alembic_head()
    main()
