"""Does the container tier confine student code where bubblewrap cannot, and say so?

The container tier (``byhand_grader.sandbox.CONTAINER``) is what confines student
code in Gradescope's and PrairieLearn's Docker containers, whose default seccomp
profile refuses the namespaces bubblewrap needs.  Here it runs on the host, chosen
explicitly (``tier=``), so every promise of the tier is checked in seconds; the
tests in ``tests/byhand_instructor/test_docker_platforms.py`` check the same in a
real Docker engine.  What the
tier leaves visible (the system, world-readable files, other processes' command
lines) is written down in docs/platforms/containers.md and pinned here too.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

import pytest

from byhand_grader import sandbox
from byhand_grader.harness.protocol import Request
from byhand_grader.runner import Runner
from byhand_grader.sandbox import CONTAINER, Limits

from ..repo import copy_course, REPO

#: The container tier's uid reads the grader and its venv by ordinary permissions: a
#: checkout under a folder closed to other users (root's home) cannot run it, and the
#: tier says so (the Docker tests, tests/byhand_instructor/test_docker_platforms.py, run
#: it where the platforms do).
CLOSED = sandbox.unreachable(
    [Path(sandbox.__file__).parents[1], Path(sysconfig.get_paths()["purelib"])]
)
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the container tier needs root"),
    pytest.mark.skipif(
        bool(CLOSED),
        reason=f"the container tier cannot run from "
        f"here: {CLOSED[0][1] if CLOSED else ''} is closed to others",
    ),
]

#: Slots of this module's own (test_sandbox uses 100-479, test_runner 7 and 900-949).
SLOT = 990 + os.getpid() % 10  # clear of test_harness_cheats' 950-989
LIMITS = Limits(wall_s=20, cpu_s=20, memory_bytes=1024 * 2**20, nproc=32, output_bytes=2**16)


def py(code, workdir, limits=LIMITS, **kw):
    return run_sandboxed_tier([sys.executable, "-c", textwrap.dedent(code)], workdir, limits, **kw)


def run_sandboxed_tier(argv, workdir, limits=LIMITS, **kw):
    return sandbox._run(argv, workdir=workdir, limits=limits, slot=SLOT, tier=CONTAINER, **kw)


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_runs_as_its_own_uid_with_no_privileges_and_the_filter(workdir):
    """Own uid and gid, no groups, no capabilities, no_new_privs, a seccomp filter."""
    got = py(
        """
        import os
        status = dict(line.split(':', 1) for line in open('/proc/self/status'))
        print(os.getuid(), os.getgid(), os.getgroups(), status['CapEff'].strip(),
              status['NoNewPrivs'].strip(), status['Seccomp'].strip())
        """,
        workdir,
    )
    assert got.ok, got.stderr
    uid = sandbox.BASE_UID + SLOT
    assert got.stdout.decode().split() == [str(uid), str(uid), "[]", "0000000000000000", "1", "2"]


@pytest.mark.parametrize("family", ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"])
def test_no_network_socket(workdir, family):
    """Every socket but AF_UNIX is refused with an ordinary PermissionError."""
    got = py(
        f"""
        import socket
        socket.socket(socket.AF_UNIX).close()
        try:
            socket.socket(socket.{family}, socket.SOCK_RAW if '{family}' == 'AF_PACKET' else
                          socket.SOCK_DGRAM)
        except PermissionError:
            print('refused')
        """,
        workdir,
    )
    assert got.stdout == b"refused\n", got.stderr


def test_no_namespaces_ptrace_mounts_or_keyrings(workdir):
    got = py(
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        def refused(result):
            return result == -1 and ctypes.get_errno() == 1
        CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
        print(refused(libc.unshare(CLONE_NEWUSER)), refused(libc.unshare(CLONE_NEWNET)),
              refused(libc.ptrace(16, os.getppid(), 0, 0)),
              refused(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
              refused(libc.syscall(250, 0, 0, 0, 0, 0)))   # keyctl
        pid = os.fork()    # an ordinary fork and thread still work
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        """,
        workdir,
    )
    assert got.stdout == b"True True True True True\n", got.stderr


def test_root_only_files_are_unreadable_and_the_workdir_is_its_own(workdir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden line")
    secret.chmod(0o600)
    got = py(
        f"""
        open('mine.txt', 'w').write('ok')
        try:
            open({str(secret)!r}).read()
        except PermissionError:
            print('refused')
        """,
        workdir,
    )
    assert got.stdout == b"refused\n", got.stderr
    assert (workdir / "mine.txt").read_text() == "ok"
    assert (workdir / "mine.txt").stat().st_uid == os.geteuid()  # taken back afterwards


def test_fork_bomb_is_bounded_by_its_uid(workdir):
    got = py(
        """
        import os
        n = 0
        try:
            while True:
                if os.fork() == 0:
                    import time; time.sleep(30)
                n += 1
        except BlockingIOError:
            print('stopped at', n)
        """,
        workdir,
        limits=Limits(wall_s=20, nproc=16),
    )
    assert got.stdout.startswith(b"stopped at"), got.stderr
    assert int(got.stdout.split()[-1]) < 16
    assert sandbox.uids._processes(sandbox.BASE_UID + SLOT) == []  # all swept


def test_files_left_in_shared_tmp_are_swept(workdir):
    name = f"byhand-left-{os.getpid()}"
    got = py(
        f"""
        open('/tmp/{name}', 'w').write('x')
        open('/dev/shm/{name}', 'w').write('x')
        os = __import__('os'); os.mkdir('/var/tmp/{name}')
        print('wrote')
        """,
        workdir,
    )
    assert got.stdout == b"wrote\n", got.stderr
    for top in sandbox.SHARED_TMP:
        assert not Path(top, name).exists()


@pytest.fixture
def open_folder():
    """A folder every user can reach (pytest's own tmp_path lies under a root-only one)."""
    path = Path(tempfile.mkdtemp(prefix="byhand-container-test-", dir="/var/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_close_keeps_the_code_and_closes_the_rest(open_folder):
    """``close`` shuts a course but the grader's code inside it; ``seal`` makes code unwritable."""
    tmp_path = open_folder
    course = tmp_path / "course"
    (course / "grader_tests").mkdir(parents=True)
    (course / "grader_tests" / "test_x.py").write_text("HIDDEN = 1\n")
    (course / "code" / "pkg").mkdir(parents=True)
    (course / "code" / "pkg" / "m.py").write_text("print('code ok')\n")
    (course / "notes.txt").write_text("secret")
    for p in (tmp_path, course, course / "grader_tests", course / "code", course / "code" / "pkg"):
        p.chmod(0o777)
    (course / "code" / "pkg" / "m.py").chmod(0o666)
    closed = sandbox.close([course], keep=[course / "code"])
    sandbox.seal([course / "code"])
    assert set(closed) == {course / "grader_tests", course / "notes.txt"}
    work = tmp_path / "work"
    work.mkdir()
    got = py(
        f"""
        import os, runpy
        runpy.run_path({str(course / "code" / "pkg" / "m.py")!r})
        for path in ({str(course / "grader_tests" / "test_x.py")!r}, {str(course / "notes.txt")!r}):
            try:
                open(path).read(); print('read', path)
            except PermissionError:
                print('refused')
        try:
            open({str(course / "code" / "pkg" / "m.py")!r}, 'a').write('# changed')
        except PermissionError:
            print('refused')
        """,
        work,
    )
    assert got.stdout.decode().split("\n")[:4] == ["code ok", "refused", "refused", "refused"], (
        got.stderr
    )


def test_a_container_that_refuses_namespaces_gets_the_container_tier(tmp_path):
    """The tier is chosen by itself: under a filter that refuses namespaces (what Docker's
    default profile does), bwrap's self-check fails, and the sentence says why."""
    probe = (
        "from byhand_grader.sandbox import confinement; c = confinement(); "
        "print(c.tier); print(c.sentence)"
    )
    out = subprocess.run(
        [sys.executable, "-I", str(sandbox.SECCOMP_SCRIPT), "--", sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    tier, sentence = out.stdout.splitlines()[:2]
    assert tier == CONTAINER, out.stdout + out.stderr
    assert "refuses new namespaces" in sentence and "container tier" in sentence
    assert "install" not in sentence.lower()  # bubblewrap is installed: not the advice


def test_harness_in_the_container_tier_cannot_read_the_hidden_checks(open_folder, monkeypatch):
    """The real harness, in this tier: a cell that reads or writes beside the hidden checks
    is refused, and the course is closed before any student code runs."""
    monkeypatch.setattr(
        sandbox, "confinement", lambda: sandbox.Confinement(CONTAINER, "test: container tier")
    )
    course = copy_course(open_folder / "course", with_grader_tests=True)
    course.root.chmod(0o755)  # as a zip unpacks it: every user could read it
    tests = course.root / "grader_tests" / "partb"
    cell = textwrap.dedent(f"""
        import os
        for act in (lambda: open({str(tests / "test_partb.py")!r}).read(),
                    lambda: open({str(tests / "conftest.py")!r}, 'w').write('x'),
                    lambda: os.listdir({str(course.root)!r})):
            try:
                act(); print('DONE')
            except PermissionError:
                print('refused')
        """)
    runner = Runner(course.root, slot=SLOT).start()
    try:
        assert runner.tier == CONTAINER
        reply = runner.run(Request(cells=[{"label": "cell", "source": cell}]))
    finally:
        runner.close()
    assert reply.output.split() == ["refused"] * 3, reply
    assert not (tests / "conftest.py").exists()
    assert course.root.stat().st_mode & 0o007 == 0


def test_a_cell_that_ends_the_process_costs_only_that_cell(open_folder, monkeypatch):
    """In this tier the harness's working folder lies in the machine's /tmp, which the
    harness empties after each try: a restarted try must still find its folder."""
    monkeypatch.setattr(
        sandbox, "confinement", lambda: sandbox.Confinement(CONTAINER, "test: container tier")
    )
    course = copy_course(open_folder / "course")
    cells = [
        {"label": "first", "source": "import os\nos._exit(0)\n"},
        {"label": "second", "source": "print('after')\n"},
    ]
    runner = Runner(course.root, slot=SLOT).start()
    try:
        reply = runner.run(Request(cells=cells))
    finally:
        runner.close()
    assert reply.output.split() == ["after"], reply
    assert [c["label"] for c in reply.cells if c.get("error")] == ["first"], reply.cells


def test_unreachable_names_the_closed_folder(open_folder):
    inside = open_folder / "closed" / "code"
    inside.mkdir(parents=True)
    (open_folder / "closed").chmod(0o700)
    assert sandbox.unreachable([inside]) == [(inside, open_folder / "closed")]
    (open_folder / "closed").chmod(0o755)
    assert sandbox.unreachable([inside]) == []
