"""Install the sandbox's seccomp filter, then become the confined program.

The container tier of ``byhand_grader.sandbox`` (where bubblewrap is refused: a
Docker container's default seccomp profile forbids new namespaces) runs student
code as an unprivileged uid of its own with no_new_privs, and this filter on top:

* sockets: only ``AF_UNIX`` (``socket`` and ``socketpair``); ``--inet`` also allows
  ``AF_INET`` and ``AF_INET6``, for the ``--execute`` kernel, which talks to Jupyter
  over loopback (bubblewrap shares the network with that kernel too);
* no ``ptrace`` nor reading or writing another process's memory;
* no namespaces (``unshare``, ``setns``, ``clone`` with a ``CLONE_NEW*`` flag;
  ``clone3``, whose flags a filter cannot read, answers ENOSYS so that libc falls
  back to ``clone``), no ``mount``, ``umount2``, ``pivot_root`` or ``chroot``;
* no kernel keyrings (``keyctl``, ``add_key``, ``request_key``), no ``bpf``,
  ``perf_event_open`` or ``userfaultfd``.

Refused calls fail with ``EPERM`` (ENOSYS for ``clone3``): the program sees an
ordinary error, never a kill, so a student's ``socket.socket()`` raises
``PermissionError`` that the harness reports like any other.  The filter is
built with libseccomp through ``pyseccomp`` (its ctypes binding, API-compatible
with libseccomp's own Python module) rather than hand-written BPF: libseccomp
knows each architecture's syscall numbers and the x32/compat ABIs, which a
hand-written filter gets wrong.

Usage (run with ``python -I``, so nothing on the command line's path or in the
environment can put another module first):
``python -I seccomp_filter.py [--inet] -- PROGRAM ARGS...``.  The filter is kept
across ``execve`` and inherited by every child; it cannot be removed.
"""

import errno
import os
import socket
import sys

#: clone(2) flags that make a namespace.
CLONE_NEW = (
    0x00020000
    | 0x04000000
    | 0x08000000
    | 0x10000000
    | 0x20000000
    | 0x40000000
    | 0x02000000
    | 0x00000080
)  # NS UTS IPC USER PID NET CGROUP TIME
#: Address families are numbered below this (AF_MAX is 46 in Linux 6.x); all above are refused.
FAMILIES = 64
#: Calls refused outright.
REFUSED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "open_by_handle_at",
    "name_to_handle_at",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
    "kexec_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
)


def build(inet=False):
    """The filter, not yet loaded: every call allowed but those the module docstring names."""
    import pyseccomp as seccomp

    f = seccomp.SyscallFilter(seccomp.ALLOW)
    refuse = seccomp.ERRNO(errno.EPERM)
    for name in REFUSED:
        try:
            f.add_rule(refuse, name)
        except (RuntimeError, ValueError, OSError):
            pass  # a call this kernel or libseccomp does not know cannot be made either
    allowed = {socket.AF_UNIX} | ({socket.AF_INET, socket.AF_INET6} if inet else set())
    for name in ("socket", "socketpair"):
        # one comparison per rule (libseccomp's rule): each other family, then all above
        for family in range(FAMILIES):
            if family not in allowed:
                f.add_rule(refuse, name, seccomp.Arg(0, seccomp.EQ, family))
        f.add_rule(refuse, name, seccomp.Arg(0, seccomp.GE, FAMILIES))
    for bit in _bits(CLONE_NEW):
        f.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, bit, bit))
    try:
        f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    except (RuntimeError, ValueError, OSError):
        pass
    return f


def _bits(mask):
    return [1 << n for n in range(mask.bit_length()) if mask >> n & 1]


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    inet = bool(args) and args[0] == "--inet"
    args = args[1:] if inet else args
    if not args or args[0] != "--" or len(args) < 2:
        print("usage: python -I seccomp_filter.py [--inet] -- PROGRAM ARGS...", file=sys.stderr)
        return 2
    program = args[1:]
    build(inet).load()
    try:
        os.execv(program[0], program)
    except OSError as err:
        print(f"seccomp_filter: cannot run {program[0]}: {err}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
