"""Grade every submission of a class and record each one in the gradebook as soon as it is judged.

This is the class run: it finds the ``submitted/<student>/<assignment>/`` folders,
spreads them over worker processes (those of this machine, or with ``scheduler``
those of a Dask cluster, ``byhand_grader.cluster``), each holding a
``submission.Worker`` with its own sandboxed harness and its own scratch records,
shows the progress, and commits each ``results.StudentResult`` as it comes back.
One submission's walk (intake, nbgrader, harness, judge, annotate) is
``byhand_grader.submission``'s.

The main process commits each submission: notebook into ``autograded/``,
nbgrader's record and the judge's scores into the gradebook in one transaction
(``record.commit``).  At no moment does the gradebook hold a score the hidden
checks did not give, whether the run ends, fails or is stopped (Ctrl-C or
SIGTERM: ``GradingStopped``, and what was recorded stays recorded).

Statuses: ``graded``; ``partly graded`` (a cell ended the process and was
skipped); ``ungradable`` (nothing of the student's could be read: recorded as 0
with the reason); ``failed`` (the grader itself failed on it: nothing recorded,
no points shown, and the command exits non-zero); ``missing`` (on the roster,
nothing submitted).  Everything assignment-specific comes from the assignment's
description (``grader_tests/<a>/assignment.py``), everything course-specific from
the ``Course`` passed in.  Re-running regrades from scratch and gives the same
scores (hidden inputs are seeded per student).
"""

import contextlib
import datetime
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import time
from pathlib import Path

from . import record, regrade
from .assignment import load_assignment, read_source
from .course import Course
from .results import GradingStopped, StudentResult, write_results
from .sandbox import slots
from .sandbox.kernel import install_kernelspec
from .submission import Worker

# -- worker processes -------------------------------------------------------------------

_WORKER = None
_SLOT_LOCK = None  #: the worker process's slot, held for as long as it lives


def _init_worker(root, class_folder, execute, assignments):
    global _WORKER, _SLOT_LOCK
    # a slot of its own on this machine: a replacement for a killed worker takes its back
    slot, _SLOT_LOCK = slots.claim(*slots.LOCAL)
    _WORKER = Worker(slot, Course(root, class_folder), execute, assignments)
    # run when the worker process leaves normally (atexit is not, in pool workers)
    multiprocessing.util.Finalize(_WORKER, _WORKER.close, exitpriority=10)


def _grade_task(args):
    return _WORKER.grade(*args)


def find_submissions(course, assignments=None, students=None):
    """``[(student, assignment)]`` for every ``submitted/<student>/<assignment>/`` folder."""
    wanted = assignments or course.assignments()
    found = []
    for student_dir in sorted(course.submitted.glob("*")):
        if not student_dir.is_dir() or (students and student_dir.name not in students):
            continue
        for a in wanted:
            if (student_dir / a).is_dir():
                found.append((student_dir.name, a))
    return found


def grade(
    course,
    assignments=None,
    students=None,
    workers=None,
    execute=False,
    progress=True,
    scheduler=None,
):
    """Grade the class's submissions, recording each as it is judged; return the ``StudentResult``s.

    ``scheduler``: the address of a Dask scheduler whose workers grade instead of
    ``workers`` local processes (``byhand_grader.cluster``); this process still
    writes the gradebook, alone.

    Raises ``record.GradebookNotReady`` before any work when the gradebook does not know
    an assignment, ``cluster.ClusterUnavailable`` when ``scheduler`` does not answer or
    has no worker that can grade, and ``GradingStopped`` when the harness cannot start
    or the run is interrupted (SIGINT, SIGTERM); what was recorded before stays recorded.
    """
    from nbgrader.api import Gradebook

    from .report import write_report_csv

    todo = find_submissions(course, assignments, students)
    if not todo:
        return []
    wanted = sorted({a for _, a in todo})
    for a in wanted:
        if not course.release_notebook(a).exists():
            raise FileNotFoundError(f"release/{a} is missing: run `byhand release` first")
        read_source(course, a)  # a description that does not match fails here, before any work
    record.check_ready(course.db_url, wanted)
    if execute:  # the kernel nbgrader starts, as this version of the grader runs it
        install_kernelspec()
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    client = None
    if scheduler is not None:  # before the gradebook is opened: unreachable costs nothing
        from .cluster import connect

        client = connect(scheduler)
    results = []
    bar = _Progress(len(todo), enabled=progress)
    with Gradebook(course.db_url) as gb, _stop_on_sigterm():

        def take(result):
            if result.fatal:
                raise GradingStopped(
                    f"the grading harness cannot start ({result.fatal}); run "
                    "`byhand setup-sandbox` to check the sandbox. Nothing was "
                    "charged to any student; "
                    f"{_recorded(results, len(todo))}"
                )
            if not result.failed:
                with _commit_whole():
                    result.manual = record.commit(gb, course, Path(result.notebook_folder), result)
            results.append(result)
            bar.step(result)

        try:
            if client is not None:
                from .cluster import grade_on_cluster

                with contextlib.closing(
                    grade_on_cluster(client, course, todo, execute, wanted)
                ) as finished:
                    for res in finished:
                        take(res)
            elif workers == 1:
                slot, lock = slots.claim(*slots.LOCAL)
                try:
                    worker = Worker(slot, course, execute, wanted)
                    try:
                        for item in todo:
                            take(worker.grade(*item))
                    finally:
                        worker.close()
                finally:
                    lock.close()
            else:
                # Workers fork from a server that imported this module (torch, nbgrader,
                # pytest) once, not each from a fresh interpreter: 2.5 s of CPU per worker
                # at every start.  Like spawn, nothing of this process's state is inherited.
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload([__name__])
                pool = ctx.Pool(
                    workers,
                    initializer=_init_worker,
                    initargs=(str(course.root), str(course.class_folder), execute, wanted),
                )
                try:
                    for res in pool.imap_unordered(_grade_task, todo):
                        take(res)
                except BaseException:
                    pool.terminate()  # stopped or failed: recorded work stays recorded
                    pool.join()
                    raise
                pool.close()  # workers leave normally and close their harnesses
                pool.join()
        except KeyboardInterrupt:
            raise GradingStopped(f"stopped: {_recorded(results, len(todo))}") from None
        finally:
            bar.done()
            if client is not None:
                client.close()
            if students is None:  # the whole class: who submitted nothing reads "missing"
                results += _missing(record.roster(gb), todo, wanted, course)
            results.sort(key=lambda r: (r.assignment, r.student))
            for a in wanted:
                rows = [r for r in results if r.assignment == a]
                if rows:
                    desc = load_assignment(course, a)
                    write_report_csv(
                        rows, desc, course.report_csv(a), keep_others=students is not None
                    )
                    _write_results(course, desc, rows, keep_others=students is not None)
    return results


def _write_results(course, desc, rows, keep_others):
    """``autograded/results-<a>.json``: this run's results, with the other students' from
    the last run when only some were graded (``keep_others``); and what this run changed
    since the last one, ``autograded/regrade-<a>.csv`` (``regrade``)."""
    path = course.results_json(desc.name)
    last = regrade.last_run(path)
    now = regrade.Run(
        [r for r in rows if not r.failed],
        desc.tests_digest,
        datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )
    if keep_others and last is not None:
        graded = {r.student for r in now.results}
        rows = sorted(
            [r for r in last.results if r.student not in graded] + rows, key=lambda r: r.student
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_results(
        path, desc.name, [r for r in rows if not r.failed], now.tests_digest, now.graded_at
    )
    regrade.record_impact(course.regrade_csv(desc.name), last, now)


def _missing(roster, todo, assignments, course):
    submitted = set(todo)
    folder = course.submitted.relative_to(course.root)
    return [
        StudentResult(s, a, status="missing", reasons=[f"no submission in {folder}/{s}/{a}/"])
        for a in assignments
        for s in roster
        if (s, a) not in submitted
    ]


def _recorded(results, total):
    done = sum(not r.failed for r in results)
    return (
        f"{done} of {total} submissions were graded and recorded; the others keep "
        "whatever the gradebook held before"
    )


class _stop_on_sigterm:
    """While grading, SIGTERM stops the run like Ctrl-C: recorded submissions stay recorded."""

    def __enter__(self):
        self.old = None
        if threading_is_main():
            self.old = signal.signal(signal.SIGTERM, _raise_interrupt)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)


class _commit_whole:
    """Ctrl-C or SIGTERM during a submission's commit takes effect as the commit ends.

    A KeyboardInterrupt inside SQLAlchemy's commit can leave the session half committed,
    where even the rollback fails ("This session is in 'committed' state"): the run then
    ended on that error (exit 1) instead of saying what was recorded and exiting 130, as
    ``tests/byhand_grader/test_interrupted_run.py`` once caught.  A commit takes
    milliseconds; the signal waits for it, then stops the run as before.
    """

    def __enter__(self):
        self.old, self.caught = {}, None
        if threading_is_main():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.old[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum, frame):
        self.caught = signum

    def __exit__(self, kind, err, tb):
        for sig, old in self.old.items():
            signal.signal(sig, old)
        if self.caught is not None and kind is None:
            raise KeyboardInterrupt


def threading_is_main():
    import threading

    return threading.current_thread() is threading.main_thread()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class _Progress:
    def __init__(self, total, enabled=True):
        self.total, self.n, self.enabled, self.start = total, 0, enabled, time.perf_counter()

    def step(self, result):
        self.n += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.n / self.total)
        rate = (time.perf_counter() - self.start) / self.n
        sys.stderr.write(
            f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {self.n}/{self.total}"
            f"  {rate:.1f} s/submission  {result.student[:24]:<24}"
        )
        sys.stderr.flush()

    def done(self):
        if self.enabled and self.n:
            sys.stderr.write("\n")
