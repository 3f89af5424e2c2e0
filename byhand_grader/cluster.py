"""Grade on a Dask cluster: submissions go out as bytes, verdicts and annotated notebooks come back.

``grade(course, scheduler=ADDRESS)`` (``byhand grade --scheduler ADDRESS``) sends each
submission to a ``dask.distributed`` cluster as one task.  Nothing on the worker
machines has to be shared with the instructor's:

* the course's authored files (``nbgrader_config.py``, ``source/``, ``release/``,
  ``grader_tests/`` with the hidden checks) and a seed gradebook holding only the
  assignments' definitions travel once, inside a worker plugin (``GradingPlugin``),
  and are unpacked into a private temporary folder on each worker;
* each task carries the bytes of one ``submitted/<student>/<assignment>/`` folder
  and returns the ``StudentResult`` with the bytes of the annotated notebook folder.

Each Dask worker process holds one ``byhand_grader.submission.Worker`` (its own sandboxed
harness and scratch gradebook) and grades one submission at a time: the judge runs
pytest in-process, which is not thread-safe.  Workers offer the resource
``grading`` (``dask worker ... --nthreads 1 --resources grading=1``) and every task
asks for one unit, so grading tasks go only to workers set up for them, one per
process; ``--nworkers N`` sets how many a machine grades at once.

The client, the one process that writes the gradebook, takes the results as they
finish (``as_completed``) and commits each through the same ``take`` as a local run.
A worker lost mid-run loses no submission: the scheduler runs its tasks again
elsewhere, and the client records each ``(student, assignment)`` once.  The hidden
checks go to the workers because the workers judge: they must be machines the
instructor trusts, as the grading machine is; student code inside them runs in the
same sandbox as on one machine and sees none of it.
"""

import io
import os
import shutil
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from .course import Course
from .record import copy_assignments
from .results import StudentResult
from .sandbox import slots
from .sandbox.kernel import install_kernelspec
from .submission import Worker

#: The Dask resource a worker offers for grading, one unit per grading at a time.
GRADING = "grading"
#: The course files a worker needs: configuration, notebooks, descriptions and hidden checks.
COURSE_FILES = ("nbgrader_config.py", "source", "release", "grader_tests")
#: How long to wait for the scheduler to answer, and for a worker that offers ``grading``.
CONNECT_TIMEOUT_S = 10
WORKERS_TIMEOUT_S = 60


class ClusterUnavailable(RuntimeError):
    """No scheduler answers, or none of its workers can grade: nothing was graded."""


# -- the client's side --------------------------------------------------------------------


def connect(address, timeout=CONNECT_TIMEOUT_S, workers_timeout=WORKERS_TIMEOUT_S):
    """A ``distributed.Client`` of the scheduler at ``address`` with a worker that can grade.

    Raises ``ClusterUnavailable`` with what to run otherwise, before anything is graded.
    """
    from distributed import Client

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterUnavailable(
            f"no Dask scheduler answers at {address} within {timeout} s ({err}); start one "
            "with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1 "
            f"--resources {GRADING}=1`; nothing was graded"
        ) from None
    deadline = time.monotonic() + workers_timeout
    while not grading_workers(client):
        if time.monotonic() > deadline:
            client.close()
            raise ClusterUnavailable(
                f"the Dask scheduler at {address} has no worker offering the resource "
                f"{GRADING!r} after {workers_timeout} s; start workers with `dask worker "
                f"{address} --nthreads 1 --resources {GRADING}=1`; nothing was graded"
            )
        time.sleep(0.5)
    return client


def grading_workers(client):
    """The addresses of the scheduler's workers that offer the ``grading`` resource."""
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return sorted(a for a, w in workers.items() if w.get("resources", {}).get(GRADING, 0) >= 1)


def grade_on_cluster(client, course, todo, execute, assignments):
    """Yield one ``StudentResult`` per ``(student, assignment)`` of ``todo``, as each finishes.

    Each result's ``notebook_folder`` is the annotated notebook folder, written back
    under the class's ``.byhand/`` for ``record.commit`` to move into ``autograded/``.
    A submission whose task the cluster could not finish (its workers kept dying)
    comes back ``failed``, with the reason, and nothing is recorded for it.
    """
    from distributed import as_completed

    run = uuid.uuid4().hex[:12]
    name = f"byhand-grading-{run}"
    incoming = course.work / f"from-cluster-{run}"
    futures, where = [], {}
    try:
        client.register_plugin(
            GradingPlugin(pack_course(course, assignments), execute, assignments), name=name
        )
        for student, assignment in todo:
            fut = client.submit(
                grade_submission,
                name,
                student,
                assignment,
                folder_bytes(course.submitted / student / assignment),
                key=f"byhand-grade-{run}-{student}-{assignment}",
                resources={GRADING: 1},
                retries=1,
                pure=False,
            )
            futures.append(fut)
            where[fut.key] = (student, assignment)
        seen = set()
        for fut in as_completed(futures, loop=client.loop):
            student, assignment = where[fut.key]
            if (student, assignment) in seen:  # recorded once, however often it ran
                continue
            seen.add((student, assignment))
            yield _received(fut, student, assignment, incoming / student / assignment)
            fut.release()  # the scheduler forgets it: a worker lost now costs it nothing
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)
        try:
            client.unregister_worker_plugin(name)
        except Exception:  # a worker gone or the scheduler gone: their plugins go with them
            pass
        shutil.rmtree(incoming, ignore_errors=True)


def _received(fut, student, assignment, folder):
    """The task's result, its notebook folder unpacked into ``folder``; a failed result if none."""
    try:
        result, files = fut.result()
    except Exception as err:  # KilledWorker, or the task's own error after its retry
        why = (
            f"the cluster could not grade this submission ({type(err).__name__}: "
            f"{str(err)[:200]}); nothing was recorded"
        )
        return StudentResult(student, assignment, status="failed", reasons=[why])
    if not result.failed and result.notebook_folder is not None:
        write_folder(folder, files)
        result.notebook_folder = str(folder)
    return result


def pack_course(course, assignments):
    """What a worker needs of the course, as one ``.tar.gz``: its files and a seed gradebook.

    The seed gradebook holds the assignments' definitions (cells, checksums, points)
    copied from the course's gradebook, which the workers never reach.
    """
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="byhand-seed-") as tmp:
        seed = Path(tmp) / "gradebook.db"
        copy_assignments(course.db_url, f"sqlite:///{seed}", assignments)
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name in COURSE_FILES:
                if (course.root / name).exists():
                    tar.add(course.root / name, arcname=name, filter=_no_caches)
            tar.add(seed, arcname="gradebook.db")
    return buf.getvalue()


def _no_caches(info):
    return None if "__pycache__" in Path(info.name).parts else info


def folder_bytes(folder):
    """``{relative path: bytes}`` of every file under ``folder``."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def write_folder(folder, files):
    """Write ``folder_bytes``'s mapping into a fresh ``folder``, refusing paths that leave it."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, data in files.items():
        path = (folder / rel).resolve()
        if folder.resolve() not in path.parents:
            raise ValueError(f"a file outside its folder in a task's payload: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# -- the worker's side --------------------------------------------------------------------


class GradingPlugin(WorkerPlugin):
    """A Dask worker's copy of the course and its grading ``Worker``, made on its first task."""

    def __init__(self, course_tar, execute, assignments):
        self.course_tar, self.execute, self.assignments = course_tar, execute, list(assignments)

    def setup(self, worker=None):
        self.folder = tempfile.mkdtemp(prefix="byhand-course-")
        with tarfile.open(fileobj=io.BytesIO(self.course_tar)) as tar:
            tar.extractall(self.folder, filter="data")
        root = Path(self.folder)
        (root / "class").mkdir()
        os.replace(root / "gradebook.db", root / "class" / "gradebook.db")
        # a class folder of its own: its gradebook is the seed, never a configured db_url
        self.course = Course(root, root / "class")
        if self.execute:  # the kernel nbgrader starts, installed where this worker runs
            install_kernelspec()
        self.worker, self.lock, self.busy = None, None, threading.Lock()

    def grade(self, student, assignment, files):
        """Grade one submission from its bytes; ``(StudentResult, notebook folder's bytes)``."""
        with self.busy:  # one at a time: the judge's pytest is not thread-safe
            if self.worker is None:
                slot, self.lock = slots.claim(*slots.CLUSTER)
                self.worker = Worker(slot, self.course, self.execute, self.assignments)
            submitted = self.course.submitted / student / assignment
            write_folder(submitted, files)
            try:
                result = self.worker.grade(student, assignment)
                out = {}
                if result.notebook_folder is not None:
                    out = folder_bytes(result.notebook_folder)
                    shutil.rmtree(result.notebook_folder, ignore_errors=True)
                return result, out
            finally:
                shutil.rmtree(submitted, ignore_errors=True)

    def teardown(self, worker=None):
        with self.busy:
            if self.worker is not None:
                self.worker.close()
                self.worker = None
            if self.lock is not None:
                self.lock.close()
                self.lock = None
            shutil.rmtree(self.folder, ignore_errors=True)


def grade_submission(plugin, student, assignment, files):
    """The task: grade one submission on the Dask worker that runs it."""
    from distributed import get_worker

    return get_worker().plugins[plugin].grade(student, assignment, files)
