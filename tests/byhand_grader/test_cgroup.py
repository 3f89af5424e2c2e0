"""Does byhand_grader.sandbox.cgroup bound a process tree's memory as a whole, and say plainly
when it cannot?"""

import os
import select
import subprocess
import sys

import pytest

from byhand_grader.sandbox import cgroup

BOUNDED, WHY_NOT = cgroup.memory_cgroup_available()
needs_cgroup = pytest.mark.skipif(not BOUNDED, reason=WHY_NOT)

MOUNTINFO_V1 = """\
25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
33 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
34 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
"""
CGROUP_V1 = "9:pids:/user.slice\n4:memory:/grading/worker\n0::/user.slice\n"
MOUNTINFO_V2 = (
    "30 1 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - "
    "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
)
CGROUP_V2 = "0::/user.slice/user-1000.slice/session-2.scope\n"


@pytest.mark.parametrize(
    "mountinfo, proc_cgroup, euid, why",
    [
        (MOUNTINFO_V2, CGROUP_V2, 0, "cgroup v2 only"),
        (MOUNTINFO_V1.replace(",memory", ",cpu"), CGROUP_V1, 0, "no cgroup memory controller"),
        (MOUNTINFO_V1, "9:pids:/\n0::/\n", 0, "in no memory cgroup"),
        (MOUNTINFO_V1, CGROUP_V1, 1000, "needs root"),
    ],
)
def test_why_not(mountinfo, proc_cgroup, euid, why):
    """Is each reason there can be no memory cgroup named?"""
    with pytest.raises(cgroup.Unavailable, match=why):
        cgroup.current_memory_cgroup(mountinfo, proc_cgroup, euid=euid)


def test_finds_this_process_memory_cgroup(tmp_path):
    """Is the cgroup found under the memory controller's mount, a space in its path and all?"""
    mount = tmp_path / "cgroup fs" / "memory"
    folder = mount / "grading" / "worker"
    folder.mkdir(parents=True)
    (folder / "cgroup.procs").touch()
    mountinfo = MOUNTINFO_V1.replace("/sys/fs/cgroup/memory", str(mount).replace(" ", "\\040"))
    assert cgroup.current_memory_cgroup(mountinfo, CGROUP_V1, euid=0) == folder


def test_fallback_sentence(monkeypatch):
    """When none can be made, does memory_cgroup_available say why, and what that costs,
    in one sentence?"""

    def unavailable():
        raise cgroup.Unavailable("cgroup v2 only; this grader uses cgroup v1's memory controller")

    monkeypatch.setattr(cgroup, "current_memory_cgroup", unavailable)
    cgroup._probe.cache_clear()
    try:
        ok, why = cgroup.memory_cgroup_available()
    finally:
        cgroup._probe.cache_clear()
    assert not ok
    assert why == (
        "no memory cgroup (cgroup v2 only; this grader uses cgroup v1's memory "
        "controller): memory is limited per process only (RLIMIT_AS), so a "
        "submission that starts several processes can use that limit in each"
    )


HOGS = """
import subprocess, sys
hog = "x = b'x' * (100 * 2**20); import time; time.sleep(30)"
procs = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(4)]
for p in procs:
    p.wait()
"""


@needs_cgroup
def test_the_tree_shares_one_limit():
    """Do four processes of 100 MiB hit a 256 MiB limit together, every one of them inside,
    waiting rather than killed, and is the cgroup gone after remove()?"""
    group = cgroup.MemoryCgroup.create("test-tree", 256 * 2**20)
    proc = subprocess.Popen(group.command([sys.executable, "-c", HOGS]))
    try:
        assert select.select([group.oom_fd], [], [], 20)[0] and group.take_oom_notice()
        assert group.under_oom() and len(group.pids()) == 5 and proc.poll() is None
    finally:
        group.remove()
        proc.wait(10)
    assert not group.path.exists() and proc.returncode == -9


@needs_cgroup
def test_stale_cgroups_are_removed():
    """Is an empty cgroup left by a grader that died removed when the next one is made?"""
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = cgroup.current_memory_cgroup() / f"{cgroup.PREFIX}-{gone.pid}-harness0-slot0"
    stale.mkdir()
    cgroup.MemoryCgroup.create("test-stale", 64 * 2**20).remove()
    assert not stale.exists()


@needs_cgroup
def test_kill_spares_other_cgroups():
    """Does kill() leave alone a process that is not in the cgroup?"""
    group = cgroup.MemoryCgroup.create("test-kill", 64 * 2**20)
    outside = subprocess.Popen(["sleep", "30"])
    try:
        group.kill([outside.pid, os.getpid()])
        assert outside.poll() is None
    finally:
        outside.kill()
        outside.wait()
        group.remove()
