"""The bubblewrap tier: the ``bwrap`` command line that builds the sandbox's mounts.

A private mount namespace on an empty root, into which only ``SYSTEM`` and the
``readable`` paths are bound read-only and the workdir read-write; ``FRESH`` folders
are new.  As root, ``setpriv`` then drops the code to the slot's uid.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .uids import _root, _tool, drop_to


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
    mounts = (
        [("--tmpfs", p) for p in covers]
        + [("--ro-bind", p) for p in readable]
        + [("--bind", workdir)]
    )
    mounts.sort(key=lambda m: (len(m[1].parts), m[0] != "--tmpfs", m[0] == "--bind"))

    size = str(int(limits.file_bytes))
    # The root is bwrap's own empty tmpfs: only SYSTEM, `readable` and workdir appear in it.
    args = [
        _tool("bwrap"),
        *_system_args(),
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--perms",
        "1777",
        "--size",
        size,
        "--tmpfs",
        "/tmp",
        "--perms",
        "1777",
        "--size",
        size,
        "--tmpfs",
        "/dev/shm",
    ]
    mounted = [Path("/"), *(Path(d) for d in SYSTEM if os.path.isdir(d)), *FRESH]
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
    args += [
        "--chdir",
        str(workdir),
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
    ]
    if not share_net:
        args.append("--unshare-net")
    if _root():
        args += ["--", *drop_to(uid)]
    else:
        args.append("--unshare-user")  # implied without setuid bwrap; explicit is clearer
    return args + ["--"]
