"""Bound the memory of a whole sandboxed process tree with a memory cgroup.

RLIMIT_AS (``sandbox.Limits.memory_bytes``) bounds each process on its own: a
submission that starts four processes may use four times its limit.  A memory
cgroup bounds what all of its processes use together.  ``MemoryCgroup.create``
makes one inside the memory cgroup this process is in (cgroup v1, the ``memory``
controller, as root), ``command(argv)`` makes ``argv`` join it before it execs,
so every process the sandbox ever starts is inside from its first instruction,
and ``remove()`` deletes it once its processes are gone.

The kernel's OOM killer is off in these cgroups (``oom_kill_disable``): at the
limit the process that asks for memory waits, and the holder of the cgroup is
told through an eventfd (``oom_fd``) and chooses what to stop.  The kernel would
kill the largest process, which for a submission of many small processes is the
harness that serves every submission; the runner stops the submission instead.

Where no memory cgroup can be made (not Linux, not root, cgroup v2 only, no
memory controller), ``memory_cgroup_available()`` says why in one sentence and
callers keep to rlimits.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import time
from pathlib import Path

#: Every cgroup made here is named ``byhand-<pid of its maker>-<name>``.
PREFIX = "byhand"


class Unavailable(OSError):
    """No memory cgroup can be made here; the message says why."""


def memory_cgroup_available() -> tuple[bool, str]:
    """Can a sandbox's memory be bounded as a whole here, and if not, why not?

    Answered once per process by making (and removing) a small cgroup.  When it
    is False, memory is bounded per process only, by RLIMIT_AS: callers should
    print the sentence beside ``sandbox.sandbox_available()``'s.
    """
    return _probe()


@functools.cache
def _probe():
    try:
        base = current_memory_cgroup()
    except OSError as err:
        return False, fallback_sentence(
            str(err)
            if isinstance(err, Unavailable)
            else f"cannot read this process's cgroups: {err}"
        )
    try:
        MemoryCgroup.create("probe", 64 * 2**20, parent=base).remove()
    except OSError as err:
        return False, fallback_sentence(f"making one under {base} failed: {err.strerror or err}")
    return True, f"memory is bounded per submission by a cgroup under {base}"


def fallback_sentence(why):
    return (
        f"no memory cgroup ({why}): memory is limited per process only (RLIMIT_AS), "
        "so a submission that starts several processes can use that limit in each"
    )


def current_memory_cgroup(mountinfo=None, proc_cgroup=None, euid=None) -> Path:
    """The folder of this process's cgroup v1 ``memory`` controller, if we may write there.

    The arguments stand in for ``/proc/self/mountinfo``, ``/proc/self/cgroup`` and
    the effective uid (tests).  Raises ``Unavailable`` with the reason otherwise.
    """
    if not sys.platform.startswith("linux"):
        raise Unavailable(f"cgroups are Linux only, this is {sys.platform}")
    if (os.geteuid() if euid is None else euid) != 0:
        raise Unavailable("making cgroups needs root")
    if mountinfo is None:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    if proc_cgroup is None:
        proc_cgroup = Path("/proc/self/cgroup").read_text()
    mounts, v2 = {}, False
    for line in mountinfo.splitlines():
        fields, _, tail = line.partition(" - ")
        fields, tail = fields.split(), tail.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        if tail[0] == "cgroup2":
            v2 = True
        elif tail[0] == "cgroup" and "memory" in tail[2].split(","):
            mounts[_unescape(fields[3])] = _unescape(fields[4])
    if not mounts:
        raise Unavailable(
            "cgroup v2 only; this grader uses cgroup v1's memory controller"
            if v2
            else "no cgroup memory controller is mounted"
        )
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            break
    else:
        raise Unavailable("this process is in no memory cgroup")
    # The mount shows the hierarchy from its root down; our path is from the top.
    for root, point in sorted(mounts.items(), key=lambda m: -len(m[0])):
        if path == root or path.startswith(root.rstrip("/") + "/"):
            folder = Path(point, os.path.relpath(path, root))
            break
    else:
        raise Unavailable(f"this process's memory cgroup {path} is not mounted here")
    if not (folder / "cgroup.procs").is_file():
        raise Unavailable(f"{folder} is not a memory cgroup")
    if not os.access(folder, os.W_OK):
        raise Unavailable(f"{folder} is not writable")
    return folder.resolve()


def _unescape(field):
    """mountinfo writes a space in a path as ``\\040``."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


class MemoryCgroup:
    """A memory cgroup that a sandboxed process tree runs in; see the module docstring."""

    def __init__(self, path):
        self.path = Path(path)
        self.oom_fd = None  # an eventfd, readable when the cgroup has hit its limit
        self._control = None

    @classmethod
    def create(cls, name, limit_bytes, parent=None):
        """Make ``byhand-<pid>-<name>`` under ``parent`` (this process's memory cgroup)
        with ``limit_bytes`` for memory (and memory plus swap, where swap is
        accounted), the OOM killer off, and an eventfd for OOM notices."""
        parent = Path(parent) if parent is not None else current_memory_cgroup()
        remove_stale(parent)
        self = cls(parent / f"{PREFIX}-{os.getpid()}-{name}")
        self.path.mkdir()
        try:
            self.set_limit(int(limit_bytes))
            self._write("memory.oom_control", "1")  # no kernel OOM killer: we decide
            self.oom_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
            self._control = os.open(self.path / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
            self._write("cgroup.event_control", f"{self.oom_fd} {self._control}")
        except BaseException:
            self.remove()
            raise
        return self

    def command(self, argv):
        """``argv`` run so that it joins this cgroup before it execs (so do all its children)."""
        return [
            "/bin/sh",
            "-c",
            'echo $$ > "$1" && shift && exec "$@"',
            "byhand-cgroup",
            str(self.path / "cgroup.procs"),
            *map(os.fspath, argv),
        ]

    @property
    def limit(self):
        return int(self._read("memory.limit_in_bytes"))

    def set_limit(self, limit_bytes):
        """Bound memory (and memory plus swap) to ``limit_bytes``; the second may never be
        below the first, so the order depends on the direction."""
        names = ["memory.limit_in_bytes"]
        if (self.path / "memory.memsw.limit_in_bytes").exists():
            names.append("memory.memsw.limit_in_bytes")
        if limit_bytes > self.limit:
            names.reverse()
        for name in names:
            self._write(name, str(int(limit_bytes)))

    def usage(self):
        """``(bytes charged now, most ever charged)``."""
        return int(self._read("memory.usage_in_bytes")), int(
            self._read("memory.max_usage_in_bytes")
        )

    def under_oom(self):
        """Is some process in the cgroup waiting for memory the limit does not allow?"""
        return "under_oom 1" in self._read("memory.oom_control")

    def hit_limit(self):
        """Has any charge to the cgroup ever been refused at its limit (``memory.failcnt``)?"""
        return int(self._read("memory.failcnt")) > 0

    def take_oom_notice(self):
        """Consume pending OOM notices; True if there were any."""
        try:
            return self.oom_fd is not None and os.eventfd_read(self.oom_fd) > 0
        except BlockingIOError:
            return False

    def pids(self):
        """The processes in the cgroup now (thread group ids)."""
        try:
            return {int(p) for p in self._read("cgroup.procs").split()}
        except FileNotFoundError:
            return set()

    def kill(self, pids):
        """SIGKILL each of ``pids`` that is still in this cgroup (by pidfd: a pid that was
        reused in the meantime is never signalled)."""
        for pid in pids:
            try:
                fd = os.pidfd_open(pid)
            except OSError:
                continue
            try:
                if self._holds(pid):
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os.close(fd)

    def _holds(self, pid):
        mine = "/" + self.path.name
        try:
            lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        except OSError:
            return False
        return any("memory" in ln.split(":")[1].split(",") and ln.endswith(mine) for ln in lines)

    def remove(self, timeout=10.0):
        """Kill whatever is still inside, wait until it has left, and delete the cgroup."""
        deadline = time.monotonic() + timeout
        while True:
            self.kill(self.pids())
            try:
                self.path.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:  # EBUSY: a process is still on its way out
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        for fd in (self._control, self.oom_fd):
            if fd is not None:
                os.close(fd)
        self._control = self.oom_fd = None

    def _read(self, name):
        return (self.path / name).read_text()

    def _write(self, name, text):
        with open(self.path / name, "w") as f:
            f.write(text)


def remove_stale(parent):
    """Delete empty byhand cgroups under ``parent`` whose maker has died (a killed grader)."""
    for path in Path(parent).glob(f"{PREFIX}-*-*"):
        pid = path.name.split("-")[1]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            path.rmdir()
        except OSError:
            pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
