"""byhand_instructor: the ``byhand`` command and the instructor's build tools.

One module per verb (``release``, ``solutions``, ``sample_class``, ``luck``,
``setup_sandbox``, ``student_package``, ``gradescope``, ``prairielearn``;
``grade`` is the grader's), and
``cli``, which only parses options and calls them.  It sits on top: it
imports the grader (``byhand_grader``) and the given code (``byhand``).
"""
