"""How fast does `byhand grade` grade a class, against plain `nbgrader autograde`?

Builds a synthetic class in a throwaway copy of the course (students cycle
through the scenarios correct, missing-factor-2, update-uses-dot-grad and
blank), then, in one run:

1. the floor: a Jupyter kernel start plus ``import torch`` (nbclient, median of 3);
2. ours: ``grade()`` with all workers, hidden checks included, per submission and as a
   share of the floor (the target: at most a third), with the median seconds of each
   phase inside a worker and the time a class of 300 would take on these cores.  The
   machine is shared and noisy, so 1 and 2 run ``--repeats`` times in turn (the class is
   regraded each time) and the round with the median ratio is reported, with every
   round's figures;
3. plain nbgrader: ``nbgrader autograde`` of the same students, sequentially,
   executing every notebook in the default kernel (no hidden checks, no sandbox),
   on the first ``--plain`` students (it is slow; its per-submission time is
   what is compared), and the ratios of ours to it.

Usage:  .venv/bin/python benchmarks/grading_speed.py [--students 60] [--plain 12] [--repeats 3]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from byhand_grader.course import Course  # noqa: E402
from byhand_grader.grade import grade  # noqa: E402
from byhand_grader.nbgrader_run import nbgrader  # noqa: E402
from byhand_instructor.sample_class import scenarios, solved_release, TIMESTAMP  # noqa: E402

MIX = ("correct", "missing-factor-2", "update-uses-dot-grad", "blank")
PHASES = ("intake", "nbgrader", "harness", "judge")


def floor_seconds(repeats=3):
    """Kernel start plus ``import torch``: the least any executing grader pays per notebook."""
    times = []
    for _ in range(repeats):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch")])
        start = time.perf_counter()
        NotebookClient(nb, kernel_name="python3", timeout=120).execute()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_class(course, n):
    base = solved_release(course, "partb")
    release = nbformat.read(course.release_notebook("partb"), as_version=4)
    root = course.root
    for i in range(n):
        scenario = MIX[i % len(MIX)]
        nb = scenarios(course, "partb")[scenario][1](
            nbformat.from_dict(nbformat.reads(nbformat.writes(base), 4)), release
        )
        folder = root / "submitted" / f"s{i:03d}-{scenario}" / "partb"
        folder.mkdir(parents=True)
        (folder / "partb.ipynb").write_text(nbformat.writes(nb))
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument(
        "--plain", type=int, default=12, help="students to grade with plain nbgrader (0 to skip)"
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="grade the class this many times, each right after its own floor "
        "measurement; the round of the median ratio is reported",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy2(ROOT / "nbgrader_config.py", root)
        for folder in ("source", "release", "grader_tests"):
            shutil.copytree(ROOT / folder, root / folder)
        course = Course(root)
        make_class(course, args.students)
        nbgrader(course, "generate_assignment", "partb", "--force")

        rounds = []  # (floor, wall, results): each grading right after its own floor
        for _ in range(args.repeats):
            floor = floor_seconds()
            start = time.perf_counter()
            results = grade(course, ["partb"], workers=args.workers, progress=False)
            rounds.append((floor, time.perf_counter() - start, results))
        ratios = [wall / len(res) / fl for fl, wall, res in rounds]
        floor, ours, results = sorted(rounds, key=lambda r: r[1] / len(r[2]) / r[0])[
            len(rounds) // 2
        ]  # the round of the median ratio
        per_ours = ours / len(results)
        phases = {k: statistics.median(r.timings.get(k, 0) for r in results) for k in PHASES}
        # what the worker did besides the timed phases: annotating the notebook (the
        # verdicts and the XOR curves' plot), reading back nbgrader's record
        phases["annotate and the rest"] = statistics.median(
            max(r.seconds - sum(r.timings.values()), 0.0) for r in results
        )
        by_scenario = {
            m: statistics.median(
                r.timings.get("harness", 0) for r in results if r.student.endswith(m)
            )
            for m in MIX
        }
        workers = min(args.workers or os.cpu_count() or 1, len(results))

        per_plain = None
        if args.plain:
            plain_root = root / "plain"
            plain_root.mkdir()
            shutil.copy2(ROOT / "nbgrader_config.py", plain_root)
            for folder in ("source", "release"):
                shutil.copytree(root / folder, plain_root / folder)
            students = sorted(p.name for p in (root / "submitted").iterdir())[: args.plain]
            for s in students:
                shutil.copytree(root / "submitted" / s, plain_root / "submitted" / s)
            plain = Course(plain_root)
            nbgrader(plain, "generate_assignment", "partb", "--force")
            start = time.perf_counter()
            # the course refuses plain autograde (byhand_grader/nbgrader_plugins/guard.py):
            # let it through here
            nbgrader(
                plain,
                "autograde",
                "partb",
                "--force",
                "--Execute.kernel_name=python3",
                "--GradeWithByhand.in_byhand_grade=True",
                check=False,
            )
            per_plain = (time.perf_counter() - start) / len(students)
            done = [
                s
                for s in students
                if (plain_root / "autograded" / s / "partb" / "partb.ipynb").is_file()
            ]
            if len(done) != len(students):  # a fast failure is not a speed
                sys.exit(f"plain nbgrader autograded only {len(done)} of {len(students)}")

    cores = os.cpu_count()
    print(
        f"class of {args.students} submissions (mix: {', '.join(MIX)}), {workers} workers "
        f"on {cores} cores"
    )
    print(f"floor (kernel start + import torch, median of 3):   {floor:6.2f} s")
    print(
        f"byhand grade, {len(results)} submissions, hidden checks included: "
        f"{ours:6.1f} s wall = {per_ours:.2f} s per submission"
    )
    print(
        f"  per submission / floor: {per_ours / floor:.2f} (target: at most 1/3 = 0.33); "
        f"the median of {len(ratios)} rounds: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + " (each round: floor "
        + ", ".join(f"{fl:.2f}" for fl, _, _ in rounds)
        + " s; "
        + ", ".join(f"{w / len(res):.2f}" for _, w, res in rounds)
        + " s per submission)"
    )
    print(
        "  median seconds per phase (inside a worker): "
        + ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
    )
    print(
        "  median harness seconds by scenario: "
        + ", ".join(f"{k} {v:.2f}" for k, v in by_scenario.items())
    )
    print(
        f"  projected for 300 submissions on these {cores} cores: "
        f"{300 * per_ours / 60:.1f} min (target: 6)"
    )
    if per_plain:
        print(
            f"plain sequential nbgrader autograde ({args.plain} submissions, executing each "
            f"notebook, no hidden checks): {per_plain:.2f} s per submission"
        )
        print(
            f"  per submission, byhand grade / plain nbgrader: {per_ours / per_plain:.2f} "
            f"(a speed-up of {per_plain / per_ours:.1f}x); plain nbgrader / floor: "
            f"{per_plain / floor:.2f}"
        )


if __name__ == "__main__":
    main()
