"""How fast does `byhand grade` grade on Dask, against the local process pool, and are the scores the same?

Builds a class in a throwaway copy of the course (students cycle through the
scenarios correct, missing-factor-2, update-uses-dot-grad and blank), then
grades it, each time into a fresh copy:

1. with the local process pool (``grade(workers=N)``, the default without ``--scheduler``);
2. on a ``distributed.LocalCluster`` of N worker processes (one thread, ``grading=1``),
   through its scheduler's address as ``byhand grade --scheduler`` does;
3. with ``--scheduler ADDRESS``, also on that cluster (its workers started with
   ``dask worker ADDRESS --nthreads 1 --resources grading=1``).

Prints wall time and time per submission of each and whether every grade cell's
score agrees with the pool's.

Usage:  .venv/bin/python benchmarks/dask_grading.py [--students 8] [--workers 2] [--repeats 1]
                                                    [--scheduler ADDRESS]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from grading_speed import make_class, MIX  # noqa: E402  (the same class, built the same way)

from byhand_grader.course import Course  # noqa: E402
from byhand_grader.grade import grade  # noqa: E402
from byhand_grader.nbgrader_run import nbgrader  # noqa: E402


def make_course(folder, n):
    """A copy of the course with ``n`` submissions of partb (``grading_speed``'s class),
    its assignment recorded."""
    root = Path(folder)
    root.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", root)
    for name in ("source", "release", "grader_tests"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    course = Course(root)
    make_class(course, n)
    nbgrader(course, "generate_assignment", "partb", "--force")
    return course


def timed(course, **how):
    start = time.perf_counter()
    results = grade(course, ["partb"], progress=False, **how)
    wall = time.perf_counter() - start
    cells = {
        r.student: ({c.grade_id: c.score for c in r.cells}, r.flags.get("limits")) for r in results
    }
    inside = statistics.median(r.seconds for r in results)
    return wall, len(results), cells, inside


def main(argv=None):
    from distributed import LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="pool processes, and the local cluster's worker processes",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="grade the class this many times each way, alternating the order",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        help="also grade on the cluster whose scheduler is at this address",
    )
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        template = make_course(Path(tmp) / "template", args.students)
        copies = iter(range(10**6))

        def fresh():
            dest = Path(tmp) / f"copy-{next(copies)}"
            shutil.copytree(template.root, dest)
            return Course(dest)

        start = time.perf_counter()
        with LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            resources={"grading": 1},
            dashboard_address=":0",
        ) as cluster:
            started = time.perf_counter() - start
            ways = [
                (f"process pool, {args.workers} workers", {"workers": args.workers}),
                (f"LocalCluster, {args.workers} workers", {"scheduler": cluster.scheduler_address}),
            ]
            if args.scheduler:
                ways.append((f"--scheduler {args.scheduler}", {"scheduler": args.scheduler}))
            for r in range(args.repeats):  # alternating, so neither always runs first
                for label, how in ways if r % 2 == 0 else ways[::-1]:
                    rows.append((f"[{r + 1}] {label}", timed(fresh(), **how)))
    pool = next(row for label, row in rows if "pool" in label)
    print(
        f"class of {args.students} submissions (mix: {', '.join(MIX)}) on "
        f"{os.cpu_count()} cores; the LocalCluster took {started:.1f} s to start"
    )
    for label, (wall, n, cells, inside) in rows:
        differ = sorted(s for s in cells if cells[s][0] != pool[2][s][0])
        same = (
            f"SCORES DIFFER from the first pool run's for {', '.join(differ)}"
            if differ
            else "same scores as the first pool run"
        )
        print(
            f"{label}: {n} submissions in {wall:.1f} s = {wall / n:.2f} s per submission "
            f"(median {inside:.2f} s inside a worker); {same}"
        )
        for s in differ:
            print(
                f"    {s}: {cells[s][0]} (limits hit: {cells[s][1]}) against "
                f"{pool[2][s][0]} (limits hit: {pool[2][s][1]})"
            )


if __name__ == "__main__":
    main()
