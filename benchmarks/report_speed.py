"""How long does `byhand report` take for a class of 300, beside grading that class?

Writes a generated class (``byhand_instructor.generated_class``: every kind of Part B's
``generated_kinds()`` once, then seeded draws, 40 % of them the correct answer) into a
throwaway copy of the course, then, in one run:

1. grading: ``grade()`` with all workers, hidden checks included (what ``byhand grade``
   runs), once: its wall time and its time per submission;
2. the report: ``write_report()`` (what ``byhand report`` runs: read the results file and
   the gradebook, count the mistakes, the statistics, the charts, the page and its CSVs),
   ``--repeats`` times, the median, and its share of grading's time;
3. the check that makes the figure mean something: the report's ``mistakes.csv`` counts
   exactly what the mix declares, code by code (``generated_class.mismatches``); the
   script exits with status 1, naming each difference, when it does not.

The obvious alternative to the report is an instructor reading ``report-partb.csv``'s
``points_lost`` sentences, one row per student; it has no time to measure, so the figure
printed beside the report's is grading's, the run the report follows.

Usage:  .venv/bin/python benchmarks/report_speed.py [--students 300] [--seed 0] [--repeats 3]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from byhand_grader.class_report import write_report  # noqa: E402
from byhand_grader.course import Course  # noqa: E402
from byhand_grader.grade import grade  # noqa: E402
from byhand_grader.nbgrader_run import nbgrader  # noqa: E402
from byhand_instructor.generated_class import (  # noqa: E402
    CORRECT,
    expected_mistakes,
    mismatches,
    read_mistakes_csv,
    write_generated_class,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0, help="the mix's seed (default 0)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--repeats", type=int, default=3, help="report this many times; the median is printed"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy2(ROOT / "nbgrader_config.py", root)
        for folder in ("source", "release", "grader_tests"):
            shutil.copytree(
                ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
            )
        course = Course(root)
        nbgrader(course, "generate_assignment", "partb", "--force")
        students = write_generated_class(course, "partb", args.students, args.seed)

        start = time.perf_counter()
        results = grade(course, ["partb"], workers=args.workers, progress=False)
        grading = time.perf_counter() - start

        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            page = write_report(course, "partb")
            times.append(time.perf_counter() - start)
        reporting = statistics.median(times)
        page_kib = page.stat().st_size / 1024
        wrong = mismatches(students, read_mistakes_csv(page.parent / "mistakes.csv"))

    kinds = Counter(s.kind for s in students.values())
    codes = expected_mistakes(students)
    workers = min(args.workers or os.cpu_count() or 1, len(results))
    print(
        f"generated class of {len(students)} (seed {args.seed}): {len(kinds)} kinds, "
        f"{kinds[CORRECT]} correct answers, {len(codes)} mistake codes made; "
        f"{workers} workers on {os.cpu_count()} cores"
    )
    print(
        f"grading (byhand grade, hidden checks included): {grading:7.1f} s wall = "
        f"{grading / len(results):.2f} s per submission"
    )
    print(
        f"class report (byhand report), median of {len(times)}: {reporting:7.2f} s "
        f"({', '.join(f'{t:.2f}' for t in times)} s) = "
        f"{1000 * reporting / len(results):.1f} ms per student; a page of {page_kib:.0f} KiB"
    )
    print(f"  report / grading: {reporting / grading:.4f} ({100 * reporting / grading:.2f} %)")
    if wrong:
        print(f"the report's counts differ from the mix on {len(wrong)} codes:")
        for line in wrong:
            print(f"  {line}")
        return 1
    print(f"the report's mistakes.csv equals the mix on all {len(codes)} codes made")
    return 0


if __name__ == "__main__":
    sys.exit(main())
