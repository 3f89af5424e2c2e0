"""Does grading on a real Dask cluster record the same scores as a local run, even when a worker dies?

A real ``dask scheduler`` and two ``dask worker`` processes (one thread, the
``grading`` resource) run on loopback, started and killed here.  A few students
of the sample class are graded locally and through the scheduler, and every
grade cell's score, status and gradebook row must agree.  Then one worker is
killed (SIGKILL of its process group) while it grades; every submission must
still be recorded exactly once, with the right score.  With no scheduler at the
address, ``byhand grade --scheduler`` must say so, exit non-zero and leave the
gradebook untouched.
"""

import copy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from distributed import Client
from nbgrader.api import Gradebook

from byhand_grader.cluster import folder_bytes, write_folder
from byhand_grader.course import Course
from byhand_grader.grade import grade
from byhand_grader.nbgrader_run import nbgrader
from byhand_instructor.sample_class import scenarios, solved_release, TIMESTAMP

from ..repo import copy_course, COURSE
from .test_interrupted_run import scores

CLASS = ("correct", "missing-factor-2", "blank", "corrupt-json")
BIN = os.path.dirname(sys.executable)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(argv, log):
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _kill(proc):
    """SIGKILL the process group (a worker's nanny, its worker process); reap the leader."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``(address, {name: worker Popen})``: a scheduler and two grading workers on loopback."""
    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs = {}
    try:
        procs["scheduler"] = _start(
            [
                f"{BIN}/dask",
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                address.rsplit(":", 1)[1],
                "--no-dashboard",
            ],
            logs / "scheduler.log",
        )
        for name in ("w0", "w1"):
            procs[name] = _start(
                [
                    f"{BIN}/dask",
                    "worker",
                    address,
                    "--name",
                    name,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--resources",
                    "grading=1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                    "--death-timeout",
                    "60",
                ],
                logs / f"{name}.log",
            )
        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, procs
    finally:
        for proc in procs.values():
            _kill(proc)


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory):
    """A course with a few students of the sample class, its assignment recorded."""
    course = copy_course(tmp_path_factory.mktemp("course"), with_grader_tests=True)
    made = scenarios(COURSE, "partb")
    release = nbformat.read(COURSE.release_notebook("partb"), as_version=4)
    for student in CLASS:  # as ``write_sample_class`` writes them
        nb = made[student][1](solved_release(COURSE, "partb"), copy.deepcopy(release))
        filename, text = nb if isinstance(nb, tuple) else ("partb.ipynb", nbformat.writes(nb))
        folder = course.submitted / student / "partb"
        folder.mkdir(parents=True)
        (folder / filename).write_text(text, encoding="utf-8")
        (folder / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")
    nbgrader(course, "generate_assignment", "partb", "--force")
    return course.root


def _copy(class_dir, dest):
    shutil.copytree(class_dir, dest, symlinks=True)
    return Course(dest)


@pytest.fixture(scope="module")
def local(class_dir, tmp_path_factory):
    """``(results by student, gradebook scores)`` of the same class graded by the process pool."""
    course = _copy(class_dir, tmp_path_factory.mktemp("local") / "course")
    results = grade(course, ["partb"], workers=2, progress=False)
    return {r.student: r for r in results}, scores(course.root / "gradebook.db")


def _cells(result):
    return {c.grade_id: (c.score, c.passed, c.total) for c in result.cells}


def test_cluster_gives_the_local_scores(cluster, local, class_dir, tmp_path):
    """Through the scheduler, does every submission get the local run's score, cell by cell?"""
    address, _ = cluster
    course = _copy(class_dir, tmp_path / "course")
    start = time.perf_counter()
    results = grade(course, ["partb"], scheduler=address, progress=False)
    seconds = time.perf_counter() - start
    by_student = {r.student: r for r in results}
    local_results, local_scores = local
    assert sorted(by_student) == sorted(CLASS) and len(results) == len(CLASS)
    for student, r in by_student.items():
        assert (r.status, _cells(r), r.reasons) == (
            local_results[student].status,
            _cells(local_results[student]),
            local_results[student].reasons,
        ), student
    assert scores(course.root / "gradebook.db") == local_scores
    for student in CLASS:  # the annotated notebooks came back into autograded/
        assert course.autograded_notebook(student, "partb").is_file()
    assert not list(course.work.glob("from-cluster-*"))
    print(
        f"\ndask: {len(results)} submissions in {seconds:.1f} s, "
        f"{seconds / len(results):.2f} s per submission"
    )


def test_killed_worker_loses_no_submission(cluster, local, class_dir, tmp_path):
    """A worker killed while it grades: is every submission still recorded once, rightly?"""
    address, procs = cluster
    course = _copy(class_dir, tmp_path / "course")
    db = course.root / "gradebook.db"
    out = {}

    def run():
        try:
            out["results"] = grade(course, ["partb"], scheduler=address, progress=False)
        except BaseException as err:  # reported below, in the test's thread
            out["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    with Client(address, timeout=30, set_as_default=False) as client:
        deadline = time.monotonic() + 240
        while thread.is_alive() and time.monotonic() < deadline:
            if scores(db) if db.exists() else {}:  # one submission recorded: kill a busy worker
                names = {
                    a: w["name"] for a, w in client.scheduler_info(n_workers=-1)["workers"].items()
                }
                busy = [names[a] for a, keys in client.processing().items() if keys and a in names]
                if busy:
                    killed = busy[0]
                    _kill(procs[killed])
                    break
            time.sleep(0.2)
    thread.join(timeout=300)
    assert killed, "no worker was busy once a submission was recorded"
    assert not thread.is_alive() and "error" not in out, out.get("error")
    results = out["results"]
    assert sorted(r.student for r in results) == sorted(CLASS)  # each once
    local_results, local_scores = local
    for r in results:
        assert (r.status, _cells(r)) == (
            local_results[r.student].status,
            _cells(local_results[r.student]),
        ), r.student
    assert scores(db) == local_scores
    with Gradebook(f"sqlite:///{db}") as gb:
        assert sorted(s.student.id for s in gb.find_assignment("partb").submissions) == sorted(
            CLASS
        )


def test_no_scheduler_is_a_clear_error_and_touches_nothing(class_dir, tmp_path):
    """With no scheduler at the address, does `byhand grade --scheduler` say so, exit 1, change nothing?"""
    course = _copy(class_dir, tmp_path / "course")
    db = course.root / "gradebook.db"
    before = db.read_bytes()
    address = f"tcp://127.0.0.1:{_free_port()}"
    proc = subprocess.run(
        [f"{BIN}/byhand", "grade", "partb", "--course", str(course.root), "--scheduler", address],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert f"no Dask scheduler answers at {address}" in proc.stderr
    assert "nothing was graded" in proc.stderr and "Traceback" not in proc.stderr
    assert db.read_bytes() == before
    assert not course.autograded.exists()


def test_payload_stays_in_its_folder(tmp_path):
    """Do a folder's bytes come back as they were, and is a path out of the folder refused?"""
    (tmp_path / "a" / "sub").mkdir(parents=True)
    (tmp_path / "a" / "x.ipynb").write_bytes(b"{}")
    (tmp_path / "a" / "sub" / "y.txt").write_bytes(b"y")
    write_folder(tmp_path / "b", folder_bytes(tmp_path / "a"))
    assert folder_bytes(tmp_path / "b") == {"x.ipynb": b"{}", "sub/y.txt": b"y"}
    with pytest.raises(ValueError, match="outside its folder"):
        write_folder(tmp_path / "c", {"../escape.txt": b"no"})
    assert not (tmp_path / "escape.txt").exists()
