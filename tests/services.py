"""Real services the tests start for themselves: a PostgreSQL server on loopback.

A gradebook in PostgreSQL is tested against a real server, never a mock:
Debian's ``postgresql`` (``tests/system_packages.py`` installs it), initialised
in a temporary folder and listening on a free port of 127.0.0.1 only, with
trust authentication for the one user it has.  PostgreSQL refuses to run as
root, so as root the server runs as the unprivileged ``postgres`` user, which
owns the temporary folder.  The server is stopped and its folder removed when
the session ends, whether the tests passed or not.

Use it from a test module with a fixture of the scope it needs::

    @pytest.fixture(scope="module")
    def postgresql():
        with PostgresServer() as server:      # stopped when the module's tests end
            yield server

    def test_x(postgresql):
        url = postgresql.create_database("x")   # postgresql+psycopg://...
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: the one role of the test server, its superuser
USER = "byhand"
#: the unprivileged system user the server runs as when the tests run as root
SYSTEM_USER = "postgres"


def postgres_bindir():
    """The newest installed PostgreSQL's ``bin`` folder (Debian keeps it off PATH), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port():
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL server: ``start()``, ``create_database(name)``, ``stop()``."""

    def __init__(self, bindir=None):
        self.bindir = Path(bindir) if bindir else postgres_bindir()
        if self.bindir is None or not (self.bindir / "initdb").exists():
            raise RuntimeError(
                "PostgreSQL is not installed (no initdb): run "
                "`.venv/bin/python tests/system_packages.py` as root, or "
                "`apt-get install postgresql`"
            )
        self.folder = None
        self.port = None
        self.process = None
        as_root = os.geteuid() == 0
        self._user = (
            {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []} if as_root else {}
        )

    @property
    def log(self):
        return self.folder / "server.log"

    def _run(self, *args):
        proc = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.folder,
            capture_output=True,
            text=True,
            check=False,
            **self._user,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed (exit {proc.returncode}): "
                f"{(proc.stdout + proc.stderr).strip()[-2000:]}"
            )

    def start(self, timeout=60):
        self.folder = Path(tempfile.mkdtemp(prefix="byhand-postgres-"))
        if self._user:
            shutil.chown(self.folder, SYSTEM_USER, SYSTEM_USER)
        data = self.folder / "data"
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            USER,
            "-A",
            "trust",
            "--no-sync",
            "--no-locale",
            "-E",
            "UTF8",
        )
        for _attempt in range(3):  # the free port may be taken between asking and binding
            self.port = free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [
                        str(self.bindir / "postgres"),
                        "-D",
                        str(data),
                        "-p",
                        str(self.port),
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        f"unix_socket_directories={self.folder}",
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                        "-c",
                        "max_connections=200",
                    ],
                    cwd=self.folder,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    **self._user,
                )
            if self._wait_ready(timeout):
                return self
        raise RuntimeError(f"the PostgreSQL server did not start: {self._log_tail()}")

    def _wait_ready(self, timeout):
        import psycopg

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                psycopg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=USER,
                    dbname="postgres",
                    connect_timeout=2,
                ).close()
                return True
            except psycopg.OperationalError:
                time.sleep(0.1)
        self.process.kill()
        self.process.wait()
        return False

    def _log_tail(self):
        try:
            return self.log.read_text(errors="replace").strip()[-2000:]
        except OSError:
            return "(no server log)"

    def url(self, database):
        """The SQLAlchemy URL nbgrader's ``db_url`` takes for a database of this server."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        """Create an empty database (nbgrader does not create one); return its URL."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self):
        """Immediate shutdown (SIGQUIT: its data is thrown away), then remove the folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:  # a server that half started is stopped all the same
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
