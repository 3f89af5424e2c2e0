"""Is the course's feedback template nbgrader's own, but for "pending" where no points were given?"""

import re
from pathlib import Path

import nbgrader

from byhand_grader.templates import FEEDBACK_TEMPLATE, TEMPLATES

NBGRADER = (Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
            / "feedback" / "index.html.j2")
OURS = TEMPLATES / FEEDBACK_TEMPLATE / "index.html.j2"


def test_template_differs_from_nbgraders_only_in_pending_points():
    """Undoing the one change, is the template nbgrader's, byte for byte (an upgrade shows here)?"""
    ours = OURS.read_text()
    assert "pending" in ours
    undone = re.sub(r"\{\{ points\((cell\.metadata\.nbgrader\.score)\) \}\}",
                    r"{{ \1 | float | round(2) }}", ours)
    undone = re.sub(r"\{% if nb\.cells .*?, with points still pending\{% endif %\}", "", undone)
    undone = re.sub(r"\{#-.*?-#\}\n\{% macro points\(score\) -%\}.*?\{%- endmacro %\}\n", "",
                    undone, count=1, flags=re.S)
    assert undone == NBGRADER.read_text()


def test_course_config_uses_it():
    """Does nbgrader_config.py point generate_feedback at the template and the preprocessor?"""
    from ..repo import COURSE
    cfg = COURSE.config
    assert cfg.HTMLExporter.template_name == FEEDBACK_TEMPLATE
    assert str(TEMPLATES) in cfg.HTMLExporter.extra_template_basedirs
    assert "byhand_grader.feedback.MarkPending" in cfg.GenerateFeedback.preprocessors
