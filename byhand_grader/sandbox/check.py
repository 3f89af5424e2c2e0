"""Which tier works here: each tier's real command line, tried once per process."""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
import tempfile
from pathlib import Path

from .container import unreachable
from .run import _run, Limits
from .tiers import BWRAP, Confinement, CONTAINER, RLIMITS
from .uids import _root, _tool, _uid, BASE_UID


@functools.lru_cache(maxsize=None)
def _self_check():
    if not sys.platform.startswith("linux"):
        return Confinement(
            RLIMITS,
            f"no sandbox on {sys.platform}: student code runs with rlimits only, NOT confined",
        )
    try:
        for name in ("prlimit", "choom"):
            _tool(name)
    except FileNotFoundError as e:
        return Confinement(
            RLIMITS, f"{e} (util-linux): student code runs with rlimits only, NOT confined"
        )
    why_not_bwrap = _try_tier(BWRAP)
    if why_not_bwrap is None:
        who = f"uid {BASE_UID}+slot" if _root() else f"uid {os.getuid()} (not root)"
        return Confinement(BWRAP, f"confined by bubblewrap's namespaces as {who}")
    if not _root():
        return Confinement(
            RLIMITS,
            f"{why_not_bwrap}; and the container tier needs root (to "
            "change to a uid of its own): student code runs with "
            "rlimits only, NOT confined",
        )
    why_not_container = _try_tier(CONTAINER)
    if why_not_container is None:
        return Confinement(
            CONTAINER,
            f"confined by the container tier (uid {BASE_UID}+slot, "
            "no capabilities, no_new_privs, a seccomp filter; no "
            f"private mounts), because {why_not_bwrap}",
        )
    return Confinement(
        RLIMITS,
        f"{why_not_bwrap}; and the container tier failed too "
        f"({why_not_container}): student code runs with rlimits "
        "only, NOT confined",
    )


def _try_tier(tier):
    """None when a trivial command runs confined by ``tier`` here, else why not (a phrase)."""
    try:
        for name in ("bwrap",) if tier == BWRAP else ():
            _tool(name)
        if _root():
            _tool("setpriv")
    except FileNotFoundError as e:
        return (
            f"{e} (Debian/Ubuntu: apt-get install bubblewrap)"
            if "bwrap" in str(e)
            else f"{e} (util-linux)"
        )
    if tier == CONTAINER:
        closed = unreachable(
            [Path(__file__).resolve().parents[1], Path(sysconfig.get_paths()["purelib"])]
        )
        if closed:
            path, where = closed[0]
            return (
                f"the sandbox uid could not reach {path} ({where} is closed to other "
                "users): put the grader and its venv where every user can read them"
            )
        try:
            import pyseccomp  # noqa: F401
        except (ImportError, OSError) as e:
            return (
                f"its seccomp binding does not load ({e}; pip install pyseccomp, apt-get "
                "install libseccomp2)"
            )
    # A slot of its own, unique to this process: the check must never share a
    # uid with (and so sweep away) a worker's sandbox started a moment earlier.
    slot = 1000 + os.getpid() % 30000
    probe = f'test "$(id -u)" = {_uid(slot)} || exit 3; exit 7'
    if tier == CONTAINER:
        probe = (
            'grep -Eq "^NoNewPrivs:[[:space:]]+1" /proc/self/status || exit 4; '
            'grep -Eq "^Seccomp:[[:space:]]+2" /proc/self/status || exit 5; ' + probe
        )
    with tempfile.TemporaryDirectory() as tmp:
        try:
            got = _run(
                ["/bin/sh", "-c", probe],
                workdir=tmp,
                tier=tier,
                slot=slot,
                limits=Limits(wall_s=20),
            )
        except OSError as e:
            return f"{'bwrap' if tier == BWRAP else 'setpriv'} could not start ({e})"
    if got.returncode == 7:
        return None
    detail = got.stderr.decode(errors="replace").strip() or got.reason or ""
    if tier == BWRAP and _namespaces_refused(detail):
        return (
            "this machine refuses new namespaces, so bubblewrap cannot confine here "
            "(in a Docker container, its default seccomp profile blocks them without "
            f"CAP_SYS_ADMIN; bwrap said: {detail.splitlines()[-1]})"
        )
    checks = {
        3: "the code did not run as the sandbox uid",
        4: "no_new_privs was not set",
        5: "the seccomp filter was not in force",
    }
    return f"{tier} self-check failed ({checks.get(got.returncode, detail or got.reason)})"


def _namespaces_refused(message):
    """bwrap's own words when the kernel or a seccomp profile refuses it a namespace (and
    only then: another "Operation not permitted" is another fault, reported as it is)."""
    return any(
        m in message
        for m in (
            "Creating new namespace failed",
            "No permissions to create",
            "setting up uid map",
            "unshare failed",
        )
    )
