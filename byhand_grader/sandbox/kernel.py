"""A Jupyter kernel that runs inside the byhand sandbox.

nbgrader executes notebooks in the kernel named by ``Execute.kernel_name``;
after ``install_kernelspec()`` that can be ``byhand-sandbox``.  Its ``main()``
starts an ordinary ipykernel under ``byhand_grader.sandbox`` confinement: it hides
what the grading harness hides (``exposed.hidden_paths``: the course, the
folders around it and the usual homes of users) except the venv and the
``byhand`` package, the current
directory (nbgrader's ``autograded/<student>/<assignment>/``) is the only
writable host directory, and the usual limits apply.  Two things differ from
``run_sandboxed``: the network namespace is shared, because the kernel talks
to its client over TCP on loopback, and the connection file, which lives in
jupyter's root-only runtime directory, is copied in (bwrap's tier: a file bound into
the sandbox; the container tier, which has no mounts: a copy in the working folder,
removed afterwards, with the course closed first).

Parameters are the kernel's own command-line options, never the environment:
the grader passes them through nbgrader's ``Execute.extra_arguments``, which
nbclient appends to the kernelspec's argv.  ``--course DIR`` (hidden as well;
without it only what the sandbox shows anyway is visible), ``--slot N`` (the
worker index, which picks the sandbox uid; default 0), and ``--wall-s``,
``--cpu-s``, ``--memory-bytes`` for the kernel's limits (defaults: 30 min wall
clock and 10 min CPU for the whole notebook, ``Limits()`` memory).  Everything
else goes to ipykernel.
"""

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from . import confinement
from .container import close
from .exposed import CODE, hidden_paths, python_path, readable_paths
from .run import _run, Limits
from .tiers import BWRAP, CONTAINER, RLIMITS

#: The kernelspec's name: what ``Execute.kernel_name`` selects.
KERNEL_NAME = "byhand-sandbox"
CONNECTION = "/tmp/byhand-kernel-connection.json"


def install_kernelspec(prefix=sys.prefix, name=KERNEL_NAME):
    """Write ``<prefix>/share/jupyter/kernels/<name>/kernel.json``; return its directory.

    Interrupts go as messages: a signal sent to this wrapper cannot reach the
    kernel inside the sandbox's pid namespace.
    """
    spec = {
        "argv": [sys.executable, "-m", "byhand_grader.sandbox.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (byhand sandbox)",
        "language": "python",
        "interrupt_mode": "message",
        "env": {"PYTHONPATH": python_path()},
        "metadata": {"debugger": False},
    }
    folder = Path(prefix, "share", "jupyter", "kernels", name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


def kernel_arguments(course_root, slot):
    """What the grader appends to the kernel's argv (``Execute.extra_arguments``)."""
    return ["--course", str(Path(course_root).resolve()), "--slot", str(int(slot))]


def parse_arguments(argv):
    """``(options, the rest for ipykernel)``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", dest="connection_file", required=True)
    parser.add_argument(
        "--course", type=Path, default=None, help="the course directory to hide from student code"
    )
    parser.add_argument("--slot", type=int, default=0, help="the grading worker's index")
    parser.add_argument("--wall-s", type=float, default=1800.0)
    parser.add_argument("--cpu-s", type=int, default=600)
    parser.add_argument("--memory-bytes", type=int, default=Limits.memory_bytes)
    return parser.parse_known_args(argv)


def kernel_limits(options):
    return Limits(wall_s=options.wall_s, cpu_s=options.cpu_s, memory_bytes=options.memory_bytes)


def _stop(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    args, kernel_args = parse_arguments(argv)

    read_end, write_end = os.pipe()
    os.write(write_end, Path(args.connection_file).read_bytes())  # < 1 KiB: fits the pipe
    os.close(write_end)

    # SystemExit inside the sandbox's wait kills the kernel and hands workdir back.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    signal.signal(signal.SIGINT, lambda *_: None)  # interrupts arrive as messages

    found = confinement()
    if not found.confined:
        print(f"byhand sandbox: WARNING, kernel NOT confined: {found.sentence}", file=sys.stderr)
    workdir = Path.cwd()
    connection = {BWRAP: CONNECTION, RLIMITS: args.connection_file}.get(
        found.tier, str(workdir / ".byhand-kernel-connection.json")
    )
    if found.tier == CONTAINER:
        # no mounts to place it with: a copy in the workdir, which the sandbox uid owns
        # for the run, removed afterwards
        if args.course is not None:
            close([args.course], keep=readable_paths())
        Path(connection).write_bytes(Path(args.connection_file).read_bytes())
    outcome = _run(
        [sys.executable, "-m", "ipykernel_launcher", "-f", connection, *kernel_args],
        workdir=workdir,
        hide=hidden_paths(args.course),
        readable=[sys.prefix, CODE[0]],
        limits=kernel_limits(args),
        slot=args.slot,
        env={
            "PYTHONPATH": python_path(),
            "IPYTHONDIR": "/tmp/ipython",
            "MPLCONFIGDIR": "/tmp/matplotlib",
            "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
            "XDG_CACHE_HOME": "/tmp/cache",
        },
        share_net=True,
        files=[(read_end, CONNECTION)] if found.tier == BWRAP else [],
        tier=found.tier,
    )
    if found.tier == CONTAINER:
        Path(connection).unlink(missing_ok=True)
    if outcome.ok:
        return 0
    # The kernel's own log is only worth showing when it did not end normally.
    sys.stderr.buffer.write(outcome.stderr)
    print(f"byhand sandbox: kernel {outcome.reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
