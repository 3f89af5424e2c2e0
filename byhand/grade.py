"""Verb ``grade``: grade every submission in ``submitted/`` and merge it into the gradebook.

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
   the hidden inputs of ``grader_tests/<a>_probes.py``; the judge runs
   ``grader_tests/test_<a>.py`` on the reply.
4. Back in the main process, each grade cell's ``auto_score`` in the gradebook
   becomes the judge's score, the autograded notebook's grade cells show the
   judge's verdicts, and the grade table is printed.

Re-running regrades from scratch and gives the same scores (hidden inputs are
seeded per student), so the command is idempotent.
"""

import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .course import ROOT, existing_assignments, release_notebook, source_notebook

#: Where repaired copies of submissions are staged for nbgrader (not a course folder).
INTAKE = ".byhand/intake"


@dataclass
class CellGrade:
    grade_id: str
    points: float
    score: float
    passed: int
    total: int
    messages: list


@dataclass
class StudentResult:
    student: str
    assignment: str
    status: str = "graded"          #: graded / partly graded / failed
    reasons: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    cells: list = field(default_factory=list)   #: CellGrade dicts
    curves: list = field(default_factory=list)  #: (seed, student epoch errors) of XOR runs
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  #: seconds per phase: intake, nbgrader, harness, judge

    def as_dict(self):
        """Plain data (it crosses process boundaries), with the total filled in."""
        d = asdict(self)
        d["auto_score"] = round(sum(c["score"] for c in self.cells), 2)
        return d


# -- the parts a worker runs ------------------------------------------------------------


def _nbgrader_config(root, execute):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    cfg.merge(Config({
        "CourseDirectory": {"root": str(root),
                            "submitted_directory": str(Path(root) / INTAKE)},
        "Execute": {"enabled": bool(execute), "kernel_name": "byhand-sandbox"},
        "ClearOutput": {"enabled": bool(execute)},
        "Autograde": {"create_student": True},
    }))
    return cfg


KERNEL_ENV = ("BYHAND_SLOT", "BYHAND_COURSE_ROOT")  # read by byhand.sandbox_kernel


class Worker:
    """What one worker process holds: an nbgrader API and a sandboxed harness."""

    def __init__(self, slot, root, execute):
        import warnings

        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning
        warnings.filterwarnings("ignore", category=SAWarning)
        warnings.filterwarnings("ignore", module="nbformat")  # ids nbgrader's restored cells lack

        from .runner import Runner
        from .nbgrader_run import scripts_on_path
        scripts_on_path()
        # nbgrader starts the sandboxed kernel with this process's environment, so that
        # is how the kernel learns its slot and which course to hide.  close() puts the
        # old values back: a worker run in the caller's process must not leave them behind.
        self._saved_env = {k: os.environ.get(k) for k in KERNEL_ENV}
        os.environ["BYHAND_SLOT"] = str(slot)
        os.environ["BYHAND_COURSE_ROOT"] = str(Path(root).resolve())
        self.root = Path(root)
        self.api = NbGraderAPI(config=_nbgrader_config(self.root, execute))
        # Without re-execution nothing the student wrote runs inside nbgrader, so this
        # one always leaves a record; it is the fallback when an executing run dies.
        self.plain_api = (NbGraderAPI(config=_nbgrader_config(self.root, False))
                          if execute else self.api)
        self.runner = Runner(slot=slot, course_root=self.root)

    def grade(self, student, assignment):
        from . import judge
        from .intake import IntakeError, take_in
        start = time.perf_counter()
        result = StudentResult(student, assignment)
        folder = self.root / "submitted" / student / assignment
        staged = None
        try:
            staged = take_in(folder, student, assignment, source_notebook(assignment, self.root),
                             self.root / INTAKE)
            result.notes += staged.notes
        except IntakeError as err:
            result.status = "failed"
            result.reasons.append(str(err))
            _stage_blank(self.root, folder, student, assignment)
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
        points = _points(self.root, assignment)
        if staged is None:
            result.cells = [asdict(CellGrade(g, p, 0.0, 0, 0, [])) for g, p in points.items()]
            result.seconds = time.perf_counter() - start
            return result
        calls = judge.build_calls(assignment, student)
        mark = time.perf_counter()
        reply = self.runner.run({"cells": staged.cells, "calls": list(calls.values())})
        result.timings["harness"] = time.perf_counter() - mark
        mark = time.perf_counter()
        verdicts = judge.judge(assignment, judge.Probe(student, calls, reply))
        result.timings["judge"] = time.perf_counter() - mark
        for grade_id, pts in points.items():
            v = verdicts.get(grade_id, judge.CellResult())
            result.cells.append(asdict(CellGrade(grade_id, pts, v.score(pts), v.passed, v.total,
                                                 v.messages)))
        cell_errors = [f"{c['label']}: {c['error']}" for c in reply.get("cells", []) if c["error"]]
        result.notes += cell_errors
        if reply.get("reason"):
            result.reasons.append(reply["reason"])
        if reply.get("status") not in ("ok", None):
            result.status = "partly graded"
        result.curves = [(cid, v["value"]["epoch_errors"]) for cid, v in
                         reply.get("calls", {}).items()
                         if v.get("ok") and "epoch_errors" in v.get("value", {})]
        result.seconds = time.perf_counter() - start
        return result

    def close(self):
        self.runner.close()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _last_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no message"


def _stage_blank(root, folder, student, assignment):
    """Stage the blank release for a submission that cannot be read, so a record exists."""
    dest = Path(root) / INTAKE / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(release_notebook(assignment, root), dest / f"{assignment}.ipynb")
    stamp = Path(folder) / "timestamp.txt"
    if stamp.is_file():
        shutil.copy2(stamp, dest / "timestamp.txt")


_POINTS = {}


def _points(root, assignment):
    """``{grade_id: points}`` of the autograded cells, from the source notebook."""
    key = (str(root), assignment)
    if key not in _POINTS:
        import nbformat
        nb = nbformat.read(source_notebook(assignment, root), as_version=4)
        _POINTS[key] = {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
                        for c in nb.cells if c.cell_type == "code"
                        and (c.metadata.get("nbgrader") or {}).get("grade")}
    return _POINTS[key]


# -- worker processes -------------------------------------------------------------------

_WORKER = None


def _init_worker(slots, root, execute):
    global _WORKER
    _WORKER = Worker(slots.get(), root, execute)
    import atexit
    atexit.register(_WORKER.close)


def _grade_task(args):
    return _WORKER.grade(*args).as_dict()


def find_submissions(root=ROOT, assignments=None, students=None):
    """``[(student, assignment)]`` for every ``submitted/<student>/<assignment>/`` folder."""
    root = Path(root)
    wanted = assignments or existing_assignments(root)
    found = []
    for student_dir in sorted((root / "submitted").glob("*")):
        if not student_dir.is_dir() or (students and student_dir.name not in students):
            continue
        for a in wanted:
            if (student_dir / a).is_dir():
                found.append((student_dir.name, a))
    return found


def grade(assignments=None, students=None, workers=None, execute=False, root=ROOT,
          progress=True):
    """Grade the submissions and merge the results; return the ``StudentResult`` dicts."""
    from .merge import merge_results
    root = Path(root)
    todo = find_submissions(root, assignments, students)
    if not todo:
        return []
    for a in sorted({a for _, a in todo}):
        if not release_notebook(a, root).exists():
            raise FileNotFoundError(f"release/{a} is missing: run `python -m byhand release` first")
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    results = []
    bar = _Progress(len(todo), enabled=progress)
    if workers == 1:
        worker = Worker(0, root, execute)
        try:
            for item in todo:
                results.append(worker.grade(*item).as_dict())
                bar.step(results[-1])
        finally:
            worker.close()
    else:
        ctx = multiprocessing.get_context("spawn")
        slots = ctx.Queue()
        for s in range(workers):
            slots.put(s)
        with ctx.Pool(workers, initializer=_init_worker, initargs=(slots, str(root), execute)) as pool:
            for res in pool.imap_unordered(_grade_task, todo):
                results.append(res)
                bar.step(res)
    bar.done()
    results.sort(key=lambda r: (r["assignment"], r["student"]))
    merge_results(results, root)
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
                         f"  {rate:.1f} s/submission  {result['student'][:24]:<24}")
        sys.stderr.flush()

    def done(self):
        if self.enabled and self.n:
            sys.stderr.write("\n")
