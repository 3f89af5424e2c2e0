"""A Jupyter kernel that runs inside the byhand sandbox.

nbgrader executes notebooks in the kernel named by ``Execute.kernel_name``;
after ``install_kernelspec()`` that can be ``byhand-sandbox``.  Its ``main()``
starts an ordinary ipykernel under ``byhand.sandbox`` confinement: it hides
what the grading harness hides (``byhand.runner.hidden_paths``: the course, the
folders around it and the usual homes of users) except the venv and the
``byhand`` package, the current
directory (nbgrader's ``autograded/<student>/<assignment>/``) is the only
writable host directory, and the usual limits apply.  Two things differ from
``run_sandboxed``: the network namespace is shared, because the kernel talks
to its client over TCP on loopback, and the connection file, which lives in
jupyter's root-only runtime directory, is copied in.

Environment: ``BYHAND_COURSE_ROOT`` (hidden; default the repository root),
``BYHAND_SLOT`` (worker index, picks the sandbox uid; default 0), and
``BYHAND_WALL_S``, ``BYHAND_CPU_S``, ``BYHAND_MEMORY_BYTES`` to change the
kernel's limits (defaults: 30 min wall clock and 10 min CPU for the whole
notebook, ``Limits()`` memory).
"""

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from byhand import sandbox
from byhand.runner import hidden_paths

KERNEL_NAME = "byhand-sandbox"
PACKAGE = Path(__file__).resolve().parent
CONNECTION = "/tmp/byhand-kernel-connection.json"


def install_kernelspec(prefix=sys.prefix, name=KERNEL_NAME):
    """Write ``<prefix>/share/jupyter/kernels/<name>/kernel.json``; return its directory.

    Interrupts go as messages: a signal sent to this wrapper cannot reach the
    kernel inside the sandbox's pid namespace.
    """
    spec = {
        "argv": [sys.executable, "-m", "byhand.sandbox_kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (byhand sandbox)",
        "language": "python",
        "interrupt_mode": "message",
        "env": {"PYTHONPATH": str(PACKAGE.parent)},
        "metadata": {"debugger": False},
    }
    folder = Path(prefix, "share", "jupyter", "kernels", name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def kernel_limits(environ=os.environ):
    return sandbox.Limits(
        wall_s=float(environ.get("BYHAND_WALL_S", 1800)),
        cpu_s=int(environ.get("BYHAND_CPU_S", 600)),
        memory_bytes=int(environ.get("BYHAND_MEMORY_BYTES", sandbox.Limits.memory_bytes)),
    )


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", dest="connection_file", required=True)
    args, kernel_args = parser.parse_known_args(argv)  # the rest goes to ipykernel

    read_end, write_end = os.pipe()
    os.write(write_end, Path(args.connection_file).read_bytes())  # < 1 KiB: fits the pipe
    os.close(write_end)

    # SystemExit inside the sandbox's wait kills the kernel and hands workdir back.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    signal.signal(signal.SIGINT, lambda *_: None)  # interrupts arrive as messages

    course_root = Path(os.environ.get("BYHAND_COURSE_ROOT", PACKAGE.parent))
    confined, why = sandbox.sandbox_available()
    if not confined:
        print(f"byhand sandbox: WARNING, kernel NOT confined: {why}", file=sys.stderr)
    outcome = sandbox._run(
        [sys.executable, "-m", "ipykernel_launcher", "-f",
         CONNECTION if confined else args.connection_file, *kernel_args],
        workdir=os.getcwd(),
        hide=hidden_paths(course_root),
        readable=[sys.prefix, PACKAGE],
        limits=kernel_limits(),
        slot=int(os.environ.get("BYHAND_SLOT", 0)),
        env={
            "PYTHONPATH": str(PACKAGE.parent),
            "IPYTHONDIR": "/tmp/ipython",
            "MPLCONFIGDIR": "/tmp/matplotlib",
            "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
            "XDG_CACHE_HOME": "/tmp/cache",
        },
        share_net=True,
        files=[(read_end, CONNECTION)] if confined else [],
    )
    if outcome.ok:
        return 0
    # The kernel's own log is only worth showing when it did not end normally.
    sys.stderr.buffer.write(outcome.stderr)
    print(f"byhand sandbox: kernel {outcome.reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
