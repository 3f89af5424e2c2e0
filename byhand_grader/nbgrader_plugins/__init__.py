"""What ``nbgrader_config.py`` names: nbgrader's own applications, extended for this course.

``guard`` (plain ``nbgrader autograde`` refuses: grading is ``byhand grade``),
``feedback`` and ``templates`` (the feedback page: "pending", local MathJax),
``export``, ``canvas`` and ``moodle`` (grade tables an LMS imports; Canvas's bulk
download collected), and ``main`` (``python -m nbgrader``, started by the grader).
"""
