"""byhand_grader: the autograder of a byhand course.

Given a course directory (``course.Course``) it grades every submission:
``intake`` stages a repaired copy, nbgrader records it, the ``harness`` runs
the student's code in the ``sandbox`` and answers the hidden request of
``grader_tests/<a>/probes.py``, the ``judge`` runs the hidden checks, and
``merge`` and ``report`` write the gradebook, the notebooks' verdicts and the
grade table.  Everything about one assignment comes from its description,
``grader_tests/<a>/assignment.py`` (``assignment``).  It imports the given
package ``byhand`` (what students run) and never the instructor's tools.
"""
