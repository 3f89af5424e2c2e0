"""This checkout as a course, and throwaway copies of it for tests that regenerate or grade.

The tests know where the repository is (beside this file); the code under test
never does: it is always handed a ``Course``.
"""

import shutil
import subprocess
from pathlib import Path

from byhand_grader.course import Course

REPO = Path(__file__).resolve().parent.parent
COURSE = Course(REPO)


def copy_course(dest, with_release=True, with_grader_tests=False):
    """Copy what a course needs (config, source, release, grader_tests) into ``dest``; return its ``Course``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(REPO / "source", dest / "source")
    if with_release:
        shutil.copytree(REPO / "release", dest / "release")
    if with_grader_tests:
        shutil.copytree(
            REPO / "grader_tests",
            dest / "grader_tests",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return Course(dest)


def git(*args, cwd=REPO):
    """Run git in ``cwd``; return its stdout."""
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def clone_checkout(dest):
    """A fresh clone of this checkout as it stands in ``dest``; return its path.

    What a ``git clone`` gets, with this checkout's uncommitted work in it: every file git
    tracks or would track (not the ignored ones), committed in a repository of its own, so
    ``git status`` there is empty and shows what a command then changes.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file() or src.is_symlink():  # a tracked file deleted here is not copied
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel, follow_symlinks=False)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git(
        "-c",
        "user.name=tests",
        "-c",
        "user.email=tests@localhost",
        "commit",
        "-q",
        "--no-gpg-sign",
        "-m",
        "the checkout under test",
        cwd=dest,
    )
    return dest
