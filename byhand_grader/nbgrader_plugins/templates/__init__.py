"""Templates nbgrader renders for this course (``nbgrader_config.py`` points nbgrader here)."""

from pathlib import Path

#: The folder nbconvert searches for templates (``HTMLExporter.extra_template_basedirs``).
TEMPLATES = Path(__file__).resolve().parent
#: The feedback page: nbgrader's, with "pending" for points not given yet.
FEEDBACK_TEMPLATE = "byhand_feedback"
