"""nbgrader configuration for this course: the repository root is the course directory.

Folders use nbgrader's vocabulary letter for letter (source, release, submitted,
autograded, feedback), and the worked solutions go to ``solutions/``.
"""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = "."
c.CourseDirectory.course_id = "byhand"
c.CourseDirectory.solution_directory = "solutions"

# Byte-stable generated files: no timings in the executed solutions.
c.Execute.record_timing = False
# A student who deletes a grade cell must not silently lose it.
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Feedback pages read "pending" for points nobody has given yet (Problem 5 before it is
# graded by hand), not 0: a preprocessor after nbgrader's GetGrades marks them, and
# nbgrader's feedback template with one change prints them.
from byhand_grader.templates import FEEDBACK_TEMPLATE, TEMPLATES  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "byhand_grader.feedback.MarkPending",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.HTMLExporter.template_name = FEEDBACK_TEMPLATE
c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]

# `nbgrader export` writes grades.csv with a status column: missing (no submission: no
# score, not 0), pending (Problem 5 not graded by hand yet) or graded.
c.ExportApp.plugin_class = "byhand_grader.export.GradesExport"
