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
# nbgrader's feedback template with three changes prints them (and wraps long output
# lines, and loads the MathJax that LocalMathJax copies into feedback/_mathjax/, so maths
# renders offline). The grader's note on Problem 5, an automatic comment for the person
# grading, stays off the student's page (NoGradersNote).
from byhand_grader.nbgrader_plugins.templates import FEEDBACK_TEMPLATE, TEMPLATES  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "byhand_grader.nbgrader_plugins.feedback.MarkPending",
    "byhand_grader.nbgrader_plugins.feedback.NoGradersNote",
    "byhand_grader.nbgrader_plugins.feedback.LocalMathJax",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# Scoped to GenerateFeedback: formgrader renders submissions with its own HTMLExporter,
# which this template would break (every submission page a 500).
c.GenerateFeedback.HTMLExporter.template_name = FEEDBACK_TEMPLATE
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]

# `nbgrader export` writes grades.csv with a status column: missing (no submission: no
# score, not 0), pending (Problem 5 not graded by hand yet) or graded.
c.ExportApp.plugin_class = "byhand_grader.nbgrader_plugins.export.GradesExport"

# Grading is `byhand grade`: plain `nbgrader autograde` and formgrader's Autograde button
# would run student code unconfined and skip the hidden checks, so they refuse with that
# sentence (byhand_grader/nbgrader_plugins/guard.py); `byhand grade` runs nbgrader's
# Autograde inside its sandboxed grading and lets it through.
c.Autograde.Exporter.preprocessors = ["byhand_grader.nbgrader_plugins.guard.GradeWithByhand"]

# LMSs (docs/platforms/canvas.md and moodle.md): `nbgrader zip_collect <a>` takes
# Canvas's "Download Submissions" zip from downloaded/<a>/archive/ into
# submitted/<Canvas user id>/<a>/, and `nbgrader export --exporter
# byhand_grader.nbgrader_plugins.canvas.CanvasExport` (or
# byhand_grader.nbgrader_plugins.moodle.MoodleExport) writes a CSV the LMS imports,
# with no score that is not final.  Canvas matches a grade column by its assignment
# id: give yours here, e.g. {"partb": "12345"}.
c.ZipCollectApp.collector_plugin = "byhand_grader.nbgrader_plugins.canvas.CanvasCollector"
c.CanvasExport.assignment_ids = {}
# After a regrade (docs/instructors/grade.md#regrade), every exporter above can write only
# the students whose final score it changed, as autograded/regrade-<a>.csv lists them; for
# one export, on the command line: --OutcomesExport.only_changed=True.
# c.OutcomesExport.only_changed = False

# The grader's limits on one submission in the sandboxed harness (byhand_grader/limits.py,
# GraderLimits); the defaults are shown.  Raise a time limit for a slower machine, the
# memory for a larger model.
# c.GraderLimits.total_s = 90.0          # wall-clock seconds for one whole submission
# c.GraderLimits.cell_s = 20.0           # seconds one cell may run
# c.GraderLimits.call_s = 20.0           # seconds one call of a student function (a training run)
# c.GraderLimits.cpu_s = 120             # CPU seconds of one submission
# c.GraderLimits.memory_mb = 1536        # MiB of one submission, all its processes together
# c.GraderLimits.nproc = 32              # processes and threads one submission may start
# c.GraderLimits.output_kib = 64         # KiB of printed output kept for the report
# c.GraderLimits.harness_memory_mb = 512 # MiB of the harness itself, besides one submission
