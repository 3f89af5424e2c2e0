"""A real JupyterLab with nbgrader's extensions, real Chromium, a course graded by `byhand grade`.

One server for the whole browser session (starting JupyterLab and loading it in
Chromium costs seconds each): its root holds ``course/``, a copy of this course
with a few sample-class students in its own ``submitted/``, graded by
``byhand grade`` and with feedback generated, and ``student/``, a student's
folder.  The server runs with its own configuration, runtime and data folders
in a temporary directory (``JUPYTER_CONFIG_DIR`` and the like, set for the
server's process only), its own config file (``--config``: nbgrader's server
extensions enabled, settings and workspaces folders of its own, no news
fetched), listens on a free port of 127.0.0.1 with a random token, and is
stopped, kernels and all, when the session ends, whether the tests passed or
not.  Chromium is Debian's (``/usr/bin/chromium``; ``tests/system_packages.py``
installs it): Playwright downloads no browser.  Every page blocks requests
that leave the machine, so nothing here passes thanks to the network.

Each step leaves a screenshot in ``tests/browser/screenshots/`` (not committed).
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from byhand_grader.course import Course
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.cli import main as byhand
from byhand_instructor.sample_class import write_sample_class

from ..repo import copy_course, COURSE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
#: the sample-class students graded for the session: a full score and the missing factor 2
STUDENTS = ("correct", "missing-factor-2")
#: how long JupyterLab may take to answer, on two busy cores
START_TIMEOUT = 120


@dataclass
class Lab:
    """A running JupyterLab server: where it listens, its token and the folders it serves."""

    base: str  #: http://127.0.0.1:PORT
    token: str
    root: Path  #: the server's root: course/ and student/
    course: Course
    student: Path  #: the student's folder, with the release notebook
    log: Path  #: the server's log

    def url(self, path, **query):
        """``base/path`` with the token (and ``query``), as a browser opens it."""
        args = "&".join([f"token={self.token}", *(f"{k}={v}" for k, v in query.items())])
        return f"{self.base}/{path.lstrip('/')}?{args}"

    def log_tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def shot(page, name):
    """Screenshot the page as ``screenshots/<name>.png``; return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


#: the impacts of axe-core's violations that fail a page (moderate and minor are reported)
AXE_FAILS = ("serious", "critical")


def axe_violations(page):
    """Run axe-core (``axe-playwright-python``'s copy, injected into the page: nothing is
    fetched) on the page as it stands; return ``(failing, others)``: one line per violated
    rule, ``impact rule-id: help (N nodes: first selectors)``, the serious and critical ones
    first."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    lines = {
        v["id"]: f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        + ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
        + ")"
        for v in found
    }
    failing = [lines[v["id"]] for v in found if v["impact"] in AXE_FAILS]
    return failing, [lines[v["id"]] for v in found if v["impact"] not in AXE_FAILS]


@pytest.fixture(scope="session")
def browser_root(tmp_path_factory):
    """``course/`` graded by ``byhand grade`` with feedback, and ``student/`` with the release."""
    root = tmp_path_factory.mktemp("browser")
    course = copy_course(root / "course", with_grader_tests=True)
    sample = root / "sample-class"
    write_sample_class(COURSE, sample)
    for student in STUDENTS:
        shutil.copytree(
            sample / "submitted" / student / "partb", course.submitted / student / "partb"
        )
    shutil.rmtree(sample)
    nbgrader(course, "generate_assignment", "partb", "--force")
    assert byhand(["grade", "partb", "--course", str(course.root), "--workers", "1"]) == 0
    nbgrader(course, "generate_feedback", "partb", "--force")
    student = root / "student"
    student.mkdir()
    shutil.copy2(course.release_notebook("partb"), student / "partb.ipynb")
    return root, course, student


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_config(root, port, token, where):
    """The server's own configuration: nbgrader's extensions on, nothing fetched from outside."""
    return {
        "ServerApp": {
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "allow_root": True,
            "root_dir": str(root),
            "jpserver_extensions": {
                "jupyterlab": True,
                "nbgrader.server_extensions.formgrader": True,
                "nbgrader.server_extensions.validate_assignment": True,
                "nbgrader.server_extensions.assignment_list": True,
                "nbgrader.server_extensions.course_list": True,
                # not part of these flows, and slow to start
                "jupyter_lsp": False,
                "jupyter_server_terminals": False,
            },
        },
        "IdentityProvider": {"token": token},
        "LabApp": {
            "news_url": None,
            "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            "user_settings_dir": str(where / "user-settings"),
            "workspaces_dir": str(where / "workspaces"),
        },
    }


#: JupyterLab settings: no news or update prompt over the notebook (they would cover what
#: the screenshots show), and every cell of a notebook in the page (no windowing), so a
#: test finds cell n as the n-th ``.jp-Cell``
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def _user_settings(where):
    for plugin, settings in USER_SETTINGS.items():
        path = where / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


def _wait_until_up(proc, base, token, log):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"JupyterLab did not answer in {START_TIMEOUT} s:\n{log.read_text()[-3000:]}"
    )


def _stop(proc):
    """Stop the server and everything it started (kernels, nbgrader's children): its group."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # kernels that outlived the server
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.fixture(scope="session")
def lab(browser_root, tmp_path_factory):
    """JupyterLab serving ``course/`` and ``student/``, with its own config and runtime folders."""
    root, course, student = browser_root
    where = tmp_path_factory.mktemp("jupyter")
    for name in ("config", "runtime", "data"):
        (where / name).mkdir()
    _user_settings(where)
    port, token = _free_port(), secrets.token_hex(16)
    config = where / "config" / "jupyter_server_config.json"
    config.write_text(json.dumps(_server_config(root, port, token, where), indent=1))
    # the server's own folders; the venv's scripts (nbgrader shells out to alembic) first
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(where / "config"),
        "JUPYTER_RUNTIME_DIR": str(where / "runtime"),
        "JUPYTER_DATA_DIR": str(where / "data"),
        "IPYTHONDIR": str(where / "ipython"),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    }
    env.pop("JUPYTERHUB_USER", None)
    log = where / "server.log"
    with open(log, "wb") as out:
        # cwd is the course: formgrader and Validate read its nbgrader_config.py from there
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", f"--config={config}"],
            cwd=course.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(proc, base, token, log)
        yield Lab(base, token, root, course, student, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


LOOPBACK = ("127.0.0.1", "localhost")


class Offline:
    """Aborts every request that would leave the machine (any host but loopback), and
    remembers them."""

    def __init__(self):
        self.blocked = []

    def __call__(self, route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("file:", "data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture
def offline():
    return Offline()


@pytest.fixture
def page(chromium, offline):
    """A fresh page, 1400 x 900, that cannot reach the network."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", offline)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
