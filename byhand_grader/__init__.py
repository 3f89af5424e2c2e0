"""byhand_grader: the autograder of a byhand course.

Given a course directory (``course.Course``) it grades every submission:
``intake`` stages a repaired copy, nbgrader records it, the ``harness`` runs
the student's code in the ``sandbox`` and answers the hidden request of
``grader_tests/<a>/probes.py``, the ``judge`` runs the hidden checks, and
``record``, ``annotate`` and ``report`` write the gradebook, the notebooks'
verdicts and the grade table.  Everything about one assignment comes from its description,
``grader_tests/<a>/assignment.py`` (``assignment``).  It imports the given
package ``byhand`` (what students run) and never the instructor's tools.
"""

import sys

# jsonschema, which nbformat imports, loads rfc3987_syntax when it is installed
# (jupyter-events asks for jsonschema[format-nongpl]), and that module builds an Earley
# parser of RFC 3987 as it is imported: 0.9 s of every grading process's start here (a
# worker's, the byhand command's, each Gradescope or PrairieLearn run's).  It checks only
# the "iri" and "iri-reference" string formats, which no notebook schema uses, so the
# grader's processes do without it: the import fails and jsonschema leaves those two
# formats unchecked.  (A process that imported jsonschema before this keeps what it has.)
sys.modules.setdefault("rfc3987_syntax", None)
