"""What does recording each student's own XOR run for Problem 5 (the "explain" call) cost?

The same sandboxed harness runs the solution's cells and every hidden call for
``--students`` students, each twice, alternating: with the explain call and without
it.  Printed: the medians per submission and their difference, and the median time
``probes.explain_call`` takes on the trusted side (a correct run from the student's
seed, ``grader_tests/partb/notebook_run.py``).

Usage:  .venv/bin/python benchmarks/explain_cost.py [--students 6]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from byhand_grader import judge  # noqa: E402
from byhand_grader.assignment import load_assignment  # noqa: E402
from byhand_grader.course import Course  # noqa: E402
from byhand_grader.harness.protocol import Request  # noqa: E402
from byhand_grader.intake import harness_cells  # noqa: E402
from byhand_grader.runner import Runner  # noqa: E402
from byhand_instructor.sample_class import solved_release  # noqa: E402

COURSE = Course(Path(__file__).resolve().parent.parent)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    args = parser.parse_args()
    desc = load_assignment(COURSE, "partb")
    source = nbformat.read(COURSE.source_notebook("partb"), as_version=4)
    cells = harness_cells(solved_release(COURSE, "partb"), source, desc.setup_cells)
    probes = desc.module("probes")
    times, trusted = {"with": [], "without": []}, []
    with Runner(COURSE.root, slot=990).start() as runner:
        for n in range(args.students):
            student = f"student{n}"
            start = time.perf_counter()
            probes.explain_call(student)
            trusted.append(time.perf_counter() - start)
            calls = judge.build_calls(desc, student)
            for which in ("with", "without"):
                chosen = [c for c in calls.values() if which == "with" or c["kind"] != "explain"]
                start = time.perf_counter()
                reply = runner.run(
                    Request(
                        cells=cells,
                        calls=chosen,
                        call_kinds=list(desc.call_kinds),
                        by_hand=list(desc.by_hand),
                    )
                )
                times[which].append(time.perf_counter() - start)
                assert reply.status == "ok", reply.reason
    with_, without = statistics.median(times["with"]), statistics.median(times["without"])
    print(
        f"harness per submission, median of {args.students}: {without:.2f} s without the "
        f"explain call, {with_:.2f} s with it (+{with_ - without:.2f} s); its correct run "
        f"on the trusted side (explain_call): {statistics.median(trusted):.2f} s"
    )


if __name__ == "__main__":
    main()
