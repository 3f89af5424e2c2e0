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
