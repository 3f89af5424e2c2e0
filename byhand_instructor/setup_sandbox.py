"""Verb ``setup-sandbox``: make sure student code can be confined on this machine.

Grading runs student code under bubblewrap (``bwrap``), or, as root in a
container that refuses namespaces, under the sandbox's container tier.  This
installs bubblewrap with apt when we are root on Debian/Ubuntu and it is missing,
installs the ``byhand-sandbox`` Jupyter kernel into the current environment (for
``grade --execute`` and plain ``nbgrader autograde``), compiles the bytecode of the
code the sandbox reads (``compile_code``), and then checks which tier really works.
With neither, grading still runs, with rlimits only, and says so loudly.
"""

import compileall
import os
import shutil
import subprocess

from byhand_grader import sandbox
from byhand_grader.sandbox.exposed import CODE
from byhand_grader.sandbox.kernel import install_kernelspec


def compile_code(folders=CODE):
    """Write the bytecode of ``folders`` (the given package and the grader); False when a
    module there could not be compiled or its bytecode not written.

    The sandbox shows this code read-only, so a harness or a kernel in it can never cache
    the modules it compiles: without this every one of them compiles the given package and
    the grader again at its start, and so does every process where
    ``PYTHONDONTWRITEBYTECODE`` is set.  A module edited later is compiled
    from its source again, as Python does for any stale bytecode."""
    return all([compileall.compile_dir(str(f), quiet=1) for f in folders])


def setup_sandbox(install=True):
    """Return ``(confined, message)`` after installing what can be installed."""
    if install and shutil.which("bwrap") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "bubblewrap"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            check=False,
        )
        sandbox.check._self_check.cache_clear()
    kernel_dir = install_kernelspec()
    compile_code()
    found = sandbox.confinement()
    if found.confined:
        return True, f"sandbox: {found.sentence}; kernel in {kernel_dir}"
    return False, (
        "WARNING: student code will NOT be confined while grading: "
        + found.sentence
        + ". Install bubblewrap (Debian/Ubuntu: apt-get install "
        "bubblewrap), or grade as root for the container tier, and run "
        "`byhand setup-sandbox` again."
    )
