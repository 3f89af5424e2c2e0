"""How long does one submission take inside Gradescope's container, against `--try` on this host?

Builds the Gradescope zip of Part B from this checkout (``byhand gradescope``),
installs it in a real Docker engine as Gradescope does (``tests/docker_engine.py``:
the zip's ``setup.sh`` on a Debian base, no pull), then, in one run and in turn,
grades the sample class's ``correct`` and ``missing-factor-2`` students
``--rounds`` times each: in a fresh container (Docker's default seccomp profile, so
the sandbox's container tier; the whole ``docker start -a``) and with ``byhand
gradescope --try`` on this host (bubblewrap's tier; the whole command).  Prints
every time, the medians and their ratio.  Needs root (the engine).

Usage:  .venv/bin/python benchmarks/container_speed.py [--rounds 3]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.docker_engine import DockerEngine, gradescope_image, run_gradescope  # noqa: E402

BYHAND = Path(sys.executable).with_name("byhand")
STUDENTS = ("correct", "missing-factor-2")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = Path(tmp) / "gradescope-partb.zip"
        subprocess.run(
            [str(BYHAND), "gradescope", "partb", "--out", str(zip_path)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        notebooks = {
            s: next((ROOT / "sample_class" / "submitted" / s / "partb").glob("*.ipynb"))
            for s in STUDENTS
        }
        inside, here = [], []
        with DockerEngine() as engine:
            image = gradescope_image(engine, zip_path)
            for _ in range(args.rounds):
                for student, notebook in notebooks.items():
                    run = run_gradescope(engine, image, notebook, student)
                    assert run.results is not None, run.log[-2000:]
                    inside.append(run.seconds)
                    start = time.perf_counter()
                    subprocess.run(
                        [
                            str(BYHAND),
                            "gradescope",
                            "--try",
                            str(zip_path),
                            str(notebook),
                            "--student",
                            student,
                        ],
                        check=True,
                        capture_output=True,
                    )
                    here.append(time.perf_counter() - start)
    print(
        f"in Gradescope's container (container tier): median {statistics.median(inside):.2f} s "
        f"per submission; all: {', '.join(f'{s:.2f}' for s in inside)}"
    )
    print(
        f"--try on this host (bubblewrap):            median {statistics.median(here):.2f} s "
        f"per submission; all: {', '.join(f'{s:.2f}' for s in here)}"
    )
    print(f"container / host: {statistics.median(inside) / statistics.median(here):.2f}")


if __name__ == "__main__":
    main()
