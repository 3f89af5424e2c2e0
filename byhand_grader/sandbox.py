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
cgroup (``byhand_grader.cgroup``), which bounds what all of it uses together.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BASE_UID = 61000

#: The tiers of confinement, strongest first: bubblewrap's namespaces; a uid of its own
#: with no_new_privs and a seccomp filter (containers that refuse namespaces); rlimits only.
BWRAP, CONTAINER, RLIMITS = "bwrap", "container", "rlimits"
TIERS = (BWRAP, CONTAINER, RLIMITS)
#: Each tier in a few words, for the instructor's flags and logs.
TIER_WORDS = {BWRAP: "bubblewrap namespaces",
              CONTAINER: "container tier (own uid, no_new_privs, seccomp filter; no private "
                         "mounts)",
              RLIMITS: "NOT confined (rlimits only)"}
#: The container tier's filter, run as a script (``python -I``): see its docstring.
SECCOMP_SCRIPT = Path(__file__).resolve().parent / "seccomp_filter.py"
#: Shared temporary folders where the container tier's uid may leave files (swept after).
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")

_OOM_MARKERS = (b"MemoryError", b"Cannot allocate memory", b"can't allocate memory",
                b"std::bad_alloc", b"out of memory")


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

    wall_s: float = 60.0            # wall clock; the whole process tree is killed after
    cpu_s: int = 60                 # RLIMIT_CPU per process (SIGXCPU, then SIGKILL 1 s later)
    memory_bytes: int = 3 * 2**30   # RLIMIT_AS per process
    nproc: int = 64                 # RLIMIT_NPROC: processes and threads of the sandbox uid
    output_bytes: int = 2**20       # kept per stream; the rest is read and discarded
    file_bytes: int = 64 * 2**20    # RLIMIT_FSIZE, and the size of /tmp and /dev/shm


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


@dataclass(frozen=True)
class Confinement:
    """Which tier confines student code on this machine, and why, in one sentence."""

    tier: str        #: one of ``TIERS``
    sentence: str    #: what an instructor reads: the tier, and why a stronger one is not used

    @property
    def confined(self) -> bool:
        return self.tier != RLIMITS


def confinement() -> Confinement:
    """The strongest tier that works here, found by running a trivial command through
    each tier's real command line once per process (bubblewrap first)."""
    return _self_check()


def sandbox_available() -> tuple[bool, str]:
    """Can student code be confined here (either tier), and how or why not?

    When it is False, ``run_sandboxed`` still applies rlimits, a scrubbed
    environment and ``cwd=workdir``, but the code can read and write whatever
    the grading user can: callers must warn loudly.
    """
    found = confinement()
    return found.confined, found.sentence


def run_sandboxed(argv, *, workdir, stdin=b"", hide=(), readable=(), limits=Limits(),
                  slot=0, env=None) -> Outcome:
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
    return _run(argv, workdir=workdir, stdin=stdin, hide=hide, readable=readable,
                limits=limits, slot=slot, env=env)


# -- building the command -----------------------------------------------------

def _root() -> bool:
    return os.geteuid() == 0


def _tool(name):
    path = shutil.which(name, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        raise FileNotFoundError(f"{name} is not installed")
    return path


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
    return sum(len(os.listdir(f"/proc/{pid}/task")) for pid in _processes(uid)
               if os.path.isdir(f"/proc/{pid}/task"))


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


def _limit_prefix(limits, uid):
    # As root the sandbox uid is ours alone; otherwise RLIMIT_NPROC counts all
    # of the user's existing threads too, so the quota goes on top of those.
    nproc = limits.nproc if _root() else user_tasks(uid) + limits.nproc
    return [_tool("prlimit"), f"--as={int(limits.memory_bytes)}",
            f"--cpu={int(limits.cpu_s)}:{int(limits.cpu_s) + 1}", f"--nproc={nproc}",
            f"--fsize={int(limits.file_bytes)}", "--core=0", "--",
            _tool("choom"), "-n", "1000", "--"]


def _closed_ancestor(path):
    """The outermost ancestor of ``path`` that other users cannot traverse."""
    for parent in reversed(Path(path).parents):
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return parent
        except OSError:
            return None
    return None


#: All the sandbox sees of the host, read-only, besides ``readable`` paths and the
#: workdir: the operating system's programs, libraries and configuration, and /sys
#: (torch reads the CPU topology there).  Nothing else exists inside: not /home,
#: /opt, /srv, /root, /var, nor any other checkout or course on the machine.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")


#: Mounted fresh inside every sandbox, never taken from the host.
FRESH = (Path("/tmp"), Path("/dev/shm"), Path("/dev"), Path("/proc"))


def _system_args():
    args = []
    for d in SYSTEM:
        if os.path.islink(d):  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    return args


def _bwrap_args(workdir, hide, readable, limits, uid, share_net, files):
    workdir = Path(workdir).resolve()
    readable = {Path(p).resolve() for p in (*readable, sys.prefix, sys.base_prefix)}
    readable = {p for p in readable if p.exists()}
    hide = {Path(p).resolve() for p in hide if Path(p).exists()}
    if Path("/") in hide:
        raise ValueError("cannot hide /")
    # The sandbox's own /tmp, /dev and /proc hold nothing of the host: hiding one of them,
    # or a path inside, would only cover the fresh mount and leave /tmp read-only (the
    # parent of a course kept in /tmp is /tmp itself).
    hide = {p for p in hide if not any(p == f or f in p.parents or p in f.parents for f in FRESH)}
    covers = set(hide)
    if _root():
        # The sandbox uid must be able to reach what it may read.  Outside SYSTEM the
        # empty root gets fresh 0755 parents anyway; inside a system folder a root-only
        # ancestor (say a venv under /usr/local/private) is covered by a tmpfs in which
        # bwrap recreates just the bound paths.
        covers |= {a for p in (*readable, workdir) if (a := _closed_ancestor(p))}
    mounts = ([("--tmpfs", p) for p in covers] + [("--ro-bind", p) for p in readable]
              + [("--bind", workdir)])
    mounts.sort(key=lambda m: (len(m[1].parts), m[0] != "--tmpfs", m[0] == "--bind"))

    size = str(int(limits.file_bytes))
    # The root is bwrap's own empty tmpfs: only SYSTEM, `readable` and workdir appear in it.
    args = [_tool("bwrap"), *_system_args(), "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
            "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
    mounted = [Path("/"), *(Path(d) for d in SYSTEM if os.path.isdir(d)),
               *FRESH]
    tmpfs, made = {Path("/"), Path("/tmp"), Path("/dev/shm"), *covers}, set()
    for flag, path in mounts:
        base = max((m for m in mounted if m in path.parents), key=lambda m: len(m.parts))
        if base in tmpfs:  # bwrap would create missing parents 0700, closed to the sandbox uid
            for d in reversed(path.parents):
                if base in d.parents and d not in made:
                    args += ["--perms", "0755", "--dir", str(d)]
                    made.add(d)
        args += [flag, str(path)] if flag == "--tmpfs" else [flag, str(path), str(path)]
        mounted.append(path)
    args += [a for p in sorted(covers | {Path("/")}) for a in ("--remount-ro", str(p))]
    for fd, dest in files:
        args += ["--perms", "0444", "--file", str(fd), dest]
    args += ["--chdir", str(workdir), "--unshare-ipc", "--unshare-pid", "--unshare-uts",
             "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if not share_net:
        args.append("--unshare-net")
    if _root():
        args += ["--", _tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"]
    else:
        args.append("--unshare-user")  # implied without setuid bwrap; explicit is clearer
    return args + ["--"]


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


# -- the workdir belongs to the sandbox for the run ---------------------------

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


# -- running ------------------------------------------------------------------

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


def _run(argv, *, workdir, stdin=b"", hide=(), readable=(), limits=Limits(), slot=0,
         env=None, share_net=False, files=(), tier=None):
    """run_sandboxed, plus what kernels need: ``share_net`` and ``files``
    (``(fd, dest)`` pairs whose contents bwrap copies into the sandbox; bwrap's tier
    only), and ``tier`` (one of ``TIERS``; default: ``confinement().tier``)."""
    tier = tier or confinement().tier
    workdir = Path(workdir).resolve()
    cmd, uid, claimed = _command(argv, workdir, hide, readable, limits, slot, share_net, files,
                                 tier)
    start = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=workdir,
                                env=_environment(workdir, env), start_new_session=True,
                                pass_fds=[fd for fd, _ in files])
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


def _command(argv, workdir, hide, readable, limits, slot, share_net, files, tier=None):
    """The one place a sandboxed command line is built: ``(cmd, uid, claimed)``.

    ``claimed`` says the workdir was handed to the sandbox uid and must be taken
    back (``_reclaim``) when the run ends.
    """
    tier = tier or confinement().tier
    uid = _uid(slot) if tier != RLIMITS else os.getuid()
    cmd = _limit_prefix(limits, uid)
    if tier == BWRAP:
        cmd += _bwrap_args(workdir, hide, readable, limits, uid, share_net, files)
    elif tier == CONTAINER:
        if files:
            raise ValueError("the container tier cannot place files in the sandbox; "
                             "put them in its workdir")
        cmd += _container_args(uid, share_net)
    cmd += [os.fspath(a) for a in argv]
    claimed = tier != RLIMITS and _root()
    if claimed:
        _claim(workdir, uid)
    return cmd, uid, claimed


def _container_args(uid, share_net):
    """The container tier: the filter, then the slot's uid, no capabilities, no_new_privs.

    The filter's script runs first, as root, with the venv's Python in isolated mode
    (``-I``: no ``PYTHONPATH``, no script folder on the path), so it finds only the
    standard library and the venv's ``pyseccomp``; it then runs ``setpriv``, which
    the filter lets change uid, and whose ``execve`` of the program is the last
    thing done with root's rights.
    """
    return [sys.executable, "-I", str(SECCOMP_SCRIPT), *(["--inet"] if share_net else []), "--",
            _tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]


# -- long-lived processes -------------------------------------------------------

def popen_sandboxed(argv, *, workdir, hide=(), readable=(), limits=Limits(), slot=0, env=None,
                    cgroup=None):
    """Start ``argv`` confined like ``run_sandboxed`` and return the ``Popen``.

    For a process that lives across many requests (the grading harness): its
    stdin and stdout are pipes for the caller's protocol, stderr is discarded,
    and ``limits.wall_s`` is not enforced here.  ``cgroup``, a
    ``byhand_grader.cgroup.MemoryCgroup``, is joined before anything else runs,
    so the whole process tree is in it from the start.  Call ``stop(proc)`` and
    then ``release_workdir(workdir, slot)`` when done (and remove the cgroup).
    """
    workdir = Path(workdir).resolve()
    tier = confinement().tier
    cmd, uid, claimed = _command(argv, workdir, hide, readable, limits, slot, False, (), tier)
    if cgroup is not None:
        cmd = cgroup.command(cmd)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=workdir,
                            env=_environment(workdir, env), start_new_session=True)
    proc.byhand_uid = uid if claimed else None
    proc.byhand_tier = tier
    return proc


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


def release_workdir(workdir, slot=0):
    """Take a ``popen_sandboxed`` workdir back from the sandbox uid and delete it."""
    workdir = Path(workdir)
    if not workdir.exists():
        return
    if sandbox_available()[0] and _root():
        _reclaim(workdir, _uid(slot))
    shutil.rmtree(workdir, ignore_errors=True)


# -- the container tier: permissions instead of mounts ----------------------------

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
        parts.append(f"killed by signal {sig} ({signal.Signals(sig).name})"
                     if sig in signal.Signals._value2member_map_ else f"killed by signal {sig}")
    elif rc:
        parts.append(f"exited with status {rc}")
    for name, cap in (("stdout", out), ("stderr", err)):
        if cap.cut:
            parts.append(f"printed more than {_size(limits.output_bytes)} on {name}; output cut")
    return "; ".join(parts) or None


@functools.lru_cache(maxsize=None)
def _self_check():
    if not sys.platform.startswith("linux"):
        return Confinement(RLIMITS, f"no sandbox on {sys.platform}: student code runs with "
                                    "rlimits only, NOT confined")
    try:
        for name in ("prlimit", "choom"):
            _tool(name)
    except FileNotFoundError as e:
        return Confinement(RLIMITS, f"{e} (util-linux): student code runs with rlimits only, "
                                    "NOT confined")
    why_not_bwrap = _try_tier(BWRAP)
    if why_not_bwrap is None:
        who = f"uid {BASE_UID}+slot" if _root() else f"uid {os.getuid()} (not root)"
        return Confinement(BWRAP, f"confined by bubblewrap's namespaces as {who}")
    if not _root():
        return Confinement(RLIMITS, f"{why_not_bwrap}; and the container tier needs root (to "
                                    "change to a uid of its own): student code runs with "
                                    "rlimits only, NOT confined")
    why_not_container = _try_tier(CONTAINER)
    if why_not_container is None:
        return Confinement(CONTAINER, f"confined by the container tier (uid {BASE_UID}+slot, "
                                      "no capabilities, no_new_privs, a seccomp filter; no "
                                      f"private mounts), because {why_not_bwrap}")
    return Confinement(RLIMITS, f"{why_not_bwrap}; and the container tier failed too "
                                f"({why_not_container}): student code runs with rlimits "
                                "only, NOT confined")


def _try_tier(tier):
    """None when a trivial command runs confined by ``tier`` here, else why not (a phrase)."""
    try:
        for name in ("bwrap",) if tier == BWRAP else ():
            _tool(name)
        if _root():
            _tool("setpriv")
    except FileNotFoundError as e:
        return (f"{e} (Debian/Ubuntu: apt-get install bubblewrap)" if "bwrap" in str(e)
                else f"{e} (util-linux)")
    if tier == CONTAINER:
        closed = unreachable([Path(__file__).resolve().parent,
                              Path(sysconfig.get_paths()["purelib"])])
        if closed:
            path, where = closed[0]
            return (f"the sandbox uid could not reach {path} ({where} is closed to other "
                    "users): put the grader and its venv where every user can read them")
        try:
            import pyseccomp  # noqa: F401
        except (ImportError, OSError) as e:
            return f"its seccomp binding does not load ({e}; pip install pyseccomp, apt-get " \
                   "install libseccomp2)"
    # A slot of its own, unique to this process: the check must never share a
    # uid with (and so sweep away) a worker's sandbox started a moment earlier.
    slot = 1000 + os.getpid() % 30000
    probe = f'test "$(id -u)" = {_uid(slot)} || exit 3; exit 7'
    if tier == CONTAINER:
        probe = ('grep -Eq "^NoNewPrivs:[[:space:]]+1" /proc/self/status || exit 4; '
                 'grep -Eq "^Seccomp:[[:space:]]+2" /proc/self/status || exit 5; ' + probe)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            got = _run(["/bin/sh", "-c", probe], workdir=tmp, tier=tier, slot=slot,
                       limits=Limits(wall_s=20))
        except OSError as e:
            return f"{'bwrap' if tier == BWRAP else 'setpriv'} could not start ({e})"
    if got.returncode == 7:
        return None
    detail = got.stderr.decode(errors="replace").strip() or got.reason or ""
    if tier == BWRAP and _namespaces_refused(detail):
        return ("this machine refuses new namespaces, so bubblewrap cannot confine here "
                "(in a Docker container, its default seccomp profile blocks them without "
                f"CAP_SYS_ADMIN; bwrap said: {detail.splitlines()[-1]})")
    checks = {3: "the code did not run as the sandbox uid", 4: "no_new_privs was not set",
              5: "the seccomp filter was not in force"}
    return f"{tier} self-check failed ({checks.get(got.returncode, detail or got.reason)})"


def _namespaces_refused(message):
    """bwrap's own words when the kernel or a seccomp profile refuses it a namespace (and
    only then: another "Operation not permitted" is another fault, reported as it is)."""
    return any(m in message for m in ("Creating new namespace failed", "No permissions to create",
                                      "setting up uid map", "unshare failed"))
