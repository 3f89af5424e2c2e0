"""Is ``make``'s run of ``byhand all`` shared with the tests only while nothing has changed?

``tests/main_job.py`` notes the run; ``made_clone`` reads the checkout instead of a clone
of its own only when ``still_as_left`` says so.  Here, in a small repository of its own:
a note of a run on a pristine tree is shared, and every change since (an output edited,
removed or added, a tracked file edited, a commit, a tree that was not pristine to start
with) stops the sharing.
"""

import subprocess

import pytest

from . import main_job
from .repo import git


@pytest.fixture
def repo(tmp_path):
    """A repository as a fresh clone has it: one tracked file, outputs ignored, a venv."""
    (tmp_path / ".gitignore").write_text("/out/\n/.byhand/\n.venv\n__pycache__/\n")
    (tmp_path / "source.txt").write_text("source\n")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c", cwd=tmp_path)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "python").write_text("environment\n")
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "__pycache__" / "m.pyc").write_text("bytecode\n")
    return tmp_path


def _run_and_note(repo, returncode=0, drifts=False):
    """What ``main_job.run`` does, with writing two outputs for ``byhand all`` (and, with
    ``drifts``, rewriting a file git tracks, as a run whose solutions drifted does)."""
    head = git("rev-parse", "HEAD", cwd=repo).strip()
    was_pristine = main_job.pristine(repo)
    if drifts:
        (repo / "source.txt").write_text("regenerated\n")
    (repo / "out").mkdir(exist_ok=True)
    (repo / "out" / "graded.txt").write_text("35 / 35\n")
    (repo / "out" / "report.html").write_text("<p>report</p>\n")
    done = subprocess.CompletedProcess(["byhand", "all"], returncode, "done in 1 s.\n", "")
    main_job.write_note(repo, head, was_pristine, done, 1.0)


def test_an_unchanged_run_on_a_pristine_tree_is_shared(repo):
    assert main_job.pristine(repo)
    _run_and_note(repo)
    note = main_job.still_as_left(repo)
    assert note is not None
    assert sorted(note["added"]) == ["out/graded.txt", "out/report.html"]
    assert note["stdout"] == "done in 1 s.\n" and note["returncode"] == 0


@pytest.mark.parametrize(
    "change",
    ["output edited", "output removed", "output added", "source edited", "file added", "commit"],
)
def test_any_change_since_stops_the_sharing(repo, change):
    _run_and_note(repo)
    if change == "output edited":
        (repo / "out" / "graded.txt").write_text("0 / 35\n")
    elif change == "output removed":
        (repo / "out" / "report.html").unlink()
    elif change == "output added":
        (repo / "out" / "stale.txt").write_text("left from before\n")
    elif change == "source edited":
        (repo / "source.txt").write_text("edited\n")
    elif change == "file added":
        (repo / "new.txt").write_text("untracked\n")
    else:
        (repo / "source.txt").write_text("edited\n")
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "d", cwd=repo)
    assert main_job.still_as_left(repo) is None


def test_a_run_that_dirtied_the_tree_is_shared_as_it_left_it(repo):
    """A run that rewrote a tracked file is shared dirty, so that the clean-tree test fails
    on it (a clone of the checkout would commit the rewritten file as its own); a later
    edit of that file stops the sharing."""
    _run_and_note(repo, drifts=True)
    note = main_job.still_as_left(repo)
    assert note is not None and note["status"] == " M source.txt\n"
    assert git("status", "--porcelain", cwd=repo) == " M source.txt\n"
    (repo / "source.txt").write_text("edited after the run\n")
    assert main_job.still_as_left(repo) is None


def test_a_run_on_a_tree_that_was_not_pristine_is_not_shared(repo):
    (repo / "out").mkdir()
    (repo / "out" / "old.txt").write_text("an earlier run's output\n")
    assert not main_job.pristine(repo)
    _run_and_note(repo)
    (repo / "out" / "old.txt").unlink()  # even once it is gone
    assert main_job.still_as_left(repo) is None


def test_no_note_no_sharing(repo):
    assert main_job.still_as_left(repo) is None


def test_the_environment_is_not_the_course():
    for path in (".venv/", "byhand/__pycache__/", "byhand_course.egg-info/", ".pytest_cache/"):
        assert main_job.environment(path), path
    for path in ("sample_class/autograded/", "gradebook.db", ".byhand/", "solutions/"):
        assert not main_job.environment(path), path
