"""Does ``make`` leave a fresh clone's tree as it found it (``git status`` empty)?

``make`` is the venv's setup, which writes only the ignored ``.venv/``, then ``byhand
all``: this runs ``byhand all`` in a fresh clone of this checkout (``made_clone``) with
the tests' own venv, and asks git what changed.  It covers everything ``byhand all``
writes (source/<a>/<a>.ipynb, release/, solutions/, the gradebooks, the sample class's
graded folders and its grades.csv); the setup step itself is run by CI's ``make``.
"""

from .repo import git


def test_byhand_all_passes_and_leaves_git_status_empty(made_clone):
    """After `byhand all` in a fresh clone, is the tree clean: nothing changed, nothing new?"""
    course, done = made_clone
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    status = git("status", "--porcelain", "--untracked-files=all", cwd=course.root)
    assert status == "", f"`byhand all` left the tree dirty:\n{status}\n" + git(
        "diff", "--stat", cwd=course.root)
