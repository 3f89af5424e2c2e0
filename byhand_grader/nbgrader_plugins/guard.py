"""Plain ``nbgrader autograde`` and formgrader's *Autograde* button refuse: use ``byhand grade``.

Both run the student's notebook unconfined, in the grader's own ``python3``
kernel (it can read ``grader_tests/`` and write the gradebook), score the
visible checks from whatever the notebook printed, and never run the hidden
checks: their scores are not ones the hidden checks gave.  ``nbgrader_config.py``
puts ``GradeWithByhand`` among the preprocessors of the exporter nbgrader's
``Autograde`` builds (``c.Autograde.Exporter.preprocessors``), and it refuses
as it is built, with one sentence saying to run ``byhand grade``.

It refuses when it is built, not when it would preprocess a notebook, because
nbgrader builds that exporter before it touches anything, while by the time a
preprocessor runs, ``autograde --force`` (the button's way) has removed the
student's graded notebook in ``autograded/`` and its error path would remove
the new one: a refusal there would delete the record a grader reads in
formgrader.  ``byhand grade`` runs nbgrader's ``Autograde`` itself, inside its
sandboxed, hidden-check grading, and says so by setting
``GradeWithByhand.in_byhand_grade`` in the configuration it builds
(``byhand_grader.submission.nbgrader_config``); then this preprocessor lets the
notebook through unchanged.
"""

from nbconvert.preprocessors import Preprocessor
from nbgrader.converters.base import NbGraderException
from traitlets import Bool

#: What the command line and formgrader's Autograde button say instead of grading (in short
#: lines: formgrader shows the log in a box that does not wrap).
REFUSAL = "\n".join(
    (
        "Grading is `byhand grade`: nothing was graded.",
        "Plain `nbgrader autograde` and formgrader's Autograde button would run the",
        "student's code unconfined, in the python3 kernel, and skip the hidden checks.",
        "Run `byhand grade` in the course directory (--student ID for one student).",
    )
)


class GradeWithByhand(Preprocessor):
    """Refuses to be built outside ``byhand grade``; inside it, changes nothing."""

    in_byhand_grade = Bool(
        False,
        help="Set by `byhand grade`, which runs nbgrader's Autograde inside its "
        "sandboxed grading with the hidden checks; anywhere else Autograde refuses.",
    ).tag(config=True)

    def __init__(self, **kw):
        super().__init__(**kw)
        if not self.in_byhand_grade:
            self.log.error(REFUSAL)
            raise NbGraderException(REFUSAL)

    def preprocess(self, nb, resources):
        return nb, resources
