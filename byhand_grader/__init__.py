"""byhand_grader: the autograder of a byhand course.

Given a course directory (``course.Course``) it grades every submission
(``grade``, the class run; ``cluster`` on Dask), each one on its own walk
(``submission``): ``intake`` stages a repaired copy, nbgrader records it
(``nbgrader_run``), the ``runner`` starts the ``harness`` in the ``sandbox``, which
runs the student's code and answers the judge's request (built from
``grader_tests/<a>/probes.py``), the ``judge`` weighs the ``autograd_scan`` and runs
the hidden checks, ``annotate`` writes the notebook's verdicts from the judge's
probe, and the class run's ``record`` and ``report`` write the gradebook and the
grade table (``results``: what crosses between them).  ``platforms`` grade one
submission elsewhere; ``nbgrader_plugins`` are what ``nbgrader_config.py`` names.
Everything about one assignment comes from its description,
``grader_tests/<a>/assignment.py`` (``assignment``).  It imports the given
package ``byhand`` (what students run) and never the instructor's tools.
"""
