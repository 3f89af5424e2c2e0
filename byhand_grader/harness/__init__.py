"""Run a student's cells and call their functions, as plain data in and out.

The harness is the only place student code runs during grading.  One harness
process per grading worker starts inside the sandbox (``byhand_grader.sandbox``) and
forks a fresh child for every submission (``supervisor``); the child runs the cells
and calls the functions the judge asked for (``session``), each call of a kind of
the one registry of call kinds (``calls``), and streams one JSON line per result
back.  The harness never judges: the judge (``grader_tests/``) builds the request and
computes every reference itself, outside, from the inputs it chose.

Student code shares the child's interpreter with the code that measures it, so the
child guards that code (``given``), watches the by-hand functions for autograd and
numerical differentiation (``watch``), and records what the submission tried besides
its answers (``audit``); values and errors go back as plain data (``values``).

The harness imports only the given package ``byhand`` and its own modules.  The wire
(``protocol``: frames, the typed ``Request`` and ``Reply``, the default limits) is
standard library only: the runner, outside the sandbox, imports nothing else of it.
"""
