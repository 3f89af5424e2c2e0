"""Run untrusted student code in a confined child process and say why it stopped.

Confinement is bubblewrap (``bwrap``): a private mount namespace built on an
empty root, into which only the operating system (``SYSTEM``: ``/usr``, ``/etc``,
``/sys`` ...) and the ``readable`` paths are bound read-only, and ``workdir``
read-write; ``/tmp``, ``/dev/shm``, ``/dev`` and ``/proc`` are fresh.  An
allow-list, not a deny-list: a course, checkout or home folder that nobody
thought to name is still absent.  ``hide`` paths are covered by empty tmpfs as
well, for a course that lies inside a system folder.  The pid, IPC, UTS,
cgroup and (except for kernels) network namespaces are new, so killing the
sandbox's outer process tears down every process it started.

When we are root, bwrap runs without a user namespace and ``setpriv`` drops the
student code to uid/gid ``61000 + slot`` with no capabilities and
no_new_privs: root-only files stay unreadable, and RLIMIT_NPROC (counted per
uid, ignored for root) really bounds a fork bomb.  One uid per worker slot
means a fork bomb in one worker's sandbox cannot use up another's quota.
Not root, bwrap makes a user namespace and the code keeps the caller's uid.

Where bubblewrap cannot make namespaces (a Docker container: its default seccomp
profile refuses ``unshare`` and namespace flags to ``clone`` without CAP_SYS_ADMIN,
which is how Gradescope and PrairieLearn run their graders), a second tier takes
over by itself, as root: the **container tier**.  ``setpriv`` drops the code to the
same per-slot uid with no capabilities and no_new_privs, ``seccomp_filter`` installs
a seccomp filter (sockets other than AF_UNIX, ptrace, namespaces, mounts and
keyrings refused), and the rlimits and the memory cgroup (where one can be made)
stay.  There is no private mount namespace: what the code cannot read is decided
by file permissions, so the caller closes what must stay secret (``close``) and
the code sees what any unprivileged user of the machine sees; after the run, its
processes and the files its uid left in the shared temporary folders are removed.
Only when neither tier works (not root, not Linux) does code run with rlimits
only, and ``confinement()`` says so.

Limits are rlimits set by ``prlimit`` and inherited by everything inside;
``choom`` sets oom_score_adj to 1000 so that, if the machine itself runs out of
memory, the kernel's OOM killer picks sandboxed code before the grader.
RLIMIT_AS bounds each process, not the tree: 64 processes may each use
``memory_bytes``.  ``popen_sandboxed`` can also start the tree inside a memory
cgroup (``byhand_grader.sandbox.cgroup``), which bounds what all of it uses together.

The modules, one role each: ``tiers`` (the tiers and ``Confinement``), ``check``
(which tier works here), ``run`` (one confined command: limits, ``Outcome``, why it
stopped), ``bwrap`` (bubblewrap's command line), ``container`` (the container tier:
its command line, ``close``, ``seal``, ``unreachable``, ``sweep_files``) with
``seccomp_filter`` (its filter, run as a script), ``uids`` (the slot's uid, its
processes and workdir), ``exposed`` (what the sandbox shows of the grader and
hides of the host), ``cgroup`` (memory bounded per process tree), ``slots`` (one
slot per grading process) and ``kernel`` (the sandboxed Jupyter kernel).  This
module is their public face; nothing here imports the rest of ``byhand_grader``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from . import check
from .bwrap import FRESH, SYSTEM
from .container import close, seal, SECCOMP_SCRIPT, SHARED_TMP, sweep_files, unreachable
from .run import _command, _environment, _run, Limits, Outcome, stop
from .tiers import BWRAP, Confinement, CONTAINER, RLIMITS, TIER_WORDS, TIERS
from .uids import _reclaim, _root, _uid, BASE_UID, user_tasks

__all__ = [
    "BASE_UID",
    "BWRAP",
    "CONTAINER",
    "FRESH",
    "RLIMITS",
    "SECCOMP_SCRIPT",
    "SHARED_TMP",
    "SYSTEM",
    "TIERS",
    "TIER_WORDS",
    "Confinement",
    "Limits",
    "Outcome",
    "close",
    "confinement",
    "popen_sandboxed",
    "release_workdir",
    "run_sandboxed",
    "sandbox_available",
    "seal",
    "stop",
    "sweep_files",
    "unreachable",
    "user_tasks",
]


def confinement() -> Confinement:
    """The strongest tier that works here, found by running a trivial command through
    each tier's real command line once per process (bubblewrap first)."""
    return check._self_check()


def sandbox_available() -> tuple[bool, str]:
    """Can student code be confined here (either tier), and how or why not?

    When it is False, ``run_sandboxed`` still applies rlimits, a scrubbed
    environment and ``cwd=workdir``, but the code can read and write whatever
    the grading user can: callers must warn loudly.
    """
    found = confinement()
    return found.confined, found.sentence


def run_sandboxed(
    argv, *, workdir, stdin=b"", hide=(), readable=(), limits=Limits(), slot=0, env=None
) -> Outcome:
    """Run ``argv`` confined, with ``workdir`` as its writable cwd and home.

    Only ``SYSTEM`` and ``readable`` paths are visible, read-only; ``hide`` paths
    are covered by an empty tmpfs, with ``readable`` paths bound on top of that (the running Python's ``sys.prefix`` and
    ``sys.base_prefix`` always are); where they nest, the most specific path
    wins.  ``slot`` (the worker index) picks the uid when we are root.  ``env``
    adds to a minimal environment; the caller's environment is never passed.

    When we are root, ``workdir`` is handed to the sandbox uid for the run and
    taken back afterwards; symlinks and other special files the sandbox left
    there are deleted, so the grader never follows one.

    In the container tier there are no mounts: ``hide`` and ``readable`` are not
    applied, and the caller closes what must stay secret with ``close`` first
    (``Runner`` closes the course; the platforms their folders).
    """
    return _run(
        argv,
        workdir=workdir,
        stdin=stdin,
        hide=hide,
        readable=readable,
        limits=limits,
        slot=slot,
        env=env,
        tier=confinement().tier,
    )


def popen_sandboxed(
    argv, *, workdir, hide=(), readable=(), limits=Limits(), slot=0, env=None, cgroup=None
):
    """Start ``argv`` confined like ``run_sandboxed`` and return the ``Popen``.

    For a process that lives across many requests (the grading harness): its
    stdin and stdout are pipes for the caller's protocol, stderr is discarded,
    and ``limits.wall_s`` is not enforced here.  ``cgroup``, a
    ``byhand_grader.sandbox.cgroup.MemoryCgroup``, is joined before anything else runs,
    so the whole process tree is in it from the start.  Call ``stop(proc)`` and
    then ``release_workdir(workdir, slot)`` when done (and remove the cgroup).
    """
    workdir = Path(workdir).resolve()
    tier = confinement().tier
    cmd, uid, claimed = _command(argv, workdir, hide, readable, limits, slot, False, (), tier)
    if cgroup is not None:
        cmd = cgroup.command(cmd)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
        env=_environment(workdir, env),
        start_new_session=True,
    )
    proc.byhand_uid = uid if claimed else None
    proc.byhand_tier = tier
    return proc


def release_workdir(workdir, slot=0):
    """Take a ``popen_sandboxed`` workdir back from the sandbox uid and delete it."""
    workdir = Path(workdir)
    if not workdir.exists():
        return
    if sandbox_available()[0] and _root():
        _reclaim(workdir, _uid(slot))
    shutil.rmtree(workdir, ignore_errors=True)
