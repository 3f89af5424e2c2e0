"""``make``'s main job, ``byhand all``, run and noted, so that ``make test`` can share it.

The tests need one fresh clone after ``byhand all`` (``conftest.made_clone``): the clean-tree
test, the solutions' drift test, the extension's executed solution, the sample class's
grading and report.  In CI (``.ci/run``) the checkout *is* a fresh clone, and ``make`` has
just run ``byhand all`` in it; running it again in a clone of the clone costs a minute and
a half of both cores.  So ``make`` runs it through this script, which shows its output as
it comes and notes, in ``.byhand/main-job.json``:

* whether the tree was as a fresh clone has it before the run (``pristine``): nothing
  untracked or ignored but the environment (``ENVIRONMENT``: the venv, bytecode, caches);
* the commit, the exit status, the output and the seconds;
* every file the run added among the ignored ones (the sample class's graded folders,
  the gradebooks, ``.byhand/``), with its digest;
* what ``git status`` said after it, with the digest of every file it names: a run that
  changed ``solutions/`` or ``release/`` (they drifted from ``source/``) left them so.

``made_clone`` shares the run only while the checkout is still exactly what it left
(``still_as_left``): the same commit, the same ``git status``, and every file the run
added or changed as it left it.  Anything else (an edit, a commit, a ``byhand`` command
since, a tree that was not pristine) and the tests make their own clone and run ``byhand
all`` there, as before.  A run that left the tree dirty is shared as it left it, so that
the clean-tree test fails on what the run changed: a clone of the checkout would carry the
regenerated files as its own, and drift would pass unseen.

Usage (what ``make`` runs):  .venv/bin/python tests/main_job.py
"""

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Where the note is kept, in the checkout (``.byhand/`` is ignored, and removed by
#: ``make clean``).
NOTE = Path(".byhand") / "main-job.json"
#: What a fresh clone holds besides git's files once ``make``'s setup and the tools have
#: run: none of it is read by the tests that share the run.
ENVIRONMENT = (".venv/", ".pytest_cache/", ".ruff_cache/", "tests/browser/screenshots/")
ENVIRONMENT_NAMES = ("__pycache__", ".egg-info")


def _git(repo, *args):
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def environment(path):
    """Whether ``path`` (relative, as git prints it) is the environment's, not the course's."""
    parts = path.rstrip("/").split("/")
    return path.startswith(ENVIRONMENT) or any(part.endswith(ENVIRONMENT_NAMES) for part in parts)


def extra_files(repo):
    """The files git does not track in ``repo``, but the environment's, relative to it."""
    listed = _git(repo, "status", "--porcelain", "-z", "--ignored=matching", "-uall")
    extra = []
    for entry in filter(None, listed.split("\0")):
        code, path = entry[:2], entry[3:]
        if code not in ("??", "!!") or environment(path):
            continue
        if path.endswith("/"):  # an ignored folder, whole
            extra += [
                f.relative_to(repo).as_posix()
                for f in (repo / path).rglob("*")
                if f.is_file() and not environment(f.relative_to(repo).as_posix())
            ]
        else:
            extra.append(path)
    return sorted(extra)


def _digests(repo, paths):
    return {
        path: hashlib.sha256((repo / path).read_bytes()).hexdigest()
        for path in paths
        if (repo / path).is_file()
    }


def _status(repo):
    """``git status`` of ``repo``: git's files changed and the untracked ones (not ignored)."""
    return _git(repo, "status", "--porcelain", "-uall")


def _status_paths(repo):
    """The files ``git status`` names (``byhand all`` stages nothing: no renames)."""
    listed = _git(repo, "status", "--porcelain", "-z", "-uall")
    return sorted(entry[3:] for entry in filter(None, listed.split("\0")))


def pristine(repo):
    """Whether ``repo`` holds what a fresh clone holds: git's files unchanged, nothing else
    but the environment."""
    return _status(repo) == "" and extra_files(repo) == []


def write_note(repo, head, was_pristine, done, seconds):
    """Note a finished ``byhand all`` (``done``: its completed process, text output) in
    ``repo``, with the digest of every file it left beside git's."""
    note = {
        "head": head,
        "pristine": was_pristine,
        "returncode": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "seconds": seconds,
        "added": _digests(repo, extra_files(repo)),
        "status": _status(repo),
        "changed": _digests(repo, _status_paths(repo)),
    }
    (repo / NOTE).parent.mkdir(exist_ok=True)
    (repo / NOTE).write_text(json.dumps(note, indent=1), encoding="utf-8")


def still_as_left(repo):
    """The note of ``byhand all``'s run in ``repo`` when it ran on a pristine tree and the
    tree is still exactly as it left it; else ``None``."""
    try:
        note = json.loads((repo / NOTE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not note.get("pristine") or _git(repo, "rev-parse", "HEAD").strip() != note["head"]:
        return None
    if _status(repo) != note["status"]:
        return None
    if _digests(repo, note["changed"]) != note["changed"]:
        return None
    if set(extra_files(repo)) - {NOTE.as_posix()} != set(note["added"]):
        return None
    if _digests(repo, note["added"]) != note["added"]:
        return None
    return note


def _tee(stream, sink, into):
    """Copy ``stream`` to ``sink`` as it comes (the progress bar's carriage returns too)."""
    while chunk := os.read(stream.fileno(), 1 << 16):
        sink.buffer.write(chunk)
        sink.flush()
        into.append(chunk)


def run(repo=REPO):
    """Run ``byhand all`` in ``repo``, its output shown as it comes; note it; its exit status."""
    (repo / NOTE).unlink(missing_ok=True)
    head = _git(repo, "rev-parse", "HEAD").strip()
    was_pristine = pristine(repo)
    byhand = Path(sys.executable).with_name("byhand")
    started = time.perf_counter()
    proc = subprocess.Popen(
        # -u: its lines as they are printed, as on a terminal, not in blocks
        [sys.executable, "-u", str(byhand), "all"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = [], []
    threads = [
        threading.Thread(target=_tee, args=(proc.stdout, sys.stdout, out)),
        threading.Thread(target=_tee, args=(proc.stderr, sys.stderr, err)),
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:  # Ctrl-C reached byhand too: it says what it did; no note
        proc.wait()
        return 130
    done = subprocess.CompletedProcess(
        proc.args,
        proc.wait(),
        b"".join(out).decode("utf-8", "replace"),
        b"".join(err).decode("utf-8", "replace"),
    )
    write_note(repo, head, was_pristine, done, time.perf_counter() - started)
    return done.returncode


if __name__ == "__main__":
    sys.exit(run())
