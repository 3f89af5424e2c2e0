"""The sandbox uid of each slot, the processes it runs, and the workdir handed to it.

As root, the code runs as uid ``BASE_UID + slot``: the workdir is handed to that uid
for the run (``_claim``) and taken back afterwards (``_reclaim``), and whatever the uid
still runs is killed (``_sweep``).  Not root, the code keeps the caller's uid.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import time
from pathlib import Path

BASE_UID = 61000


def _root() -> bool:
    return os.geteuid() == 0


def _tool(name):
    path = shutil.which(name, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        raise FileNotFoundError(f"{name} is not installed")
    return path


def drop_to(uid):
    """``setpriv``'s words for running as ``uid`` alone: no groups, no capabilities,
    no_new_privs (both the bubblewrap and the container tier end their prefix with it)."""
    return [
        _tool("setpriv"),
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--bounding-set=-all",
    ]


def _uid(slot):
    return BASE_UID + int(slot) if _root() else os.getuid()


def _processes(uid):
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def user_tasks(uid):
    """Threads the user runs now; RLIMIT_NPROC counts these per uid."""
    return sum(
        len(os.listdir(f"/proc/{pid}/task"))
        for pid in _processes(uid)
        if os.path.isdir(f"/proc/{pid}/task")
    )


def _sweep(uid, timeout=10.0):
    """Kill what is left of a slot uid's processes; return once they are gone.

    The pid namespace dies with bwrap, but not instantly; the workdir is only
    taken back once nothing can write to it any more.
    """
    deadline = time.monotonic() + timeout
    while (pids := _processes(uid)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)


def _walk(root):
    yield Path(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            yield Path(dirpath, name)


def _claim(workdir, uid):
    for path in _walk(workdir):
        st = os.lstat(path)
        # A hard link may be another name of a file outside workdir.
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            continue
        os.chown(path, uid, uid, follow_symlinks=False)


def _reclaim(workdir, uid):
    for path in _walk(workdir):
        try:
            st = os.lstat(path)
            if st.st_uid != uid:
                continue
            if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
                os.chown(path, os.geteuid(), os.getegid(), follow_symlinks=False)
            else:  # symlinks, fifos, sockets: traps for whoever reads workdir next
                os.unlink(path)
        except FileNotFoundError:
            pass
