"""Grade every submission of a course and merge it into the gradebook.

For each ``submitted/<student>/<assignment>/`` (students spread over worker
processes, each with its own sandboxed harness):

1. ``intake`` reads the submission without changing it and stages a repaired
   copy (renamed notebook, tags, duplicated cells); a notebook that cannot be
   read at all is replaced by the blank release, so the student still has a
   record, and the reason is kept.
2. ``nbgrader autograde`` takes the staged copy: it restores locked and deleted
   grade cells, records the submission and every grade cell in the gradebook
   and writes ``autograded/``.  By default it does **not** execute the
   notebook (the outputs stay as the student submitted them); ``execute=True``
   also runs it in nbgrader, in the sandboxed kernel ``byhand-sandbox``.
3. The harness runs the student's answer cells and calls their functions on
   the hidden inputs of ``grader_tests/<a>/probes.py``; the judge runs
   ``grader_tests/<a>/test_<a>.py`` on the reply.
4. Back in the main process, each grade cell's ``auto_score`` in the gradebook
   becomes the judge's score, the autograded notebook's grade cells show the
   judge's verdicts, and the grade table is printed.

Everything assignment-specific comes from the assignment's description
(``grader_tests/<a>/assignment.py``, see ``byhand_grader.assignment``), and
everything course-specific from the ``Course`` passed in.  Re-running regrades
from scratch and gives the same scores (hidden inputs are seeded per
student), so the command is idempotent.
"""

import copy
import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import dataclass, field

from . import judge
from .assignment import read_source
from .course import Course
from .intake import IntakeError, take_in
from .sandbox_kernel import KERNEL_NAME, install_kernelspec, kernel_arguments


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


@dataclass
class StudentResult:
    """What grading one submission found; it crosses process boundaries by pickling."""

    student: str
    assignment: str
    status: str = "graded"          #: graded / partly graded / failed
    reasons: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    cells: list = field(default_factory=list)   #: ``CellGrade`` per autograded cell
    curves: list = field(default_factory=list)  #: ``Curve`` per XOR training run
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  #: seconds per phase: intake, nbgrader, harness, judge

    @property
    def auto_score(self):
        return round(sum(c.score for c in self.cells), 2)

    @property
    def max_auto(self):
        return sum(c.points for c in self.cells)


# -- the parts a worker runs ------------------------------------------------------------


def nbgrader_config(course, execute, slot=0):
    """The course's nbgrader configuration, as grading uses it."""
    from traitlets.config import Config
    cfg = copy.deepcopy(course.config)   # its sections are shared: merging must not change them
    cfg.merge(Config({
        "CourseDirectory": {"root": str(course.root),
                            "submitted_directory": str(course.intake)},
        "Execute": {"enabled": bool(execute), "kernel_name": KERNEL_NAME,
                    # the sandboxed kernel's parameters, on its command line
                    "extra_arguments": kernel_arguments(course.root, slot)},
        "ClearOutput": {"enabled": bool(execute)},
        "Autograde": {"create_student": True},
    }))
    return cfg


class Worker:
    """What one worker process holds: an nbgrader API and a sandboxed harness."""

    def __init__(self, slot, course, execute):
        import warnings

        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning
        warnings.filterwarnings("ignore", category=SAWarning)
        warnings.filterwarnings("ignore", module="nbformat")  # ids nbgrader's restored cells lack

        from .nbgrader_run import scripts_on_path
        from .runner import Runner
        scripts_on_path()
        self.course = course
        self.api = NbGraderAPI(config=nbgrader_config(course, execute, slot))
        # Without re-execution nothing the student wrote runs inside nbgrader, so this
        # one always leaves a record; it is the fallback when an executing run dies.
        self.plain_api = (NbGraderAPI(config=nbgrader_config(course, False, slot))
                          if execute else self.api)
        self.runner = Runner(course.root, slot=slot)
        self._sources = {}

    def source(self, assignment):
        """``(description, source notebook, {grade_id: points})``, read once per worker."""
        if assignment not in self._sources:
            desc, nb = read_source(self.course, assignment)
            auto, _ = desc.check(nb)
            self._sources[assignment] = (desc, nb, auto)
        return self._sources[assignment]

    def grade(self, student, assignment):
        start = time.perf_counter()
        desc, source_nb, points = self.source(assignment)
        result = StudentResult(student, assignment)
        folder = self.course.submitted / student / assignment
        staged = None
        try:
            staged = take_in(folder, student, desc, source_nb, self.course.intake)
            result.notes += staged.notes
        except IntakeError as err:
            result.status = "failed"
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
            result.status = "failed"
            result.reasons.append("nbgrader could not autograde it: "
                                  + _last_line(ag.get("error") or ag.get("log") or ""))
        if staged is None:
            result.cells = [CellGrade(g, p, 0.0, 0, 0) for g, p in points.items()]
            result.seconds = time.perf_counter() - start
            return result
        calls = judge.build_calls(desc, student)
        mark = time.perf_counter()
        reply = self.runner.run({"cells": staged.cells, "calls": list(calls.values()),
                                 "call_kinds": list(desc.call_kinds)})
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
        if reply.get("reason"):
            result.reasons.append(reply["reason"])
        if reply.get("status") not in ("ok", None):
            result.status = "partly graded"
        result.curves = [Curve(int(calls[cid]["seed"]), v["value"]["epoch_errors"])
                         for cid, v in reply.get("calls", {}).items()
                         if v.get("ok") and calls[cid]["kind"] == "train"]
        result.seconds = time.perf_counter() - start
        return result

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


# -- worker processes -------------------------------------------------------------------

_WORKER = None


def _init_worker(slots, root, execute):
    global _WORKER
    _WORKER = Worker(slots.get(), Course(root), execute)
    import atexit
    atexit.register(_WORKER.close)


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


def grade(course, assignments=None, students=None, workers=None, execute=False, progress=True):
    """Grade the course's submissions and merge the results; return the ``StudentResult``s."""
    from .merge import merge_results
    todo = find_submissions(course, assignments, students)
    if not todo:
        return []
    for a in sorted({a for _, a in todo}):
        if not course.release_notebook(a).exists():
            raise FileNotFoundError(f"release/{a} is missing: run `byhand release` first")
        read_source(course, a)   # a description that does not match fails here, before any work
    if execute:   # the kernel nbgrader starts, as this version of the grader runs it
        install_kernelspec()
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    results = []
    bar = _Progress(len(todo), enabled=progress)
    if workers == 1:
        worker = Worker(0, course, execute)
        try:
            for item in todo:
                results.append(worker.grade(*item))
                bar.step(results[-1])
        finally:
            worker.close()
    else:
        ctx = multiprocessing.get_context("spawn")
        slots = ctx.Queue()
        for s in range(workers):
            slots.put(s)
        with ctx.Pool(workers, initializer=_init_worker,
                      initargs=(slots, str(course.root), execute)) as pool:
            for res in pool.imap_unordered(_grade_task, todo):
                results.append(res)
                bar.step(res)
    bar.done()
    results.sort(key=lambda r: (r.assignment, r.student))
    merge_results(course, results)
    return results


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
