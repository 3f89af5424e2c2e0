"""What the sandbox shows of the grader and what it hides of the host.

Inside the sandbox student code reads only the system folders (``SYSTEM``), the
Python it runs on and ``CODE``: the given package students import and the grader's
own package (the harness).  ``hidden_paths`` is the second line, for a course kept
inside a system folder; ``python_path`` is the ``PYTHONPATH`` that finds ``CODE``.
"""

import os
import sys
from pathlib import Path

import byhand

#: The code the sandbox may read: the given package students import and this grader
#: package (the harness).  Neither holds a course's hidden tests or its answers.
CODE = (Path(byhand.__file__).resolve().parent, Path(__file__).resolve().parents[1])

#: Where courses, checkouts and users' files usually live; hidden whole from student code.
USER_DATA = ("/home", "/work", "/srv", "/mnt", "/media")


def readable_paths():
    """What the harness reads besides the system: ``CODE`` and the Python it runs on."""
    return [*CODE, Path(sys.prefix), Path(sys.base_prefix)]


def python_path():
    """``PYTHONPATH`` inside the sandbox: the folders that hold ``CODE``."""
    return os.pathsep.join(sorted({str(p.parent) for p in CODE}))


def hidden_paths(course_root=None):
    """What student code must not see, in the harness and in the ``--execute`` kernel
    alike: the course, the checkout the code lies in, the folders that hold them, and
    the usual homes of other courses and users.  The sandbox shows only the system
    folders anyway (``byhand_grader.sandbox.SYSTEM``); this list is the second line, for
    a course kept inside one of them.  The venv and ``CODE`` are re-exposed read-only."""
    places = {p.parent for p in CODE}
    if course_root is not None:
        places.add(Path(course_root).resolve())
    places |= {p.parent for p in places if p.parent != Path("/")}
    places |= {Path(p) for p in USER_DATA}
    return sorted(places)
