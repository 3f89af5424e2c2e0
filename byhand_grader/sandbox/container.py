"""The container tier: permissions instead of mounts.

Where bubblewrap cannot make namespaces, the code runs as the slot's uid with no
capabilities, no_new_privs and the seccomp filter (``seccomp_filter.py``, run as a
script).  What it may not read is closed by permissions (``close``), the grader's own
code is kept unwritable (``seal``), and what its uid leaves in the shared temporary
folders is removed after the run (``sweep_files``).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

from .uids import _walk, drop_to

#: The container tier's filter, run as a script (``python -I``): see its docstring.
SECCOMP_SCRIPT = Path(__file__).resolve().parent / "seccomp_filter.py"
#: Shared temporary folders where the container tier's uid may leave files (swept after).
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def _container_args(uid, share_net):
    """The container tier: the filter, then the slot's uid, no capabilities, no_new_privs.

    The filter's script runs first, as root, with the venv's Python in isolated mode
    (``-I``: no ``PYTHONPATH``, no script folder on the path), so it finds only the
    standard library and the venv's ``pyseccomp``; it then runs ``setpriv``, which
    the filter lets change uid, and whose ``execve`` of the program is the last
    thing done with root's rights.
    """
    return [
        sys.executable,
        "-I",
        str(SECCOMP_SCRIPT),
        *(["--inet"] if share_net else []),
        "--",
        *drop_to(uid),
        "--",
    ]


def close(paths, keep=()):
    """Make ``paths`` unreadable to every sandbox uid, except the ``keep`` paths inside them.

    The container tier has no private mounts, so secrets are kept by permissions: a
    path with nothing to keep inside loses its permissions for "other" (the sandbox
    uids are in no group of the machine); one that holds a ``keep`` path (the grader's
    code inside a course checkout) keeps them, and its entries are closed the same way,
    one level at a time.  Returns the paths closed.  Symlinks are never followed.
    """
    keep = [Path(p).resolve() for p in keep if os.path.lexists(p)]
    closed = []

    def shut(path):
        if any(path == k or k in path.parents for k in keep):
            return
        if any(path in k.parents for k in keep):
            if path.is_dir() and not path.is_symlink():
                for entry in sorted(path.iterdir()):
                    shut(entry)
            return
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o007:
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o007)
            closed.append(path)

    for path in paths:
        if os.path.lexists(path):
            shut(Path(path).resolve() if not os.path.islink(path) else Path(path))
    return closed


def seal(paths):
    """Make ``paths`` and everything under them unwritable to group and other (the grader's
    own code, which the container tier's uid must read but never change)."""
    for path in paths:
        for each in _walk(path) if Path(path).is_dir() else [Path(path)]:
            st = os.lstat(each)
            if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o022:
                os.chmod(each, stat.S_IMODE(st.st_mode) & ~0o022)


def unreachable(paths):
    """``[(path, where)]`` for each of ``paths`` another user cannot read: ``where`` is the
    first folder on the way they cannot pass, or the path itself.  The container tier's
    uid reads the grader's code and venv through ordinary permissions."""
    out = []
    for path in (Path(p).resolve() for p in paths):
        for step in [*reversed(path.parents), path]:
            try:
                mode = os.stat(step).st_mode
            except OSError:
                out.append((path, step))
                break
            need = stat.S_IXOTH if step != path or stat.S_ISDIR(mode) else stat.S_IROTH
            if step == path and stat.S_ISDIR(mode):
                need |= stat.S_IROTH
            if not mode & need:
                out.append((path, step))
                break
    return out


def sweep_files(uid):
    """Delete what ``uid`` left in the shared temporary folders (``SHARED_TMP``).

    In the container tier the sandbox shares /tmp, /var/tmp and /dev/shm with the
    grader: nothing a submission leaves there may outlive it or meet the next one.
    """
    for top in SHARED_TMP:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
