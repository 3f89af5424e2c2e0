"""A real Docker engine the tests start for themselves, to run the autograders as the platforms do.

Gradescope and PrairieLearn grade in Docker containers: Gradescope unpacks the
autograder zip into ``/autograder/source`` of its base image, runs ``setup.sh``
there as root and keeps the result as the assignment's image; PrairieLearn
builds nothing, it runs the image the course names (ours comes from the
``image/Dockerfile`` that ``byhand prairielearn`` writes).  Each submission then
runs as root in a fresh container with Docker's *default* seccomp profile and
capabilities, which refuse the namespaces bubblewrap needs.  A sandbox that
works on the host says nothing about that container, so these tests run the
real thing, never a mock:

* ``DockerEngine``: Debian's ``docker.io`` daemon (``tests/system_packages.py``
  installs it), started as root in a temporary folder (its socket, data root,
  exec root, log), with no bridge and no iptables rules: containers run on
  ``--network none``, or ``--network host`` for an install step that needs the
  Debian mirror or the wheelhouse.  Its containers go in a cgroup of their own
  (``--cgroup-parent``).  Whenever the session ends (pass, fail, Ctrl-C) the
  containers are removed, the daemon stopped (it stops its containerd), any
  containerd, shim or container process still holding the folder or that cgroup
  is killed, every mount under the folder (the overlays of the data root, the
  network namespaces) detached, the cgroups and the folder removed.
* ``base_image``: no image is ever pulled.  The base is a minimal Debian
  bookworm tree made by ``debootstrap`` (with python3, python3-venv and
  ca-certificates, and ``python`` on PATH) and ``docker import``; it is also
  tagged ``python:3.11-slim`` so that the PrairieLearn Dockerfile's ``FROM``
  finds it locally.  The tree's tarball is kept in ``~/.cache/byhand-tests/``
  (``BYHAND_TEST_CACHE``) between runs; delete it to take a newer one.
* ``wheelhouse``: the bundles install torch from PyTorch's CPU index and the
  rest from PyPI.  The wheels are downloaded once on the host into the cache
  (torch from ``PIP_FIND_LINKS``, else from PyTorch's index; the rest from
  PyPI) and served over loopback to the install step, which gets
  ``PIP_NO_INDEX=1`` and ``PIP_FIND_LINKS=<url>`` as *build arguments* (the
  ``--index-url`` of the bundle's command line is then ignored, and nothing of
  it stays in the image's environment).
* ``gradescope_image`` / ``run_gradescope``: the image is built the way
  Gradescope's "manual Docker configuration" documents it (``ADD source
  /autograder/source``, copy ``run_autograder``, ``bash setup.sh`` as root); a
  submission runs in ``docker create`` + ``docker cp`` + ``docker start -a``.
* ``prairielearn_image`` / ``run_prairielearn``: ``docker build`` of the folder's
  ``image/`` with its own Dockerfile (two ``ARG`` lines added after ``FROM`` for
  the wheelhouse); a job runs with ``/grade`` bind-mounted and the limits of
  PrairieLearn's grader host (``apps/grader-host``: 2 GiB, no swap, 0.9 CPU,
  1024 pids, no core dumps, private IPC, a TTY).

Use it from a test module with a fixture of the scope it needs::

    @pytest.fixture(scope="module")
    def engine():
        reason = skip_reason()          # only: not root
        if reason:
            pytest.skip(reason)
        with DockerEngine() as engine:  # stopped when the module's tests end
            yield engine

    def test_x(engine):
        image = gradescope_image(engine, zip_path)
        rc, results, log, seconds = run_gradescope(engine, image, notebook, "s1")
"""

import contextlib
import ctypes
import fcntl
import functools
import hashlib
import http.server
import io
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from byhand_instructor.autograder_bundle import extract_zip

#: The Debian release and mirror of the base image (Gradescope's base is Ubuntu; bookworm's
#: Python, 3.11, is the one the PrairieLearn Dockerfile's ``python:3.11-slim`` names).
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
#: The base image's tag (also tagged ``python:<its version>-slim``).
BASE_IMAGE = "byhand-test/debian:bookworm"
#: Where downloads are kept between runs: the base tarball and the wheelhouse.
CACHE = Path(os.environ.get("BYHAND_TEST_CACHE") or Path.home() / ".cache" / "byhand-tests")
#: PyTorch's CPU wheel index: where torch comes from when ``PIP_FIND_LINKS`` has no such wheel.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

#: A Gradescope submission's container (Gradescope's own numbers are not published; its
#: largest machine has 6 GB).
GRADESCOPE_LIMITS = ("--memory", "4g", "--memory-swap", "4g", "--pids-limit", "1024")
#: A PrairieLearn grading job's container: the grader host's defaults (apps/grader-host config).
PRAIRIELEARN_LIMITS = (
    "--memory",
    "2g",
    "--memory-swap",
    "2g",
    "--cpu-period",
    "100000",
    "--cpu-quota",
    "90000",
    "--pids-limit",
    "1024",
    "--ulimit",
    "core=0",
    "--ipc",
    "private",
)

#: The Dockerfile Gradescope documents for an autograder image ("Manual Docker
#: Configuration"), from our base instead of gradescope/autograder-base (Ubuntu), without
#: dos2unix (not in the base; the zip's scripts end lines with \n) and with the wheelhouse.
GRADESCOPE_DOCKERFILE = """\
FROM {base}
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS
ADD source /autograder/source
RUN cp /autograder/source/run_autograder /autograder/run_autograder
RUN chmod +x /autograder/run_autograder
RUN apt-get update && bash /autograder/source/setup.sh && apt-get clean \\
 && rm -rf /var/lib/apt/lists/* /var/tmp/*
"""


#: Folders outside its own that dockerd and containerd make (containerd's shims put their
#: sockets in /run/containerd/s whatever its state folder): removed at stop when they were
#: not there before and are empty.
SYSTEM_DIRS = (
    "/run/containerd/s",
    "/run/containerd",
    "/run/docker/plugins",
    "/run/docker",
    "/etc/docker",
)


class EngineUnavailable(RuntimeError):
    """The Docker engine cannot run here (not installed, or the daemon does not start)."""


def docker_cli():
    """Debian's docker CLI (``/usr/bin/docker``, the daemon's own version), else the one on PATH."""
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    return shutil.which("docker")


def _tool(name):
    for folder in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if os.access(Path(folder) / name, os.X_OK):
            return str(Path(folder) / name)
    return shutil.which(name)


def missing_tools():
    """The programs the engine needs that this machine lacks."""
    need = {
        "dockerd": _tool("dockerd"),
        "containerd": _tool("containerd"),
        "runc": _tool("runc"),
        "docker": docker_cli(),
        "debootstrap": _tool("debootstrap"),
    }
    return [name for name, path in need.items() if path is None]


def skip_reason():
    """Why these tests may be skipped here, or None.  Only not being root is a reason: as
    root a missing package or a daemon that does not start is a failure, said by
    ``DockerEngine.start``."""
    if os.geteuid() != 0:
        return "the Docker engine tests start their own dockerd, which needs root"
    return None


def unavailable_reason():
    """Why the engine cannot run here, or None (it may still fail to start: see ``start``)."""
    reason = skip_reason()
    if reason:
        return reason
    missing = missing_tools()
    if missing:
        return (
            f"{', '.join(missing)} not installed: run `.venv/bin/python "
            "tests/system_packages.py` as root, or `apt-get install docker.io debootstrap`"
        )
    return None


def available():
    return unavailable_reason() is None


# ----------------------------------------------------------------------------- cleanup helpers

_MNT_DETACH = 2


def _mounts_under(folder):
    """Mount points at or below ``folder`` in this mount namespace, deepest first."""
    folder = str(folder).rstrip("/")
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            point = line.split()[4]
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), point)
            if point == folder or point.startswith(folder + "/"):
                found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def unmount_under(folder):
    """Detach every mount at or below ``folder`` (lazily: a busy one goes when its users do)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for _attempt in range(5):
        points = _mounts_under(folder)
        if not points:
            return
        for point in points:
            libc.umount2(point.encode(), _MNT_DETACH)
    left = _mounts_under(folder)
    if left:
        raise RuntimeError(f"could not unmount {left}")


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]


def _cmdline(pid):
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _cgroup_dirs(name):
    """The folders of cgroup ``name`` (a top-level cgroup) in every hierarchy mounted here."""
    root = Path("/sys/fs/cgroup")
    found = [root / name] if (root / name).is_dir() else []
    if root.is_dir():
        found += [d / name for d in root.iterdir() if (d / name).is_dir()]
    return found


def _cgroup_pids(name):
    pids = set()
    for top in _cgroup_dirs(name):
        for procs in top.rglob("cgroup.procs"):
            with contextlib.suppress(OSError, ValueError):
                pids.update(int(p) for p in procs.read_text().split())
    return pids


def _run_group(cmd, timeout, **kwargs):
    """``subprocess.run`` in a process group of its own, all killed if this is interrupted."""
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "")


# ----------------------------------------------------------------------------- the engine


class DockerEngine:
    """A throwaway Docker daemon: ``start()``, ``docker(*args)``, ``stop()``.

    ``timings`` lists ``(step, seconds)`` of what was done with it (start, image builds, runs).
    """

    def __init__(self, parent=None):
        reason = unavailable_reason()
        if reason:
            raise EngineUnavailable(reason)
        self.cli = docker_cli()
        self.parent = Path(parent) if parent else None  #: where its folder goes (a temp dir)
        self.folder = None
        self.process = None
        self.cgroup = None
        self._made_dirs = []
        self.driver = None  #: the storage driver dockerd chose (overlay2 here)
        self.python_version = None  #: the base image's Python, "3.11" (after base_image)
        self.timings = []
        self.logs = {}  #: image tag -> its build's output
        self._images = {}  #: memo of the image helpers below
        self._slot_locks = []  #: the slots held for the containers' graders (``slots_folder``)

    # -- paths
    @property
    def socket(self):
        return self.folder / "docker.sock"

    @property
    def log(self):
        return self.folder / "dockerd.log"

    def env(self):
        """The docker CLI's environment: this daemon, a config of its own, the classic builder."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DOCKER_", "BUILDX_", "BUILDKIT_"))
        }
        env.update(
            DOCKER_HOST=f"unix://{self.socket}",
            DOCKER_CONFIG=str(self.folder / "cli"),
            DOCKER_BUILDKIT="0",
            DOCKER_CLI_HINTS="false",
        )
        return env

    @property
    def slots_folder(self):
        """The sandbox slots' lock folder the containers' graders see as ``/tmp/byhand-slots``.

        Docker does not remap uids, so a grader in a container runs student code as the
        same uid 61000 + slot as a grader on this host; the host's sweep of a slot's uid
        would kill the container's harness (seen when the tests ran in two processes).
        This folder holds the locks of slots 0 to 479 for as long as the engine lives, so
        a container claims 480 and up, which no grader or test on this host uses
        (``byhand_grader/sandbox/slots.py``; the tests' own fixed slots are 7, 100 to 479
        and 900 to 999; ``byhand grade`` claims the lowest free ones, Dask workers 500 up).
        """
        return self.folder / "slots"

    def _hold_host_slots(self, first=0, count=480):
        self.slots_folder.mkdir()
        for slot in range(first, first + count):
            lock = open(self.slots_folder / f"slot-{slot}.lock", "w")
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._slot_locks.append(lock)

    # -- life
    def start(self, timeout=60):
        started = time.monotonic()
        self._made_dirs = [d for d in SYSTEM_DIRS if not os.path.lexists(d)]
        parent = self.parent or (None if len(tempfile.gettempdir()) < 40 else "/tmp")
        self.folder = Path(tempfile.mkdtemp(prefix="byhand-docker-", dir=parent))
        self.cgroup = self.folder.name  # unique: byhand-docker-XXXXXXXX
        (self.folder / "cli").mkdir()
        self._hold_host_slots()
        # nothing of /etc/docker/daemon.json; dockerd 20.10's identity key here, not in /etc/docker
        (self.folder / "daemon.json").write_text(
            json.dumps({"deprecated-key-path": str(self.folder / "key.json")}) + "\n"
        )
        cmd = [
            _tool("dockerd"),
            "--config-file",
            str(self.folder / "daemon.json"),
            "--host",
            f"unix://{self.socket}",
            "--data-root",
            str(self.folder / "data"),
            "--exec-root",
            str(self.folder / "exec"),
            "--pidfile",
            str(self.folder / "docker.pid"),
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--cgroup-parent",
            "/" + self.cgroup,
            "--shutdown-timeout",
            "5",
        ]
        env = dict(os.environ)
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        with open(self.log, "ab") as log:
            # a session of its own: a Ctrl-C in the terminal reaches pytest, whose stop() ends it
            self.process = subprocess.Popen(
                cmd,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if (
                self.socket.exists()
                and self.docker(
                    "version", "--format", "{{.Server.Version}}", check=False, timeout=10
                ).returncode
                == 0
            ):
                self.driver = self.docker("info", "--format", "{{.Driver}}").stdout.strip()
                self.timings.append(("engine start", time.monotonic() - started))
                return self
            time.sleep(0.1)
        raise EngineUnavailable(
            f"dockerd did not start (exit {self.process.poll()}) as root: {self._log_tail()}\n"
            "(installed: `.venv/bin/python tests/system_packages.py`; it needs root, cgroups "
            "and overlay mounts, as a CI runner or a privileged container has)"
        )

    def _log_tail(self, n=3000):
        try:
            return self.log.read_text(errors="replace").strip()[-n:]
        except OSError:
            return "(no dockerd log)"

    def docker(self, *args, check=True, input=None, timeout=600, text=True):
        """Run the docker CLI against this daemon; return the CompletedProcess (output captured)."""
        proc = subprocess.run(
            [self.cli, *map(str, args)],
            env=self.env(),
            input=input,
            capture_output=True,
            timeout=timeout,
            check=False,
            **({"encoding": "utf-8", "errors": "replace"} if text else {}),
        )
        if check and proc.returncode != 0:
            err = proc.stderr if text else proc.stderr.decode(errors="replace")
            out = proc.stdout if text else b""
            raise RuntimeError(
                f"docker {' '.join(map(str, args))[:300]} failed (exit "
                f"{proc.returncode}): {(out + err).strip()[-3000:]}"
            )
        return proc

    def processes(self):
        """Pids of what this engine started that still run: the daemon, its containerd, the
        shims (their command lines name the folder) and the containers' processes (its cgroup)."""
        if self.folder is None:
            return set()
        mine = {pid for pid in _pids() if str(self.folder) in _cmdline(pid)}
        return mine | _cgroup_pids(self.cgroup)

    def mounts(self):
        return _mounts_under(self.folder) if self.folder else []

    def stop(self):
        """Remove the containers, stop the daemon, kill what is left; unmount, remove the folder."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(Exception):
                ids = self.docker("ps", "-aq", check=False, timeout=30).stdout.split()
                if ids:
                    self.docker("rm", "-f", *ids, check=False, timeout=120)
            self.process.send_signal(signal.SIGTERM)  # it stops its containerd
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.folder is not None:
            for _attempt in range(50):  # containerd, shims, container processes left over
                left = self.processes()
                if not left:
                    break
                for pid in left:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.1)
            try:
                unmount_under(self.folder)
            finally:
                for top in _cgroup_dirs(self.cgroup):
                    for sub in sorted(
                        (d for d in top.rglob("*") if d.is_dir()),
                        key=lambda d: len(d.parts),
                        reverse=True,
                    ) + [top]:
                        with contextlib.suppress(OSError):
                            sub.rmdir()
                for lock in self._slot_locks:
                    lock.close()
                self._slot_locks = []
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder = None
                for made in self._made_dirs:  # those this engine made, if left empty
                    with contextlib.suppress(OSError):
                        os.rmdir(made)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:  # an engine that half started is stopped all the same
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # -- small helpers
    def timed(self, step):
        """A context manager adding ``(step, seconds)`` to ``timings``."""

        @contextlib.contextmanager
        def timer():
            t0 = time.monotonic()
            try:
                yield
            finally:
                self.timings.append((step, time.monotonic() - t0))

        return timer()

    def image_exists(self, tag):
        return self.docker("image", "inspect", tag, check=False).returncode == 0

    def scratch(self, name):
        """A new folder of this engine's (removed with it)."""
        path = self.folder / "work" / f"{name}-{secrets.token_hex(4)}"
        path.mkdir(parents=True)
        return path


# ----------------------------------------------------------------------------- base image


def _cache_lock(cache):
    """A lock on the download cache, held while a download fills it: the two image builds
    of one engine run in threads, and ``make test``'s processes may share the cache."""
    from filelock import FileLock

    Path(cache).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(cache) / ".lock"))


def debian_tarball(cache=CACHE, suite=SUITE, mirror=MIRROR, packages=BASE_PACKAGES, timeout=900):
    """The root file system tarball of the base image: the newest cached one, else debootstrap's.

    Named ``<suite>-<YYYYMMDD>-<recipe>.tar``; a new recipe (packages, mirror) makes a new one.
    """
    recipe = hashlib.sha256(repr((suite, mirror, tuple(packages), 1)).encode()).hexdigest()[:8]
    cache = Path(cache)
    cached = sorted(cache.glob(f"{suite}-*-{recipe}.tar"))
    if cached:
        return cached[-1]
    if os.geteuid() != 0:
        raise EngineUnavailable("debootstrap needs root")
    with _cache_lock(cache):
        cached = sorted(cache.glob(f"{suite}-*-{recipe}.tar"))  # made while this waited
        return (
            cached[-1] if cached else _debootstrap(cache, suite, mirror, packages, recipe, timeout)
        )


def _debootstrap(cache, suite, mirror, packages, recipe, timeout):
    """Make the tarball of ``debian_tarball`` in ``cache`` (under its lock); its path."""
    work = Path(tempfile.mkdtemp(prefix=".debootstrap-", dir=cache))
    try:
        root = work / "root"
        proc = _run_group(
            [
                _tool("debootstrap"),
                "--variant=minbase",
                "--include=" + ",".join(packages),
                suite,
                str(root),
                mirror,
            ],
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"debootstrap {suite} failed (exit {proc.returncode}): "
                f"{proc.stdout.strip()[-3000:]}"
            )
        unmount_under(root)
        for deb in (root / "var/cache/apt/archives").glob("*.deb"):
            deb.unlink()
        for item in (root / "var/lib/apt/lists").glob("*"):
            if item.is_file():
                item.unlink()
        python = root / "usr/local/bin/python"  # as python:3.x images have it
        if not os.path.lexists(python):
            python.symlink_to("/usr/bin/python3")
        out = cache / f"{suite}-{time.strftime('%Y%m%d', time.gmtime())}-{recipe}.tar"
        tmp = work / "rootfs.tar"
        proc = _run_group(
            [
                "tar",
                "--numeric-owner",
                "-C",
                str(root),
                "-cf",
                str(tmp),
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                ".",
            ],
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tar failed: {proc.stdout.strip()[-2000:]}")
        tmp.replace(out)
        return out
    finally:
        with contextlib.suppress(Exception):
            unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)


def base_image(engine):
    """The base image's tag: Debian bookworm with python3 (``python`` too) and venv, imported
    from ``debian_tarball()``, also tagged ``python:<version>-slim``.  Once per engine."""
    if "base" in engine._images:
        return engine._images["base"]
    with engine.timed("base tarball (debootstrap, or the cached one)"):
        tarball = debian_tarball()
    with engine.timed("docker import of the base"):
        engine.docker(
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--change",
            "ENV LANG=C.UTF-8",
            "--change",
            'CMD ["bash"]',
            str(tarball),
            BASE_IMAGE,
            timeout=600,
        )
    version = engine.docker(
        "run",
        "--rm",
        "--network",
        "none",
        BASE_IMAGE,
        "python3",
        "-c",
        "import sys; print('%d.%d' % sys.version_info[:2])",
    ).stdout.strip()
    engine.python_version = version
    engine.docker("tag", BASE_IMAGE, f"python:{version}-slim")
    engine._images["base"] = BASE_IMAGE
    return BASE_IMAGE


# ----------------------------------------------------------------------------- wheelhouse


def _target_options(python_version):
    """``pip download`` options for the base image's Python (cp3.11, glibc 2.36, this machine)."""
    import platform

    arch = platform.machine()
    nodot = python_version.replace(".", "")
    opts = [
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--abi",
        f"cp{nodot}",
    ]
    # pip does not widen a custom manylinux_2_X platform to the older ones: name them all
    for minor in range(36, 4, -1):
        opts += ["--platform", f"manylinux_2_{minor}_{arch}"]
    for legacy in ("manylinux2014", "manylinux2010", "manylinux1"):
        opts += ["--platform", f"{legacy}_{arch}"]
    return opts


def _pip(*args, timeout=1800):
    return _run_group([sys.executable, "-m", "pip", *args], timeout=timeout)


def wheelhouse(requirements, python_version="3.11", cache=CACHE):
    """A folder of wheels from which ``requirements`` installs with no index; reused when done.

    torch (``torch==X`` in ``requirements``) is taken from ``PIP_FIND_LINKS`` when a wheel of
    it is there (this machine's ``/opt/wheels``), else from PyTorch's CPU index; everything
    else from PyPI, for the base image's Python.  One folder serves every requirements file:
    ``.complete-<hash>`` marks those already satisfied.
    """
    text = Path(requirements).read_text(encoding="utf-8")
    key = hashlib.sha256((text + python_version).encode()).hexdigest()[:16]
    folder = Path(cache) / f"wheels-py{python_version}"
    marker = folder / f".complete-{key}"
    if marker.exists():
        return folder
    with _cache_lock(cache):
        if not marker.exists():  # else another build filled it while this one waited
            _download_wheels(requirements, text, folder, python_version, key)
    return folder


def _download_wheels(requirements, text, folder, python_version, key):
    """Fill ``folder`` with the wheels of ``requirements`` (whose text is ``text``); mark it
    complete (``.complete-<key>``)."""
    marker = folder / f".complete-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    target = _target_options(python_version)
    constraints = folder / f".constraints-{key}.txt"
    constraints.write_text("")
    torch = re.search(r"^torch==(\S+)", text, re.M)
    if torch:
        spec = f"torch=={torch.group(1)}"
        proc = _pip(
            "download",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--find-links",
            str(folder),
            "--dest",
            str(folder),
            *target,
            spec,
        )  # PIP_FIND_LINKS, or already here
        if proc.returncode != 0:
            proc = _pip(
                "download",
                "--quiet",
                "--no-deps",
                "--dest",
                str(folder),
                *target,
                "--index-url",
                TORCH_CPU_INDEX,
                "--timeout",
                "30",
                "--retries",
                "1",
                spec,
            )
        if proc.returncode != 0:
            raise RuntimeError(
                f"no wheel of {spec} for the container: neither PIP_FIND_LINKS "
                f"nor {TORCH_CPU_INDEX} has it: {proc.stdout.strip()[-2000:]}"
            )
        # the CPU build found (2.13.0+cpu), never PyPI's CUDA build of the same number
        nodot = python_version.replace(".", "")
        wheels = sorted(folder.glob(f"torch-{torch.group(1)}*-cp{nodot}-*.whl"))
        if wheels:
            constraints.write_text(f"torch=={wheels[-1].name.split('-')[1]}\n")
    proc = _pip(
        "download",
        "--quiet",
        "--dest",
        str(folder),
        "--find-links",
        str(folder),
        *target,
        "-c",
        str(constraints),
        "-r",
        str(requirements),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pip download of {requirements} failed: {proc.stdout.strip()[-3000:]}")
    marker.write_text(text)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_folder(folder):
    """Serve ``folder`` on a free port of 127.0.0.1; yield its URL (a pip find-links page)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _build(engine, tag, context, dockerfile, wheels, step, timeout=1800):
    """``docker build`` on the host network with the wheelhouse as build arguments."""
    with serve_folder(wheels) as url, engine.timed(step):
        proc = engine.docker(
            "build",
            "--network",
            "host",
            "--force-rm",
            "-t",
            tag,
            "-f",
            str(dockerfile),
            "--build-arg",
            "PIP_NO_INDEX=1",
            "--build-arg",
            f"PIP_FIND_LINKS={url}",
            str(context),
            check=False,
            timeout=timeout,
        )
    engine.logs[tag] = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(
            f"docker build of {tag} failed (exit {proc.returncode}):\n"
            f"{engine.logs[tag].strip()[-4000:]}"
        )
    return tag


def _digest(path):
    path = Path(path)
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        h.update(str(f.relative_to(path) if f != path else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


# ----------------------------------------------------------------------------- Gradescope


def gradescope_image(engine, zip_path, tag=None):
    """The image Gradescope makes of an autograder zip: the zip in ``/autograder/source``,
    ``run_autograder`` copied to ``/autograder/``, ``setup.sh`` run as root; its tag.

    The build's output (its last line: ``sandbox: ...``) is ``engine.logs[tag]``.
    """
    key = ("gradescope", _digest(zip_path))
    if key in engine._images:
        return engine._images[key]
    base = base_image(engine)
    tag = tag or f"byhand-test/gradescope:{key[1]}"
    context = engine.scratch("gradescope-build")
    extract_zip(zip_path, context / "source")  # as Gradescope unpacks it
    with engine.timed("wheelhouse (download, or the cached one)"):
        wheels = wheelhouse(context / "source" / "requirements.txt", engine.python_version)
    (context / "Dockerfile").write_text(GRADESCOPE_DOCKERFILE.format(base=base))
    _build(engine, tag, context, context / "Dockerfile", wheels, "gradescope image (setup.sh)")
    shutil.rmtree(context)
    engine._images[key] = tag
    return tag


@dataclass
class ContainerRun:
    """One submission's container, stopped and kept (for ``files``/``read``/``changes``)."""

    engine: DockerEngine
    container: str
    returncode: int
    results: dict  #: the results.json, or None when none was written
    log: str  #: the container's output (stdout and stderr)
    seconds: float
    timed_out: bool = False
    grade: Path = None  #: PrairieLearn: the host folder mounted as /grade

    def __iter__(self):  # rc, results, log, seconds = run_gradescope(...)
        return iter((self.returncode, self.results, self.log, self.seconds))

    def _tar(self, path):
        proc = self.engine.docker("cp", f"{self.container}:{path}", "-", text=False, check=False)
        if proc.returncode != 0:
            raise FileNotFoundError(
                f"{path} in {self.container}: {proc.stderr.decode(errors='replace').strip()}"
            )
        return tarfile.open(fileobj=io.BytesIO(proc.stdout))

    def files(self, path):
        """Every file and folder below ``path`` in the container, relative to it, sorted."""
        with self._tar(path) as tar:
            names = [m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name]
        return sorted(names)

    def read(self, path):
        """The bytes of the file ``path`` in the container."""
        with self._tar(path) as tar:
            member = next(m for m in tar.getmembers() if m.isfile())
            return tar.extractfile(member).read()

    def exists(self, path):
        return (
            self.engine.docker(
                "cp", f"{self.container}:{path}", "-", text=False, check=False
            ).returncode
            == 0
        )

    def changes(self):
        """``docker diff``: ``(kind, path)`` of what the run added (A), changed (C), deleted (D)."""
        out = self.engine.docker("diff", self.container).stdout
        return [tuple(line.split(" ", 1)) for line in out.splitlines() if line.strip()]

    def remove(self):
        self.engine.docker("rm", "-f", self.container, check=False)


def _start(engine, name, timeout):
    """``docker start -a``; kill it after ``timeout`` seconds.  (output, exit code, timed out)."""
    t0 = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.run(
            [engine.cli, "start", "-a", name],
            env=engine.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        out = proc.stdout
    except subprocess.TimeoutExpired as err:
        timed_out = True
        engine.docker("kill", name, check=False)
        out = err.stdout or b""
    seconds = time.monotonic() - t0
    engine.docker("wait", name, check=False, timeout=60)
    code = engine.docker("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    log = out.decode(errors="replace").replace("\r\n", "\n")
    return log, int(code), timed_out, seconds


def run_gradescope(
    engine,
    image,
    notebook,
    student_id,
    *,
    extra_files=None,
    metadata=None,
    limits=GRADESCOPE_LIMITS,
    timeout=1200,
):
    """Grade ``notebook`` in a fresh container of ``image`` as Gradescope does; a ``ContainerRun``.

    The notebook (and ``extra_files``: paths, or {name: a Path to copy, or the bytes or str
    to write}) goes in
    ``/autograder/submission/``, ``submission_metadata.json`` (``metadata``, or one naming
    ``student_id``) in ``/autograder/``; ``/autograder/run_autograder`` runs as root on
    ``--network none`` with Docker's default seccomp profile and capabilities.
    """
    notebook = Path(notebook)
    name = f"gradescope-{secrets.token_hex(6)}"
    stage = engine.scratch(name)
    submission = stage / "submission"
    submission.mkdir()
    shutil.copy2(notebook, submission / notebook.name)
    items = (
        extra_files.items()
        if isinstance(extra_files, dict)
        else ((Path(p).name, Path(p)) for p in (extra_files or ()))
    )
    for rel, content in items:
        dest = submission / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy2(content, dest)
        else:
            dest.write_bytes(content.encode() if isinstance(content, str) else content)
    metadata = metadata or {
        "id": 1,
        "created_at": "2026-01-01T00:00:00.000000-00:00",
        "submission_method": "upload",
        "users": [
            {
                "id": student_id,
                "name": student_id,
                "email": f"{student_id}@example.org",
                "sid": student_id,
            }
        ],
        "assignment": {"id": 1, "title": notebook.stem},
        "previous_submissions": [],
    }
    (stage / "submission_metadata.json").write_text(json.dumps(metadata))
    engine.docker(
        "create",
        "--name",
        name,
        "--network",
        "none",
        *limits,
        "-v",
        f"{engine.slots_folder}:/tmp/byhand-slots",
        "-w",
        "/autograder",
        image,
        "/autograder/run_autograder",
    )
    engine.docker("cp", f"{submission}/.", f"{name}:/autograder/submission")
    engine.docker(
        "cp",
        str(stage / "submission_metadata.json"),
        f"{name}:/autograder/submission_metadata.json",
    )
    log, code, timed_out, seconds = _start(engine, name, timeout)
    engine.timings.append(("gradescope run", seconds))
    run = ContainerRun(engine, name, code, None, log, seconds, timed_out)
    if run.exists("/autograder/results/results.json"):
        run.results = json.loads(run.read("/autograder/results/results.json"))
    return run


# ----------------------------------------------------------------------------- PrairieLearn


def prairielearn_image(engine, folder, tag=None):
    """``docker build`` of ``folder/image/`` with its own Dockerfile; the image's tag.

    ``FROM python:X-slim`` is the base image tagged so (no pull); the wheelhouse comes in
    as build arguments, declared by two ``ARG`` lines added after each ``FROM`` of a copy
    of the Dockerfile (the folder is not changed).  The output is ``engine.logs[tag]``.
    """
    image_dir = Path(folder) / "image"
    key = ("prairielearn", _digest(image_dir))
    if key in engine._images:
        return engine._images[key]
    base_image(engine)
    text = (image_dir / "Dockerfile").read_text(encoding="utf-8")
    for found in re.findall(r"^\s*FROM\s+(\S+)", text, re.M | re.I):
        if found != f"python:{engine.python_version}-slim" and not engine.image_exists(found):
            raise RuntimeError(
                f"{image_dir / 'Dockerfile'} starts FROM {found}, which this "
                f"engine does not have (it has python:{engine.python_version}-slim "
                "from the Debian base, and pulls nothing)"
            )
    injected = re.sub(
        r"^(\s*FROM\s+.*)$", r"\1\nARG PIP_NO_INDEX\nARG PIP_FIND_LINKS", text, flags=re.M | re.I
    )
    dockerfile = engine.scratch("prairielearn-build") / "Dockerfile"
    dockerfile.write_text(injected)
    with engine.timed("wheelhouse (download, or the cached one)"):
        wheels = wheelhouse(image_dir / "requirements.txt", engine.python_version)
    tag = tag or f"byhand-test/prairielearn:{key[1]}"
    _build(engine, tag, image_dir, dockerfile, wheels, "prairielearn image (docker build)")
    engine._images[key] = tag
    return tag


def run_prairielearn(
    engine,
    image,
    folder,
    notebook,
    *,
    variant_seed=1,
    data=None,
    limits=PRAIRIELEARN_LIMITS,
    timeout=900,
):
    """Run one PrairieLearn grading job of ``notebook`` in a fresh container; a ``ContainerRun``.

    ``/grade`` is a host folder (``run.grade``) bind-mounted as the grader host does, with
    ``serverFilesCourse/byhand-<a>/`` from ``folder``, ``student/<notebook>`` and
    ``data/data.json``; the entrypoint is ``/grade/serverFilesCourse/byhand-<a>/run.sh``,
    on ``--network none`` with Docker's default seccomp profile and capabilities.
    """
    bundles = sorted((Path(folder) / "serverFilesCourse").glob("byhand-*"))
    if len(bundles) != 1:
        raise FileNotFoundError(f"{folder} holds no single serverFilesCourse/byhand-<a>/")
    notebook = Path(notebook)
    name = f"prairielearn-{secrets.token_hex(6)}"
    grade = engine.scratch(name) / "grade"
    shutil.copytree(bundles[0], grade / "serverFilesCourse" / bundles[0].name)
    (grade / "student").mkdir()
    shutil.copy2(notebook, grade / "student" / notebook.name)
    (grade / "data").mkdir()
    data = data or {
        "params": {},
        "correct_answers": {},
        "submitted_answers": {},
        "format_errors": {},
        "partial_scores": {},
        "score": 0,
        "feedback": {},
        "variant_seed": variant_seed,
        "options": {},
        "raw_submitted_answers": {},
        "gradable": True,
    }
    (grade / "data" / "data.json").write_text(json.dumps(data))
    entrypoint = f"/grade/serverFilesCourse/{bundles[0].name}/run.sh"
    run_sh = grade / entrypoint[len("/grade/") :]
    run_sh.chmod(run_sh.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    engine.docker(
        "create",
        "--name",
        name,
        "--network",
        "none",
        *limits,
        "-t",
        "-v",
        f"{grade}:/grade",
        "-v",
        f"{engine.slots_folder}:/tmp/byhand-slots",
        "--entrypoint",
        entrypoint,
        image,
    )
    log, code, timed_out, seconds = _start(engine, name, timeout)
    engine.timings.append(("prairielearn run", seconds))
    run = ContainerRun(engine, name, code, None, log, seconds, timed_out, grade)
    results = grade / "results" / "results.json"
    if results.is_file():
        run.results = json.loads(results.read_text(encoding="utf-8"))
    return run
