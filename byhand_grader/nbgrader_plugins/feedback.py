"""Feedback pages say "pending" for points nobody has given yet, and render maths offline.

nbgrader's ``GetGrades`` puts each grade cell's score into the notebook for the
feedback page, and a cell graded by hand that nobody has graded yet has a
score of 0 there ("Score: 0.0 / 10.0" for Problem 5, before any grader saw
it).  ``MarkPending`` runs after it and sets that score to None, and the
course's feedback template (``byhand_grader/nbgrader_plugins/templates/byhand_feedback``) prints
None as "pending".  ``nbgrader_config.py`` adds both to
``nbgrader generate_feedback``.

``NoGradersNote`` keeps the grader's note on Problem 5 (``byhand_grader.rubric``: an
automatic comment for the person grading, with a suggestion) off the student's page: the
page shows the comment a person typed, or what nbgrader itself wrote ("No response.").

``LocalMathJax`` puts MathJax 2.7 (the files of the pinned ``jupyter-server-mathjax``)
beside the feedback pages, once, in ``feedback/_mathjax/``, and points each page at
it by a relative URL, so a page's maths renders with no network (nbgrader's template
would load MathJax from a CDN).  A page copied away from ``feedback/`` on its own
shows its maths as TeX source.
"""

import os
import shutil
from pathlib import Path

import jupyter_server_mathjax
from jupyter_server_mathjax.__version__ import __version__ as MATHJAX_PACKAGE_VERSION
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade


class MarkPending(NbGraderPreprocessor):
    """A grade cell with neither an automatic nor a manual score gets ``score = None``."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                if is_grade(cell):
                    grade = gb.find_grade(
                        cell.metadata.nbgrader["grade_id"],
                        info["notebook"],
                        info["assignment"],
                        info["student"],
                    )
                    if grade.manual_score is None and grade.auto_score is None:
                        cell.metadata.nbgrader["score"] = None
        return nb, resources


class NoGradersNote(NbGraderPreprocessor):
    """After ``GetGrades``: a cell's comment without the grader's note (``rubric.student_comment``)."""

    def preprocess(self, nb, resources):
        from byhand_grader.rubric import student_comment

        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader") or {}
            if meta.get("comment"):
                meta["comment"] = student_comment(meta["comment"])
        return nb, resources


#: The MathJax 2.7 tree jupyter-server-mathjax installs (MathJax.js, config/, jax/, fonts/, ...).
MATHJAX = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
#: MathJax's configuration: TeX in, HTML-CSS out (the combined config the package ships), and
#: the Safe extension, as nbconvert's default URL has it.
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
#: Where the copy goes, inside the feedback folder.
MATHJAX_FOLDER = "_mathjax"


def install_mathjax(feedback_root):
    """Copy MathJax into ``feedback_root/_mathjax`` unless the same version is there; its path."""
    dest = Path(feedback_root) / MATHJAX_FOLDER
    stamp = dest / "VERSION"
    version = MATHJAX_PACKAGE_VERSION
    if not (stamp.is_file() and stamp.read_text().strip() == version):
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(MATHJAX, dest)
        stamp.write_text(version + "\n")
    return dest


class LocalMathJax(NbGraderPreprocessor):
    """Point the page at a local MathJax beside the feedback folder (copied there once)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = CourseDirectory(parent=self)
        page = coursedir.format_path(
            coursedir.feedback_directory, info["student"], info["assignment"]
        )
        root = Path(coursedir.root) / coursedir.feedback_directory
        mathjax = install_mathjax(root) / "MathJax.js"
        url = Path(os.path.relpath(mathjax, page)).as_posix()
        resources["mathjax_url"] = f"{url}?config={MATHJAX_CONFIG}"
        return nb, resources
