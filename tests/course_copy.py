"""A throwaway copy of the course directory, for tests that regenerate or grade."""

import shutil
from pathlib import Path

from byhand.course import ROOT


def copy_course(dest, with_release=True):
    """Copy what a course needs (config, source, release) into ``dest``; return it."""
    dest = Path(dest)
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(ROOT / "source", dest / "source")
    if with_release:
        shutil.copytree(ROOT / "release", dest / "release")
    return dest
