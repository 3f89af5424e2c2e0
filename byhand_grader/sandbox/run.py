"""Run one command confined by a given tier, with limits, and say why it stopped.

``_command`` is the one place a sandboxed command line is built (rlimits, then the
tier's own prefix); ``_run`` runs it to the end and ``Outcome.reason`` says in a
sentence why it stopped.  ``stop`` ends a long-lived one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .bwrap import _bwrap_args
from .container import _container_args, sweep_files
from .tiers import BWRAP, CONTAINER, RLIMITS
from .uids import _claim, _reclaim, _root, _sweep, _tool, _uid, user_tasks

_OOM_MARKERS = (
    b"MemoryError",
    b"Cannot allocate memory",
    b"can't allocate memory",
    b"std::bad_alloc",
    b"out of memory",
)


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use.

    ``memory_bytes`` is RLIMIT_AS, the address space of each process, which
    is larger than the memory actually touched.  Measured here (Python 3.11,
    torch 2.13 CPU, one OpenMP thread): ``import torch`` peaks at 0.57 GiB of
    address space, a torch matmul plus a matplotlib figure at 0.7 GiB, and a
    Jupyter kernel that imports torch and byhand at 1.25 GiB.  3 GiB leaves
    room for student tensors and still fails fast with a MemoryError.

    ``file_bytes`` bounds any single file written (RLIMIT_FSIZE) and also the
    size of the private RAM-backed ``/tmp`` and ``/dev/shm``.
    """

    wall_s: float = 60.0  # wall clock; the whole process tree is killed after
    cpu_s: int = 60  # RLIMIT_CPU per process (SIGXCPU, then SIGKILL 1 s later)
    memory_bytes: int = 3 * 2**30  # RLIMIT_AS per process
    nproc: int = 64  # RLIMIT_NPROC: processes and threads of the sandbox uid
    output_bytes: int = 2**20  # kept per stream; the rest is read and discarded
    file_bytes: int = 64 * 2**20  # RLIMIT_FSIZE, and the size of /tmp and /dev/shm


@dataclass
class Outcome:
    """How a sandboxed run ended.

    ``stdout``/``stderr`` hold at most ``Limits.output_bytes`` each.
    ``reason`` is None for a normal exit with status 0, otherwise a sentence
    an instructor can read without knowing how the sandbox works.
    """

    returncode: int | None
    stdout: bytes
    stderr: bytes
    wall_s: float
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _limit_prefix(limits, uid):
    # As root the sandbox uid is ours alone; otherwise RLIMIT_NPROC counts all
    # of the user's existing threads too, so the quota goes on top of those.
    nproc = limits.nproc if _root() else user_tasks(uid) + limits.nproc
    return [
        _tool("prlimit"),
        f"--as={int(limits.memory_bytes)}",
        f"--cpu={int(limits.cpu_s)}:{int(limits.cpu_s) + 1}",
        f"--nproc={nproc}",
        f"--fsize={int(limits.file_bytes)}",
        "--core=0",
        "--",
        _tool("choom"),
        "-n",
        "1000",
        "--",
    ]


def _environment(workdir, extra):
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(Path(workdir).resolve()),
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


class _Capture(threading.Thread):
    """Drain a pipe, keeping the first ``cap`` bytes and a tail for diagnosis."""

    def __init__(self, pipe, cap):
        super().__init__(daemon=True)
        self.pipe, self.cap = pipe, cap
        self.head, self.tail, self.cut = bytearray(), b"", False

    def run(self):
        fd = self.pipe.fileno()
        while chunk := os.read(fd, 1 << 16):
            room = self.cap - len(self.head)
            if room > 0:
                self.head += chunk[:room]
            self.cut |= len(chunk) > room
            self.tail = (self.tail + chunk)[-8192:]
        self.pipe.close()


def _feed(pipe, data):
    try:
        pipe.write(data)
        pipe.close()
    except (BrokenPipeError, OSError):
        pass


def _exited(proc, timeout):
    """Wait up to ``timeout`` s for ``proc`` to exit, without reaping it."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(2 * delay, 0.05)
    return True


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run(
    argv,
    *,
    workdir,
    stdin=b"",
    hide=(),
    readable=(),
    limits=Limits(),
    slot=0,
    env=None,
    share_net=False,
    files=(),
    tier,
):
    """run_sandboxed, plus what kernels need: ``share_net`` and ``files``
    (``(fd, dest)`` pairs whose contents bwrap copies into the sandbox; bwrap's tier
    only), and ``tier`` (one of ``TIERS``: ``run_sandboxed`` passes ``confinement().tier``)."""
    workdir = Path(workdir).resolve()
    cmd, uid, claimed = _command(
        argv, workdir, hide, readable, limits, slot, share_net, files, tier
    )
    start = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=_environment(workdir, env),
            start_new_session=True,
            pass_fds=[fd for fd, _ in files],
        )
        out = _Capture(proc.stdout, limits.output_bytes)
        err = _Capture(proc.stderr, limits.output_bytes)
        for t in (out, err, threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True)):
            t.start()
        try:
            timed_out = not _exited(proc, limits.wall_s)
        finally:
            _kill(proc)  # before reaping, so the group id cannot be someone else's yet
            proc.wait()
        # Unconfined, an orphan may still hold the pipes; confined, the pid
        # namespace is gone once bwrap has exited.
        for t in (out, err):
            t.join(timeout=2.0)
    finally:
        if claimed:
            _sweep(uid)
            _reclaim(workdir, uid)
            if tier == CONTAINER:
                sweep_files(uid)
    wall = time.monotonic() - start
    rc = None if timed_out else proc.returncode
    reason = _reason(rc, timed_out, out, err, limits, tier == BWRAP)
    return Outcome(rc, bytes(out.head), bytes(err.head), wall, reason)


def _command(argv, workdir, hide, readable, limits, slot, share_net, files, tier):
    """The one place a sandboxed command line is built: ``(cmd, uid, claimed)``.

    ``claimed`` says the workdir was handed to the sandbox uid and must be taken
    back (``_reclaim``) when the run ends.
    """
    uid = _uid(slot) if tier != RLIMITS else os.getuid()
    cmd = _limit_prefix(limits, uid)
    if tier == BWRAP:
        cmd += _bwrap_args(workdir, hide, readable, limits, uid, share_net, files)
    elif tier == CONTAINER:
        if files:
            raise ValueError(
                "the container tier cannot place files in the sandbox; put them in its workdir"
            )
        cmd += _container_args(uid, share_net)
    cmd += [os.fspath(a) for a in argv]
    claimed = tier != RLIMITS and _root()
    if claimed:
        _claim(workdir, uid)
    return cmd, uid, claimed


def stop(proc):
    """Kill a process from ``popen_sandboxed`` and everything its uid still runs."""
    _kill(proc)
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass
    if getattr(proc, "byhand_uid", None) is not None:
        _sweep(proc.byhand_uid)
        if proc.byhand_tier == CONTAINER:
            sweep_files(proc.byhand_uid)


def _size(n):
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _reason(rc, timed_out, out, err, limits, confined):
    parts = []
    sig = -rc if rc is not None and rc < 0 else None
    if confined and rc is not None and 128 < rc <= 128 + 64:  # bwrap reports 128 + signal
        sig = rc - 128
    if timed_out:
        parts.append(f"killed after the {limits.wall_s:g} s wall-clock limit")
    elif rc and any(m in err.tail for m in _OOM_MARKERS):
        parts.append(f"ran out of memory (limit {_size(limits.memory_bytes)})")
    elif sig == signal.SIGXCPU:
        parts.append(f"used up its {limits.cpu_s} s CPU-time limit")
    elif sig == signal.SIGXFSZ or (rc and b"File too large" in err.tail):
        parts.append(f"wrote a file larger than the {_size(limits.file_bytes)} limit")
    elif rc and b"No space left on device" in err.tail:
        parts.append(f"ran out of disk space (the private /tmp holds {_size(limits.file_bytes)})")
    elif sig:
        parts.append(
            f"killed by signal {sig} ({signal.Signals(sig).name})"
            if sig in signal.Signals._value2member_map_
            else f"killed by signal {sig}"
        )
    elif rc:
        parts.append(f"exited with status {rc}")
    for name, cap in (("stdout", out), ("stderr", err)):
        if cap.cut:
            parts.append(f"printed more than {_size(limits.output_bytes)} on {name}; output cut")
    return "; ".join(parts) or None
