"""Does byhand_grader.sandbox confine student code and say plainly why it stopped?"""

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from byhand_grader import sandbox
from byhand_grader.sandbox import Limits, run_sandboxed, sandbox_available

from ..repo import REPO

CONFINED, WHY = sandbox_available()
needs_bwrap = pytest.mark.skipif(not CONFINED, reason=f"no bwrap sandbox: {WHY}")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="per-slot uids need root")

# A slot of our own, so that concurrent test runs do not share a uid.
SLOT = 100 + 2 * (os.getpid() % 190)  # 100-479, and SLOT + 1 for a neighbour
SMALL = Limits(wall_s=10, cpu_s=10, memory_bytes=512 * 2**20, nproc=32, output_bytes=2**16)


def py(code, workdir, limits=SMALL, **kw):
    return run_sandboxed(
        [sys.executable, "-c", code], workdir=workdir, limits=limits, slot=SLOT, **kw
    )


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def outside():
    """A world-readable, world-writable directory outside /tmp (which is private anyway)."""
    path = Path(tempfile.mkdtemp(prefix="byhand-sandbox-test-", dir="/var/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path)


def test_normal_run():
    """Does a normal run return its stdout, read its stdin, and count as ok?"""
    with tempfile.TemporaryDirectory() as tmp:
        got = py("import sys; print(sys.stdin.read().upper())", tmp, stdin=b"hello")
    assert got.ok and got.reason is None and got.returncode == 0
    assert got.stdout == b"HELLO\n"


def test_hang(workdir):
    """Is a hang (with children) killed at the wall-clock limit, leaving nothing behind?"""
    start = time.monotonic()
    got = py(
        "import os, time\nos.fork(); os.fork()\nwhile True: time.sleep(0.01)",
        workdir,
        limits=Limits(wall_s=1.5),
    )
    assert time.monotonic() - start < 4
    assert not got.ok and got.returncode is None
    assert got.reason == "killed after the 1.5 s wall-clock limit"
    if CONFINED and os.geteuid() == 0:
        assert sandbox.uids._processes(sandbox.BASE_UID + SLOT) == []


def test_cpu_limit(workdir):
    """Is a busy loop stopped at the CPU-time limit?"""
    got = py("while True: pass", workdir, limits=Limits(wall_s=10, cpu_s=1))
    assert got.reason == "used up its 1 s CPU-time limit"


@pytest.mark.parametrize(
    "bomb, limit",
    [
        ("x = []\nwhile True: x.append(bytearray(10**7))", 512 * 2**20),
        ("import torch\ntorch.ones(10**10)", 2**30),  # torch needs ~0.6 GiB to import
    ],
)
def test_memory_bomb(workdir, bomb, limit):
    """Does a memory bomb stop with 'ran out of memory' instead of hurting the machine?"""
    got = py(bomb, workdir, limits=Limits(wall_s=30, memory_bytes=limit))
    assert got.reason == f"ran out of memory (limit {sandbox.run._size(limit)})"


FORK_BOMB = """
import os, time
n = 0
for _ in range(1000):
    try:
        if os.fork() == 0:
            time.sleep(%s)
            os._exit(0)
        n += 1
    except OSError:
        break
print(n, flush=True)
time.sleep(%s)
"""


@needs_bwrap
@needs_root
def test_fork_bomb(workdir, tmp_path):
    """Is a fork bomb held to its nproc quota, without starving another slot's sandbox?"""
    bomb = {}
    thread = threading.Thread(
        target=lambda: bomb.update(
            got=py(FORK_BOMB % (3, 3), workdir, limits=Limits(wall_s=10, nproc=16))
        )
    )
    thread.start()
    time.sleep(1.0)  # the bomb now holds its whole quota
    other = tmp_path / "other"
    other.mkdir()
    neighbour = run_sandboxed(
        [sys.executable, "-c", FORK_BOMB % (0.5, 0.5)],
        workdir=other,
        limits=Limits(wall_s=10, nproc=16),
        slot=SLOT + 1,
    )
    thread.join()
    assert bomb["got"].ok and 5 < int(bomb["got"].stdout) < 16
    assert neighbour.ok and int(neighbour.stdout) > 5


def test_os_exit(workdir):
    """Is os._exit(3) reported as a plain exit status?"""
    got = py("import os; os._exit(3)", workdir)
    assert got.returncode == 3 and got.reason == "exited with status 3"


def test_signal(workdir):
    """Is a crash by signal reported as such?"""
    got = py("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", workdir)
    assert got.reason == "killed by signal 11 (SIGSEGV)"


def test_output_flood(workdir):
    """Is flooded output capped and flagged without blocking the run?"""
    limits = Limits(wall_s=20, output_bytes=4096)
    got = py(
        "import sys\nfor _ in range(2000): sys.stdout.write('x' * 10000)\nsys.stderr.write('done')",
        workdir,
        limits=limits,
    )
    assert got.returncode == 0 and not got.ok
    assert got.stdout == b"x" * 4096 and got.stderr == b"done"
    assert got.reason == "printed more than 4.0 KiB on stdout; output cut"


@needs_bwrap
def test_only_the_system_is_visible(workdir, outside):
    """Is a world-readable file outside the system folders invisible, hidden or not,
    and readable once bound ``readable``?  (The allow-list: no other course or
    checkout on the machine can be found by looking around.)"""
    secret = outside / "gradebook.db"
    secret.write_text("answers")
    secret.chmod(0o644)
    code = f"print(open({str(secret)!r}).read())"
    for hide in ([], [outside]):
        got = py(code, workdir, hide=hide)
        assert got.returncode == 1 and b"FileNotFoundError" in got.stderr
    assert py(code, workdir, readable=[outside]).stdout == b"answers\n"
    got = py("import os; print(sorted(os.listdir('/')))", workdir)
    top = set(eval(got.stdout))
    assert not top & {"home", "opt", "srv", "root", "var", "mnt", "media", "work"} - {
        Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, workdir)
    }
    assert {"usr", "etc", "tmp", "proc", "dev"} <= top


@needs_bwrap
def test_readable_inside_hidden(workdir, outside):
    """Can the sandbox read a path re-exposed inside a hidden one, and only that?"""
    (outside / "pkg").mkdir()
    (outside / "pkg" / "data.txt").write_text("given")
    (outside / "secret.txt").write_text("answers")
    for path in (outside / "pkg", outside / "pkg" / "data.txt", outside / "secret.txt"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    got = py(
        f"import os; print(open('{outside}/pkg/data.txt').read(), os.listdir('{outside}'))",
        workdir,
        hide=[outside],
        readable=[outside / "pkg"],
    )
    assert got.ok, got.reason
    assert got.stdout == b"given ['pkg']\n"


@needs_bwrap
def test_workdir_inside_hidden(outside):
    """Is a workdir inside a hidden course reachable, its siblings gone?"""
    workdir = outside / "autograded" / "student" / "a1"
    workdir.mkdir(parents=True)
    (outside / "source").mkdir(mode=0o755)
    got = py(
        f"import os; print(os.listdir({str(outside)!r}), os.listdir('..'))", workdir, hide=[outside]
    )
    assert got.ok, got.stderr
    assert got.stdout == b"['autograded'] ['a1']\n"


@needs_bwrap
def test_course_root_hidden(workdir):
    """With the course root hidden, are grader_tests/ and source/ gone but byhand importable?"""
    code = (
        "import os, byhand\n"
        f"print((os.listdir({str(REPO)!r}), os.path.exists({str(REPO / 'source')!r})))"
    )
    got = py(
        code,
        workdir,
        limits=Limits(wall_s=20),
        hide=[REPO],
        readable=[REPO / "byhand"],
        env={"PYTHONPATH": str(REPO)},
    )
    assert got.ok, got.stderr
    listing, source_seen = eval(got.stdout)
    assert set(listing) <= {".venv", "byhand"} and not source_seen


@needs_bwrap
def test_hiding_tmp_keeps_the_private_tmp(workdir):
    """A course cloned into /tmp has /tmp as its parent, which the harness hides: does the
    sandbox still get a writable private /tmp (the kernel puts its connection file there)?"""
    code = "open('/tmp/x', 'w').write('ok'); print(open('/tmp/x').read(), open('mine', 'w'))"
    got = py(code, workdir, hide=[Path("/tmp"), workdir.parent])
    assert got.ok, got.stderr
    assert got.stdout.startswith(b"ok ")


@needs_bwrap
def test_writes_stay_in_workdir(workdir, outside):
    """Can the sandbox write only in its workdir: not into the host /tmp, and not into a
    world-writable folder it may read?"""
    leak = Path("/tmp", f"byhand-sandbox-leak-{os.getpid()}")
    code = (
        "import os\n"
        "open('result.txt', 'w').write('mine')\n"
        f"open({str(leak)!r}, 'w').write('private tmp')\n"
        "os.symlink('/etc/passwd', 'trap')\n"
        f"open({str(outside / 'planted.py')!r}, 'w')\n"
    )
    got = py(code, workdir, readable=[outside])
    assert b"Read-only file system" in got.stderr
    assert not (outside / "planted.py").exists() and not leak.exists()
    assert (workdir / "result.txt").read_text() == "mine"
    if os.geteuid() == 0:  # handed back, and the planted symlink removed
        assert (workdir / "result.txt").stat().st_uid == 0
        assert not os.path.lexists(workdir / "trap")


@needs_bwrap
@needs_root
def test_unprivileged(workdir):
    """Does the code run as the slot's own uid, unable to read root-only files?"""
    got = py("import os; print(os.getuid()); open('/etc/shadow')", workdir)
    assert got.stdout == f"{sandbox.BASE_UID + SLOT}\n".encode()
    assert b"PermissionError" in got.stderr


def test_import_torch_default_limits(workdir):
    """Does `import torch` (and a little autograd) work under the default limits?"""
    code = (
        "import torch\nx = torch.ones(3, requires_grad=True)\n"
        "(x * x).sum().backward()\nprint(x.grad.tolist())"
    )
    got = py(code, workdir, limits=Limits())
    assert got.ok, got.stderr
    assert got.stdout == b"[2.0, 2.0, 2.0]\n"


def test_scrubbed_environment(workdir, monkeypatch):
    """Is the parent's environment kept out, apart from what `env` passes?"""
    monkeypatch.setenv("BYHAND_TEST_SECRET", "hunter2")
    got = py("import os; print(sorted(os.environ))", workdir, env={"EXTRA": "1"})
    names = eval(got.stdout)
    assert "BYHAND_TEST_SECRET" not in names and "EXTRA" in names
    assert {"PATH", "HOME", "PYTHONHASHSEED", "OMP_NUM_THREADS"} <= set(names)


def test_fallback_still_limits(workdir, monkeypatch):
    """Without bwrap, are the wall-clock and memory limits still enforced?"""
    monkeypatch.setattr(
        sandbox, "confinement", lambda: sandbox.Confinement(sandbox.RLIMITS, "test")
    )
    assert py("x = bytearray(2**30)", workdir).reason == "ran out of memory (limit 512.0 MiB)"
    got = py("while True: pass", workdir, limits=Limits(wall_s=1))
    assert got.reason == "killed after the 1 s wall-clock limit"


def _ways_down(*paths):
    """``{folder: names}``: each folder on the way to ``paths`` and the next step of those
    ways in it; only folders the sandbox builds itself, not ``/``, a system folder (shown
    whole) or a fresh one (``/tmp`` also holds the sandbox's own files)."""
    ways = {}
    for path in (Path(p).resolve() for p in paths):
        for folder in path.parents:
            if (
                folder == Path("/")
                or folder in sandbox.FRESH
                or any(Path(d) == folder or Path(d) in folder.parents for d in sandbox.SYSTEM)
            ):
                continue
            ways.setdefault(folder, set()).add(path.relative_to(folder).parts[0])
    return ways


@needs_bwrap
def test_sandboxed_kernel(tmp_path, monkeypatch):
    """Does the sandboxed kernel run a notebook that imports torch and byhand, hide the
    course, and die cleanly when the student's code kills it?"""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    from byhand_grader.sandbox.kernel import install_kernelspec, kernel_arguments

    install_kernelspec(prefix=tmp_path, name="byhand-sandbox-test")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    workdir = tmp_path / "autograded" / "student" / "a1"
    workdir.mkdir(parents=True)

    def execute(*cells):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        NotebookClient(
            nb,
            kernel_name="byhand-sandbox-test",
            timeout=30,
            allow_errors=True,
            extra_arguments=kernel_arguments(REPO, SLOT),
            resources={"metadata": {"path": str(workdir)}},
        ).execute()
        return [cell.outputs[0] for cell in nb.cells]

    ways = _ways_down(REPO, REPO / "byhand", sys.prefix, sys.base_prefix, workdir)
    imported, listing, along, homes, opened = execute(
        "import os, torch, byhand\nprint(torch.__version__, byhand.__name__)",
        f"print(sorted(os.listdir({str(REPO)!r})))",
        f"print({{d: sorted(os.listdir(d)) for d in {sorted(map(str, ways))!r}}})",
        "print(sorted(n for d in ('/home', '/work', '/srv', '/opt', '/root', '/var')\n"
        "             if os.path.isdir(d) for n in os.listdir(d)))",
        f"open({str(REPO / 'pyproject.toml')!r})",
    )
    assert imported["text"].split()[1] == "byhand"
    assert set(eval(listing["text"])) <= {".venv", "byhand"}
    # No other checkout, Python or file beside these: every folder on the way to the
    # checkout, the venv, the Python it was made from (in the home folder, say
    # ~/.pyenv/versions/3.11.7) and the workdir holds only the next step of those ways.
    for folder, names in eval(along["text"]).items():
        assert set(names) <= ways[Path(folder)], folder
    assert set(eval(homes["text"])) <= {*REPO.parts, *Path(sys.base_prefix).resolve().parts}
    assert opened["ename"] == "FileNotFoundError"

    with pytest.raises(DeadKernelError):
        execute("import os\nos._exit(1)")
    if os.geteuid() == 0:
        assert sandbox.uids._processes(sandbox.BASE_UID + SLOT) == []
