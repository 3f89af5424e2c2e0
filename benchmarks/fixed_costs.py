"""What seven fixed costs of grading take, against nbgrader's and Python's obvious way, in one run.

1. A new gradebook's schema stamp: nbgrader 0.9.6 runs the ``alembic heads`` command
   for it (``nbgrader.api.get_alembic_version``), a process that imports nbgrader again;
   the grader reads the same revision in-process (``byhand_grader.nbgrader_run.alembic_head``).
   CPU seconds of each (this process and its children), per new gradebook.
2. A student who prints two million lines (the sample class's ``output-flood``): the
   harness child's output as a line-buffered pipe, every line a write to the pipe that
   the parent's ``_Drain`` reads and drops past the cap, against the child's
   ``_CappedText``, which drops what is past the cap before the pipe.  CPU seconds of
   this process (both ends are threads of it here) for the prints alone.
3. A new process that reads a notebook (every grading process, every ``byhand`` and
   ``nbgrader`` command, each platform's submission): ``import nbformat`` with the pinned
   jsonschema (``requirements.txt``), against the newest jsonschema with
   ``rfc3987-syntax``, what an unpinned install gets (jupyter-events asks for
   ``jsonschema[format-nongpl]``), whose grammar is built at import.  Those two are
   installed by pip from PyPI into a temporary folder put first on the child's path
   (``--unpinned``); CPU seconds of the child.
4. The dashed reference curve under a student's in the feedback, in each new grading
   process: a correct run from the XOR check's start by the grader's autograd simulator
   (``byhand_grader.simulate``), against the assignment's hidden closed form
   (``grader_tests/partb/probes.reference_errors``), which the check's call now carries.
   CPU seconds of this process, each round a new start (no cache).
5. ``byhand --help``: a new process that builds every verb's options (luck's and
   gradescope's import torch for their defaults), against one that builds only the
   chosen verb's (``byhand_instructor.cli.build_parser``).  CPU seconds of the child.
6. A grading process's first judgement (each grading worker, each platform submission):
   the hidden checks of Part B on an empty reply, with the pytest plugins the venv
   happens to install loaded as pytest does by default (here pytest-xdist's and anyio's),
   against ``judge``'s ``--disable-plugin-autoload``.  CPU seconds of the judgement in a
   new process that has imported the grader already.
7. The schema head in a process that makes its first gradebook (each grading worker,
   each platform submission, each ``nbgrader`` command that creates one): alembic's
   ``ScriptDirectory``, imported for it, against the migration scripts read as data
   (``alembic_head``).  CPU seconds of the lookup in a new process that has imported
   nbgrader already.

Prints every round, the medians and their ratios.

Usage:  .venv/bin/python benchmarks/fixed_costs.py [--rounds 3] [--lines 2000000]
            [--unpinned "jsonschema==4.26.0 rfc3987-syntax==1.1.0 lark==1.3.1"]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbgrader.api  # noqa: E402

from byhand_grader.harness.protocol import CHILD_LIMITS  # noqa: E402
from byhand_grader.harness.supervisor import _CappedText, _Drain  # noqa: E402
from byhand_grader.nbgrader_run import alembic_head  # noqa: E402

NBGRADERS_OWN = nbgrader.api.get_alembic_version  # before anything replaces it


def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def new_gradebook(stamp):
    """CPU seconds to create one gradebook stamped by ``stamp``."""
    nbgrader.api.get_alembic_version = stamp
    with tempfile.TemporaryDirectory() as tmp:
        start = _cpu()
        with nbgrader.api.Gradebook(f"sqlite:///{tmp}/gradebook.db"):
            pass
        return _cpu() - start


def flood(lines, capped):
    """CPU seconds of ``lines`` prints into a pipe drained as the harness drains it."""
    out_r, out_w = os.pipe()
    drain = _Drain(out_r, CHILD_LIMITS["output_bytes"])
    drain.start()
    stream = os.fdopen(out_w, "w", buffering=1)
    if capped:
        stream = _CappedText(stream, [CHILD_LIMITS["output_bytes"] + 1])
    start = time.process_time()
    for i in range(lines):
        print("debug", i, file=stream)
    stream.flush()
    seconds = time.process_time() - start
    (stream.stream if capped else stream).close()
    drain.join()
    assert drain.dropped > 0 and len(drain.data) == CHILD_LIMITS["output_bytes"]
    return seconds


def read_notebook(path_first=None):
    """CPU seconds of a new Python process that imports nbformat (``path_first``: a folder
    put before the venv's packages)."""
    env = dict(os.environ)
    if path_first:
        env["PYTHONPATH"] = str(path_first)
    start = _cpu()
    subprocess.run([sys.executable, "-c", "import nbformat"], check=True, env=env)
    return _cpu() - start


def reference_by_autograd(seed, epochs, alpha):
    """CPU seconds of a correct run's epoch errors by the autograd simulator."""
    from byhand_grader.simulate import draw_xor_starts, simulate_xor

    start = time.process_time()
    params, orders = draw_xor_starts([seed], epochs)
    simulate_xor(params, orders, alpha, record_errors=True)
    return time.process_time() - start


def reference_closed_form(probes, seed, epochs, alpha):
    """CPU seconds of the same errors by the assignment's hidden closed form (uncached)."""
    start = time.process_time()
    probes.reference_errors.__wrapped__(seed, epochs, alpha)
    return time.process_time() - start


def cli_help(verb_only):
    """CPU seconds of a new process that builds the parser (``verb_only`` as
    ``build_parser`` takes it) and prints the top-level help."""
    code = (
        "import contextlib, io\n"
        "from byhand_instructor.cli import build_parser\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    build_parser({verb_only!r}).parse_args(['--help'])\n"
    )
    start = _cpu()
    subprocess.run([sys.executable, "-c", code], check=True)
    return _cpu() - start


def _child_seconds(code):
    """The CPU seconds a new process prints after running ``code`` (it times its own part)."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout.split()[-1])


FIRST_JUDGEMENT = """
import time
import pytest
from byhand_grader.assignment import load_assignment
from byhand_grader.course import Course
from byhand_grader.harness.protocol import Reply
from byhand_grader.judge import build_calls, judge, Probe
if {autoload}:  # pytest's default: the flag judge passes taken out
    main = pytest.main
    pytest.main = lambda args, **kw: main([a for a in args if a != "--disable-plugin-autoload"], **kw)
partb = load_assignment(Course("."), "partb")
probe = Probe("ada", build_calls(partb, "ada"), Reply())
start = time.process_time()
judge(partb, probe)
print(time.process_time() - start)
"""

SCHEMA_HEAD = """
import time
import nbgrader.api
from nbgrader.dbutil import ALEMBIC_DIR
start = time.process_time()
if {alembic}:
    from alembic.script import ScriptDirectory
    ScriptDirectory(ALEMBIC_DIR).get_current_head()
else:
    from byhand_grader.nbgrader_run import alembic_head
    alembic_head()
print(time.process_time() - start)
"""


def unpinned_install(specs, folder):
    """Install ``specs`` (pure-Python wheels, without their dependencies) into ``folder``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(folder)]
        + specs.split(),
        check=True,
    )
    code = "import jsonschema, sys; assert 'rfc3987_syntax' in sys.modules"
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(folder)}
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument(
        "--unpinned", default="jsonschema==4.26.0 rfc3987-syntax==1.1.0 lark==1.3.1"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="byhand-unpinned-") as unpinned:
        unpinned_install(args.unpinned, unpinned)
        measure(args, unpinned)


def measure(args, unpinned):
    from byhand_grader.assignment import load_file

    probes = load_file(ROOT / "grader_tests" / "partb" / "probes.py")
    design = probes.XOR_STARTS
    seeds = iter([s["seed"] for s in design["starts"]] * 2)
    xor_run = (design["epochs"], design["alpha"])
    bindir = str(Path(sys.executable).parent)  # where nbgrader's way finds `alembic`
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    assert NBGRADERS_OWN() == alembic_head()
    runs = {}
    for name, take in (
        ("new gradebook, `alembic heads` (nbgrader)", lambda: new_gradebook(NBGRADERS_OWN)),
        ("new gradebook, alembic_head in-process", lambda: new_gradebook(alembic_head)),
        (f"{args.lines:,} printed lines, line-buffered pipe", lambda: flood(args.lines, False)),
        (f"{args.lines:,} printed lines, _CappedText", lambda: flood(args.lines, True)),
        ("read a notebook, unpinned jsonschema", lambda: read_notebook(unpinned)),
        ("read a notebook, pinned jsonschema", read_notebook),
        (
            "reference curve, autograd simulator",
            lambda: reference_by_autograd(next(seeds), *xor_run),
        ),
        (
            "reference curve, hidden closed form",
            lambda: reference_closed_form(probes, next(seeds), *xor_run),
        ),
        ("byhand --help, every verb's options", lambda: cli_help(None)),
        ("byhand --help, the chosen verb's only", lambda: cli_help("")),
        (
            "first judgement, installed plugins loaded",
            lambda: _child_seconds(FIRST_JUDGEMENT.format(autoload=True)),
        ),
        (
            "first judgement, plugin autoload off",
            lambda: _child_seconds(FIRST_JUDGEMENT.format(autoload=False)),
        ),
        (
            "schema head, alembic's ScriptDirectory",
            lambda: _child_seconds(SCHEMA_HEAD.format(alembic=True)),
        ),
        (
            "schema head, scripts read as data",
            lambda: _child_seconds(SCHEMA_HEAD.format(alembic=False)),
        ),
    ):
        runs[name] = [take() for _ in range(args.rounds)]
        shown = ", ".join(f"{s:.3f}" for s in runs[name])
        print(f"{name:<48} CPU s: {shown}; median {statistics.median(runs[name]):.3f}")
    medians = [statistics.median(v) for v in runs.values()]
    print(f"stamp: {medians[0] / medians[1]:.0f}x less CPU in-process")
    print(f"flood: {medians[2] / medians[3]:.1f}x less CPU with the cap before the pipe")
    print(f"nbformat: {medians[4] / medians[5]:.1f}x less CPU with the pinned jsonschema")
    print(f"reference curve: {medians[6] / medians[7]:.0f}x less CPU by the hidden closed form")
    print(f"byhand --help: {medians[8] / medians[9]:.0f}x less CPU with the chosen verb's options")
    print(f"first judgement: {medians[10] / medians[11]:.1f}x less CPU with plugin autoload off")
    print(f"schema head: {medians[12] / medians[13]:.0f}x less CPU read as data")


if __name__ == "__main__":
    main()
