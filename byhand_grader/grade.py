"""Grade every submission of a class and record each one in the gradebook as soon as it is judged.

For each ``submitted/<student>/<assignment>/`` (students spread over worker
processes, each with its own sandboxed harness and its own scratch records; the
processes of this machine, or with ``scheduler`` those of a Dask cluster,
``byhand_grader.cluster``):

1. ``intake`` reads the submission without changing it and stages a repaired
   copy (renamed notebook, tags, duplicated cells); a notebook that cannot be
   read at all is replaced by the blank release, so the student still has a
   record, and the reason is kept.
2. ``nbgrader autograde`` takes the staged copy, into the worker's scratch
   gradebook and ``autograded/`` (``byhand_grader.record``): it restores locked
   and deleted grade cells and records the submission.  By default it does
   **not** execute the notebook (the outputs stay as the student submitted
   them); ``execute=True`` also runs it in the sandboxed kernel ``byhand-sandbox``.
3. The harness runs the student's answer cells and calls their functions on
   the hidden inputs of ``grader_tests/<a>/probes.py``; the judge runs
   ``grader_tests/<a>/test_<a>.py`` on the reply; the verdicts go into the
   autograded notebook.
4. The main process commits the submission: notebook into ``autograded/``,
   nbgrader's record and the judge's scores into the gradebook in one
   transaction.  At no moment does the gradebook hold a score the hidden
   checks did not give, whether the run ends, fails or is stopped.

Statuses: ``graded``; ``partly graded`` (a cell ended the process and was
skipped); ``ungradable`` (nothing of the student's could be read: recorded as 0
with the reason); ``failed`` (the grader itself failed on it: nothing recorded,
no points shown, and the command exits non-zero).  Everything
assignment-specific comes from the assignment's description
(``grader_tests/<a>/assignment.py``), everything course-specific from the
``Course`` passed in.  Re-running regrades from scratch and gives the same
scores (hidden inputs are seeded per student).
"""

import contextlib
import copy
import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import judge, record, sandbox
from .annotate import annotate
from .assignment import load_assignment, read_source
from .course import Course
from .intake import IntakeError, take_in
from .runner import HarnessUnavailable
from .sandbox import slots
from .sandbox.kernel import KERNEL_NAME, install_kernelspec, kernel_arguments


class GradingStopped(RuntimeError):
    """The run stopped before the end; every submission recorded so far stays recorded."""


@dataclass
class CellGrade:
    """The judge's score of one autograded grade cell."""

    grade_id: str
    points: float
    score: float
    passed: int
    total: int
    failures: list = field(default_factory=list)   #: ``judge.Failure`` per failed check


@dataclass
class Curve:
    """The student's epoch errors in one XOR training run from a grader's start."""

    seed: int
    epoch_errors: list
    errors_every: int = 1   #: ``epoch_errors[n]`` is epoch ``1 + n * errors_every``'s


@dataclass
class StudentResult:
    """What grading one submission found; it crosses process boundaries by pickling."""

    student: str
    assignment: str
    status: str = "graded"          #: graded / partly graded / ungradable / failed
    reasons: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    cells: list = field(default_factory=list)   #: ``CellGrade`` per autograded cell
    curves: list = field(default_factory=list)  #: ``Curve`` per XOR training run
    explanation: dict = None        #: the "explain" call and its reply: the student's own runs
    flags: dict = field(default_factory=dict)   #: what the instructor should know: name -> details
    manual: dict = field(default_factory=dict)  #: hand-graded cell -> the gradebook's score, or None
    manual_points: dict = field(default_factory=dict)  #: hand-graded problem column -> its points
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  #: seconds per phase: intake, nbgrader, harness, judge
    recorded: object = None         #: ``record.Recorded``: what nbgrader recorded (scratch)
    notebook_folder: str = None     #: the annotated autograded folder, in the worker's scratch
    fatal: str = None               #: the grader cannot go on at all (not this student's doing)

    @property
    def failed(self):
        """Grading failed on the grader's side: nothing is recorded and no score shown."""
        return self.status == "failed"

    @property
    def auto_score(self):
        return round(sum(c.score for c in self.cells), 2)

    @property
    def max_auto(self):
        return sum(c.points for c in self.cells)


# -- the parts a worker runs ------------------------------------------------------------


def nbgrader_config(course, execute, slot, scratch):
    """The course's nbgrader configuration, as grading uses it: into the worker's scratch."""
    from traitlets.config import Config
    cfg = copy.deepcopy(course.config)   # its sections are shared: merging must not change them
    cfg.merge(Config({
        "CourseDirectory": {"root": str(course.root),
                            "submitted_directory": str(course.intake),
                            "autograded_directory": str(scratch.autograded),
                            "db_url": scratch.db_url},
        "Execute": {"enabled": bool(execute), "kernel_name": KERNEL_NAME,
                    # the sandboxed kernel's parameters, on its command line
                    "extra_arguments": kernel_arguments(course.root, slot)},
        "ClearOutput": {"enabled": bool(execute)},
        "Autograde": {"create_student": True},
        "GradeWithByhand": {"in_byhand_grade": True},  # byhand_grader/guard.py: let it run
    }))
    return cfg


class Worker:
    """What one worker process holds: an nbgrader API, scratch records and a sandboxed harness."""

    def __init__(self, slot, course, execute, assignments):
        import warnings

        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning
        warnings.filterwarnings("ignore", category=SAWarning)
        warnings.filterwarnings("ignore", module="nbformat")  # ids nbgrader's restored cells lack

        from .nbgrader_run import scripts_on_path
        from .runner import Runner
        scripts_on_path()
        self.course = course
        self.scratch = record.Scratch(course, slot)
        self.scratch.reset(assignments)
        self.api = NbGraderAPI(config=nbgrader_config(course, execute, slot, self.scratch))
        # Without re-execution nothing the student wrote runs inside nbgrader, so this
        # one always leaves a record; it is the fallback when an executing run dies.
        self.plain_api = (NbGraderAPI(config=nbgrader_config(course, False, slot, self.scratch))
                          if execute else self.api)
        self.runner = Runner(course.root, slot=slot)
        self._sources = {}
        self.unavailable = None
        try:
            self.runner.start()
        except HarnessUnavailable as err:
            self.unavailable = str(err)
        import gc
        # what the worker keeps all run (torch, nbgrader, pytest): never traced again by
        # the collector, whose full passes the judge's pytest sessions would otherwise trigger
        gc.freeze()

    def source(self, assignment):
        """``(description, source notebook, autograded {grade_id: points}, hand-graded ones)``."""
        if assignment not in self._sources:
            desc = load_assignment(self.course, assignment)
            nb = nbformat.read(self.course.source_notebook(assignment), as_version=4)
            auto, manual = desc.check(nb)
            self._sources[assignment] = (desc, nb, auto, manual)
        return self._sources[assignment]

    def grade(self, student, assignment):
        """Grade one submission; never raises for anything the student or the grader did."""
        result = StudentResult(student, assignment)
        if self.unavailable:
            result.status, result.fatal = "failed", self.unavailable
            return result
        try:
            self._grade(result)
        except HarnessUnavailable as err:
            result.status, result.fatal = "failed", str(err)
        except Exception as err:  # a grader-side failure costs this submission, not the run
            result.status = "failed"
            result.cells, result.curves, result.notebook_folder = [], [], None
            where = traceback.extract_tb(err.__traceback__)[-1]
            result.reasons = [f"the grader failed on this submission ({type(err).__name__}: "
                              f"{str(err)[:200]}, at {Path(where.filename).name}:{where.lineno}); "
                              "nothing was recorded"]
        return result

    def _grade(self, result):
        student, assignment = result.student, result.assignment
        start = time.perf_counter()
        desc, source_nb, points, manual = self.source(assignment)
        result.manual_points = {p.column: sum(manual[g] for g in p.manual_cells)
                                for p in desc.problems if p.manual_cells}
        folder = self.course.submitted / student / assignment
        staged = None
        try:
            staged = take_in(folder, student, desc, source_nb, self.course.intake)
            result.notes += staged.notes
            result.flags.update(staged.flags)
        except IntakeError as err:
            result.status = "ungradable"
            result.reasons.append(str(err))
            _stage_blank(self.course, folder, student, assignment)
        result.timings["intake"] = time.perf_counter() - start
        ag = self.api.autograde(assignment, student, force=True, create=True)
        if not ag.get("success") and self.plain_api is not self.api:
            ag = self.plain_api.autograde(assignment, student, force=True, create=True)
            result.notes.append("re-executing the notebook in nbgrader failed (a dead kernel "
                                "or a cell over the time limit); it was recorded without "
                                "re-execution")
        result.timings["nbgrader"] = time.perf_counter() - start - result.timings["intake"]
        if not ag.get("success"):
            raise RuntimeError("nbgrader could not autograde it: "
                               + _last_line(ag.get("error") or ag.get("log") or ""))
        result.recorded = self.scratch.recorded(student, assignment)
        result.notebook_folder = str(self.scratch.notebook_folder(student, assignment))
        if staged is None:    # nothing of the student's to run: a record of 0, with the reason
            result.cells = [CellGrade(g, p, 0.0, 0, 0) for g, p in points.items()]
            annotate(self.scratch.notebook(student, assignment), result, desc)
            result.seconds = time.perf_counter() - start
            return
        calls = judge.build_calls(desc, student)
        mark = time.perf_counter()
        reply = self.runner.run({"cells": staged.cells, "calls": list(calls.values()),
                                 "call_kinds": list(desc.call_kinds),
                                 "by_hand": list(desc.by_hand)})
        found = void_autograd_calls(reply, calls, staged.cells, desc.by_hand)
        result.timings["harness"] = time.perf_counter() - mark
        mark = time.perf_counter()
        verdicts = judge.judge(desc, judge.Probe(student, calls, reply))
        result.timings["judge"] = time.perf_counter() - mark
        for grade_id, pts in points.items():
            v = verdicts.get(grade_id, judge.CellResult())
            result.cells.append(CellGrade(grade_id, pts, v.score(pts), v.passed, v.total,
                                          v.failures))
        result.notes += [f"{c['label']}: {c['error']}" for c in reply.get("cells", [])
                         if c["error"]]
        result.flags.update(harness_flags(reply))
        if self.runner.tier != sandbox.BWRAP:   # what an instructor must know: weaker than usual
            result.flags["confinement"] = sandbox.TIER_WORDS[self.runner.tier]
        if found:
            result.flags["autograd"] = sorted({*result.flags.get("autograd", []), *found})
        if reply.get("reason"):
            result.reasons.append(reply["reason"])
        if reply.get("status") not in ("ok", None):
            result.status = "partly graded"
        result.curves = [Curve(int(calls[cid]["seed"]), v["value"]["epoch_errors"],
                               int(calls[cid].get("errors_every", 1)))
                         for cid, v in reply.get("calls", {}).items()
                         if v.get("ok") and calls[cid]["kind"] == "train"]
        result.explanation = next(({"call": c, "reply": reply.get("calls", {}).get(
            cid, {"ok": False, "error": "it was never reached"})}
            for cid, c in calls.items() if c["kind"] == "explain"), None)
        annotate(self.scratch.notebook(student, assignment), result, desc)
        result.seconds = time.perf_counter() - start

    def close(self):
        self.runner.close()



def _last_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no message"


def _stage_blank(course, folder, student, assignment):
    """Stage the blank release for a submission that cannot be read, so a record exists."""
    dest = course.intake / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(course.release_notebook(assignment), dest / f"{assignment}.ipynb")
    stamp = folder / "timestamp.txt"
    if stamp.is_file():
        shutil.copy2(stamp, dest / "timestamp.txt")


def void_autograd_calls(reply, calls, cells, by_hand):
    """The scan's layer of autograd detection, on the answer cells' code (trusted side).

    A by-hand call whose function (or, for training, its forward pass) uses autograd in
    its code counts as failed with the evidence, like one the harness caught at run
    time.  Returns ``{function: evidence}``.
    """
    from .autograd_scan import scan
    def functions(call):
        return [f for f in (call.get("fn"), call.get("forward")) if f]
    wanted = sorted({f for c in calls.values() if c["kind"] in by_hand for f in functions(c)})
    found = scan(cells, wanted) if wanted else {}
    for cid, call in calls.items():
        evidence = next((found[f] for f in functions(call) if f in found), None)
        if call["kind"] in by_hand and evidence:
            reply.setdefault("calls", {})[cid] = {
                "ok": False, "error": f"AutogradUsed: {evidence}", "error_type": "AutogradUsed",
                "autograd": evidence, "missing": False, "cause": None}
    return found


def harness_flags(reply):
    """What the harness saw the student's code do that an instructor should know about."""
    flags = {k: v for k, v in (reply.get("flags") or {}).items() if v}
    types = {c.get("error_type") for c in reply.get("cells", [])}
    types |= {c.get("error_type") for c in reply.get("calls", {}).values() if not c.get("ok")}
    hit = set(reply.get("limits", []))       # the whole submission's: time, CPU, memory, output
    hit |= {"time"} if "TimeoutError" in types else set()     # one cell's or call's alarm
    hit |= {"memory"} if "MemoryError" in types else set()
    if hit:
        flags["limits"] = sorted(f"{name} limit" for name in hit)
    return flags


# -- worker processes -------------------------------------------------------------------

_WORKER = None
_SLOT_LOCK = None   #: the worker process's slot, held for as long as it lives


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


def grade(course, assignments=None, students=None, workers=None, execute=False, progress=True,
          scheduler=None):
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
        read_source(course, a)   # a description that does not match fails here, before any work
    record.check_ready(course.db_url, wanted)
    if execute:   # the kernel nbgrader starts, as this version of the grader runs it
        install_kernelspec()
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    client = None
    if scheduler is not None:   # before the gradebook is opened: unreachable costs nothing
        from .cluster import connect
        client = connect(scheduler)
    results = []
    bar = _Progress(len(todo), enabled=progress)
    with Gradebook(course.db_url) as gb, _stop_on_sigterm():
        def take(result):
            if result.fatal:
                raise GradingStopped(f"the grading harness cannot start ({result.fatal}); run "
                                     "`byhand setup-sandbox` to check the sandbox. Nothing was "
                                     "charged to any student; "
                                     f"{_recorded(results, len(todo))}")
            if not result.failed:
                with _commit_whole():
                    result.manual = record.commit(gb, course, Path(result.notebook_folder),
                                                  result)
            results.append(result)
            bar.step(result)

        try:
            if client is not None:
                from .cluster import grade_on_cluster
                with contextlib.closing(grade_on_cluster(client, course, todo, execute,
                                                         wanted)) as finished:
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
                pool = ctx.Pool(workers, initializer=_init_worker,
                                initargs=(str(course.root), str(course.class_folder),
                                          execute, wanted))
                try:
                    for res in pool.imap_unordered(_grade_task, todo):
                        take(res)
                except BaseException:
                    pool.terminate()   # stopped or failed: recorded work stays recorded
                    pool.join()
                    raise
                pool.close()           # workers leave normally and close their harnesses
                pool.join()
        except KeyboardInterrupt:
            raise GradingStopped(f"stopped: {_recorded(results, len(todo))}") from None
        finally:
            bar.done()
            if client is not None:
                client.close()
            if students is None:   # the whole class: who submitted nothing reads "missing"
                results += _missing(record.roster(gb), todo, wanted, course)
            results.sort(key=lambda r: (r.assignment, r.student))
            for a in wanted:
                rows = [r for r in results if r.assignment == a]
                if rows:
                    write_report_csv(rows, load_assignment(course, a), course.report_csv(a),
                                     keep_others=students is not None)
    return results


def _missing(roster, todo, assignments, course):
    submitted = set(todo)
    folder = course.submitted.relative_to(course.root)
    return [StudentResult(s, a, status="missing",
                          reasons=[f"no submission in {folder}/{s}/{a}/"])
            for a in assignments for s in roster if (s, a) not in submitted]


def _recorded(results, total):
    done = sum(not r.failed for r in results)
    return (f"{done} of {total} submissions were graded and recorded; the others keep "
            "whatever the gradebook held before")


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
        sys.stderr.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {self.n}/{self.total}"
                         f"  {rate:.1f} s/submission  {result.student[:24]:<24}")
        sys.stderr.flush()

    def done(self):
        if self.enabled and self.n:
            sys.stderr.write("\n")
