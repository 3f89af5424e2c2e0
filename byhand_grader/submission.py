"""One submission's pipeline, as a worker runs it: intake, nbgrader, harness, judge, annotate.

A ``Worker`` holds what one grading process keeps all run (an nbgrader API into its
scratch gradebook, a sandboxed harness) and grades one ``submitted/<student>/<assignment>/``
at a time into a ``results.StudentResult``:

1. ``intake`` reads the submission without changing it and stages a repaired
   copy; a notebook that cannot be read at all is replaced by the blank release
   (``_stage_blank``), so the student still has a record, and the reason is kept.
2. ``nbgrader autograde`` takes the staged copy into the worker's scratch gradebook
   and ``autograded/`` (``nbgrader_config``); with ``execute`` it also runs it in the
   sandboxed kernel.
3. The harness runs the student's answer cells and calls their functions on the
   hidden inputs; the judge weighs the static autograd scan and runs the hidden
   checks on the reply (``judge.make_probe``, ``judge.judge``).
4. ``annotate`` puts the verdicts into the scratch notebook, and what it draws
   from the judge's probe (the training curves, the student's own runs); ``rubric.assist``
   writes the grader's note on the hand-graded explanation (``StudentResult.problem5``).

Committing the result into the gradebook is the class run's (``grade``,
``cluster``), never the worker's.
"""

import copy
import shutil
import time
import traceback
from pathlib import Path

import nbformat

from . import judge, record, sandbox
from .annotate import annotate, recorded_run
from .assignment import load_assignment
from .intake import IntakeError, take_in
from .results import CellGrade, StudentResult
from .rubric import answer_text, assist
from .runner import HarnessUnavailable
from .sandbox.kernel import kernel_arguments, KERNEL_NAME


def nbgrader_config(course, execute, slot, scratch):
    """The course's nbgrader configuration, as grading uses it: into the worker's scratch."""
    from traitlets.config import Config

    cfg = copy.deepcopy(course.config)  # its sections are shared: merging must not change them
    cfg.merge(
        Config(
            {
                "CourseDirectory": {
                    "root": str(course.root),
                    "submitted_directory": str(course.intake),
                    "autograded_directory": str(scratch.autograded),
                    "db_url": scratch.db_url,
                },
                "Execute": {
                    "enabled": bool(execute),
                    "kernel_name": KERNEL_NAME,
                    # the sandboxed kernel's parameters, on its command line
                    "extra_arguments": kernel_arguments(course.root, slot),
                },
                "ClearOutput": {"enabled": bool(execute)},
                "Autograde": {"create_student": True},
                # byhand_grader/nbgrader_plugins/guard.py: let it run
                "GradeWithByhand": {"in_byhand_grade": True},
            }
        )
    )
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
        self.plain_api = (
            NbGraderAPI(config=nbgrader_config(course, False, slot, self.scratch))
            if execute
            else self.api
        )
        self.runner = Runner(course.root, slot=slot, limits=course.limits)
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
            result.cells, result.notebook_folder = [], None
            where = traceback.extract_tb(err.__traceback__)[-1]
            result.reasons = [
                f"the grader failed on this submission ({type(err).__name__}: "
                f"{str(err)[:200]}, at {Path(where.filename).name}:{where.lineno}); "
                "nothing was recorded"
            ]
        return result

    def _grade(self, result):
        student, assignment = result.student, result.assignment
        start = time.perf_counter()
        desc, source_nb, points, manual = self.source(assignment)
        result.manual_points = {
            p.column: sum(manual[g] for g in p.manual_cells)
            for p in desc.problems
            if p.manual_cells
        }
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
            result.notes.append(
                "re-executing the notebook in nbgrader failed (a dead kernel "
                "or a cell over the time limit); it was recorded without "
                "re-execution"
            )
        result.timings["nbgrader"] = time.perf_counter() - start - result.timings["intake"]
        if not ag.get("success"):
            raise RuntimeError(
                "nbgrader could not autograde it: "
                + _last_line(ag.get("error") or ag.get("log") or "")
            )
        result.recorded = self.scratch.recorded(student, assignment)
        result.notebook_folder = str(self.scratch.notebook_folder(student, assignment))
        if staged is None:  # nothing of the student's to run: a record of 0, with the reason
            result.cells = [CellGrade(g, p, 0.0, 0, 0) for g, p in points.items()]
            annotate(self.scratch.notebook(student, assignment), result, desc)
            result.problem5 = self._assist(result, desc, source_nb, None)
            result.seconds = time.perf_counter() - start
            return
        calls, request = judge.build_request(desc, student, staged.cells)
        mark = time.perf_counter()
        reply = self.runner.run(request)
        result.timings["harness"] = time.perf_counter() - mark
        mark = time.perf_counter()
        probe = judge.make_probe(desc, student, calls, reply, staged.cells)
        verdicts = judge.judge(desc, probe)
        result.timings["judge"] = time.perf_counter() - mark
        for grade_id, pts in points.items():
            v = verdicts.get(grade_id, judge.CellResult())
            result.cells.append(
                CellGrade(grade_id, pts, v.score(pts), v.passed, v.total, v.failures, v.checks)
            )
        result.notes += [f"{c['label']}: {c['error']}" for c in reply.cells if c["error"]]
        result.flags.update(harness_flags(reply))
        if self.runner.tier != sandbox.BWRAP:  # what an instructor must know: weaker than usual
            result.flags["confinement"] = sandbox.TIER_WORDS[self.runner.tier]
        if probe.scan:
            result.flags["autograd"] = sorted({*result.flags.get("autograd", []), *probe.scan})
        if reply.reason:
            result.reasons.append(reply.reason)
        if reply.status not in ("ok", None):
            result.status = "partly graded"
        annotate(self.scratch.notebook(student, assignment), result, desc, probe)
        result.problem5 = self._assist(result, desc, source_nb, recorded_run(probe))
        result.seconds = time.perf_counter() - start

    def _assist(self, result, desc, source_nb, recorded):
        """The grader's note on the hand-graded explanation (``rubric.assist``), or {}."""
        rubric = desc.rubric
        if rubric is None:
            return {}
        nb = nbformat.read(self.scratch.notebook(result.student, result.assignment), as_version=4)
        said = [c.get(rubric.grade_id) for c in result.recorded.comments.values()]
        return assist(
            rubric,
            recorded,
            answer_text(nb, rubric.grade_id),
            nbgrader_comment=next((c for c in said if c), None),
            model_answer=answer_text(source_nb, rubric.grade_id),
        )

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


def harness_flags(reply):
    """What the harness saw the student's code do that an instructor should know about."""
    flags = {k: v for k, v in (reply.flags or {}).items() if v}
    types = {c.get("error_type") for c in reply.cells}
    types |= {c.get("error_type") for c in reply.calls.values() if not c.get("ok")}
    hit = set(reply.limits)  # the whole submission's: time, CPU, memory, output
    hit |= {"time"} if "TimeoutError" in types else set()  # one cell's or call's alarm
    hit |= {"memory"} if "MemoryError" in types else set()
    if hit:
        flags["limits"] = sorted(f"{name} limit" for name in hit)
    return flags
