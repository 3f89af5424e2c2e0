"""Install the Debian packages the tests need, when missing (run by ``make``'s setup).

The tests start their own services from these: a PostgreSQL server on a
loopback port in a temporary folder (``postgresql``), and a headless Chromium
that Playwright drives (``chromium``; Playwright's own browser downloads are not
used), and a Docker engine in a temporary folder that runs the Gradescope and
PrairieLearn autograders as those platforms do (``docker.io``: dockerd,
containerd, runc and the CLI) in a Debian image that ``debootstrap`` makes
(``tests/docker_engine.py``; no image is pulled).  As root on Debian/Ubuntu
they are installed with apt-get; anywhere else this prints what to install and
the tests that need them say so when they fail.

Usage:  .venv/bin/python tests/system_packages.py
"""

import glob
import os
import shutil
import subprocess
import sys


def _program(name):
    """Whether the program is installed (sbin too, which is not on a user's PATH)."""
    return shutil.which(name) is not None or any(
        os.access(os.path.join(folder, name), os.X_OK) for folder in ("/usr/sbin", "/sbin")
    )


#: Debian package -> how to tell it is installed
PACKAGES = {
    "postgresql": lambda: bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")),
    "chromium": lambda: shutil.which("chromium") is not None,
    # a Docker engine already installed some other way (docker-ce, moby) serves as well
    "docker.io": lambda: all(map(_program, ("dockerd", "containerd", "runc", "docker"))),
    "debootstrap": lambda: _program("debootstrap"),
}


def missing():
    return [name for name, present in PACKAGES.items() if not present()]


def install(names):
    """Install ``names`` with apt-get; return those still missing afterwards."""
    if names and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *names]
        if (
            subprocess.run(
                cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
            ).returncode
            != 0
        ):
            subprocess.run(
                ["apt-get", "update", "-q"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return missing()


def main():
    left = install(missing())
    if left:
        print(
            "the tests need these Debian packages, not installed here: "
            + " ".join(left)
            + f"  (as root: apt-get install {' '.join(left)})",
            file=sys.stderr,
        )
    else:
        print("system packages for the tests: " + ", ".join(PACKAGES) + " present")


if __name__ == "__main__":
    main()
