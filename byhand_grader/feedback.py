"""Feedback pages say "pending" for points nobody has given yet.

nbgrader's ``GetGrades`` puts each grade cell's score into the notebook for the
feedback page, and a cell graded by hand that nobody has graded yet has a
score of 0 there ("Score: 0.0 / 10.0" for Problem 5, before any grader saw
it).  ``MarkPending`` runs after it and sets that score to None, and the
course's feedback template (``byhand_grader/templates/byhand_feedback``) prints
None as "pending".  ``nbgrader_config.py`` adds both to
``nbgrader generate_feedback``.
"""

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade


class MarkPending(NbGraderPreprocessor):
    """A grade cell with neither an automatic nor a manual score gets ``score = None``."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                if is_grade(cell):
                    grade = gb.find_grade(cell.metadata.nbgrader["grade_id"], info["notebook"],
                                          info["assignment"], info["student"])
                    if grade.manual_score is None and grade.auto_score is None:
                        cell.metadata.nbgrader["score"] = None
        return nb, resources
