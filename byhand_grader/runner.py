"""Keep one harness alive per grading worker and send it submissions.

``Runner`` starts ``python -m byhand_grader.harness`` inside the sandbox (the course
directory hidden, the venv and the code it runs readable: the given package
``byhand`` and the grader's own package; an empty private working folder), and
restarts it whenever a submission managed to kill it or garble the protocol,
so that one student's damage ends with that student.

Memory is bounded per submission, not per process: each harness runs in a memory
cgroup of its own (``byhand_grader.sandbox.cgroup``) sized for the harness plus one
submission, so a submission that starts several processes shares one cap among
them.  At the limit the runner stops the submission's processes, the harness
goes on, and the reply says the submission ran out of memory.  Where no cgroup
can be made, each process keeps its own RLIMIT_AS (``cgroup.memory_cgroup_available``
says so).

The limits come from the course (``GraderLimits``, set in ``nbgrader_config.py``); the
runner speaks to the harness through ``byhand_grader.harness.protocol`` only: a
``Request`` in, a ``Reply`` out.
"""

import dataclasses
import itertools
import os
import select
import sys
import tempfile
import time
import warnings
from pathlib import Path

from . import sandbox
from .harness.protocol import FrameError, merge_flags, read_frame, Reply, write_frame
from .limits import GraderLimits
from .sandbox import cgroup
from .sandbox.exposed import CODE, hidden_paths, python_path, readable_paths

#: The harness process itself: generous, since each child lowers its own limits.
HARNESS_LIMITS = sandbox.Limits(
    wall_s=24 * 3600,
    cpu_s=24 * 3600,
    memory_bytes=16 * 2**30,
    nproc=512,
    output_bytes=2**20,
    file_bytes=64 * 2**20,
)
_cgroup_names = itertools.count()


class HarnessDied(RuntimeError):
    pass


class HarnessUnavailable(RuntimeError):
    """The harness cannot start at all: the grader's installation, never a student, is at fault."""


class Runner:
    """A harness for one worker slot; ``run(request)`` returns its ``Reply``.

    ``limits`` (a ``GraderLimits``: the course's, ``Course.limits``) bound every
    submission it runs; the harness's memory cgroup holds ``limits.harness_memory_mb``
    (the harness's own share) besides one submission's ``memory_mb``."""

    def __init__(self, course_root, slot=0, limits=None, start_timeout=120.0):
        self.slot, self.course_root, self.start_timeout = slot, Path(course_root), start_timeout
        self.limits = limits if limits is not None else GraderLimits()
        self.proc = None
        self.tier = None  # the sandbox tier the harness runs in (sandbox.TIERS)
        self.workdir = None
        self.cgroup = None  # the harness's MemoryCgroup; None: rlimits only
        self._harness_pids = set()  # the sandbox's own processes in it, not a submission's
        self._ran_out = False  # the cgroup hit its limit during this request

    def start(self):
        self.close()  # whatever a harness that died by itself left behind
        self.tier = sandbox.confinement().tier
        if self.tier == sandbox.CONTAINER:
            # no private mounts in this tier: the course (hidden checks, submissions,
            # gradebook) is closed by permissions, the code the harness runs kept unwritable
            sandbox.close([self.course_root], keep=readable_paths())
            sandbox.seal(CODE)
        self.workdir = tempfile.mkdtemp(prefix=f"byhand-harness-{self.slot}-")
        self.cgroup, self._ran_out = self._memory_cgroup(), False
        self.proc = sandbox.popen_sandboxed(
            [sys.executable, "-m", "byhand_grader.harness"],
            workdir=self.workdir,
            hide=hidden_paths(self.course_root),
            readable=CODE,
            limits=HARNESS_LIMITS,
            slot=self.slot,
            env={"MPLBACKEND": "Agg", "PYTHONPATH": python_path()},
            cgroup=self.cgroup,
        )
        try:
            hello = self._read(self.start_timeout)
        except (OSError, FrameError):
            hello = None
        if not hello or not hello.get("ready"):
            # the cgroup's own record too: the notice may not have been read before the end
            too_big = self._ran_out or (
                self.cgroup is not None
                and (
                    self.cgroup.take_oom_notice()
                    or self.cgroup.under_oom()
                    or self.cgroup.hit_limit()
                )
            )
            self.close()
            raise HarnessUnavailable(
                _harness_too_big(self.limits) if too_big else self._why_not_started()
            )
        if self.cgroup is not None:  # ready, and no child forked yet: all of these are its own
            self._harness_pids = self.cgroup.pids()
        return self

    def _memory_cgroup(self):
        """A new memory cgroup for the harness, or None where memory is bounded per process only."""
        if not cgroup.memory_cgroup_available()[0]:
            return None
        try:
            return cgroup.MemoryCgroup.create(
                f"harness{next(_cgroup_names)}-slot{self.slot}",
                self.limits.harness_memory_bytes + self.limits.memory_bytes,
            )
        except OSError as err:
            warnings.warn(
                cgroup.fallback_sentence(f"making the harness's failed: {err}"), stacklevel=2
            )
            return None

    def _restart(self):
        """Start the harness again after a submission brought it down; a second try on a
        loaded machine before calling the harness unavailable."""
        try:
            self.start()
        except HarnessUnavailable:
            time.sleep(1.0)
            self.start()

    def _why_not_started(self):
        """The last line the harness's start printed, found by starting it once more, visibly."""
        workdir = tempfile.mkdtemp(prefix=f"byhand-harness-{self.slot}-check-")
        try:
            out = sandbox.run_sandboxed(
                [sys.executable, "-c", "import byhand_grader.harness.supervisor"],
                workdir=workdir,
                hide=hidden_paths(self.course_root),
                readable=CODE,
                limits=sandbox.Limits(wall_s=120),
                slot=self.slot,
                env={"MPLBACKEND": "Agg", "PYTHONPATH": python_path()},
            )
        finally:
            sandbox.release_workdir(workdir, self.slot)
        lines = out.stderr.decode("utf-8", "replace").strip().splitlines()
        why = lines[-1] if lines else (out.reason or "it said nothing")
        return f"the grading harness did not start: {why}"

    def run(self, request, retries=4):
        """Run a submission's ``Request``; never raises for anything the student did.

        The request's own ``limits`` go over the runner's (``GraderLimits``).  When the
        child dies or overruns in the middle (``os._exit``, a kill for memory or time),
        the cell or call it was in is marked with that reason and the rest is run again
        in a fresh child, so one fatal line costs only the checks that depend on it.
        """
        cells = list(request.cells)
        calls = list(request.calls)
        limits = {**self.limits.child(), **request.limits}
        merged = Reply()  # its cells: the fatal ones, until the end
        skipped = set()
        for _ in range(retries + 1):
            todo_calls = [c for c in calls if c["id"] not in merged.calls]
            run_cells = [c for n, c in enumerate(cells) if n not in skipped]
            # what the skipped cells did, so a function they would have defined is not
            # reported as renamed
            ended = [f"{f['label']} ended the process ({f['error']})" for f in merged.cells]
            reply = self._run_once(
                dataclasses.replace(
                    request, cells=run_cells, calls=todo_calls, failed_cells=ended, limits=limits
                )
            )
            merged.output += reply.output
            merged.flags = merge_flags(merged.flags, reply.flags)  # every try's
            merged.limits = sorted({*merged.limits, *reply.limits})
            done_cells = reply.cells
            merged.calls.update(reply.calls)
            if reply.status == "ok":
                merged.reason = merged.reason or reply.reason
                merged.cells = _cell_report(cells, skipped, done_cells, merged.cells)
                return merged
            merged.status = "killed"
            reason = reply.reason or "the process died"
            merged.reason = reason
            if len(done_cells) < len(run_cells):  # died while running a cell
                index = [n for n in range(len(cells)) if n not in skipped][len(done_cells)]
                skipped.add(index)
                merged.reason = (
                    f"{cells[index]['label']} ended the process ({reason}); "
                    "it was skipped and grading went on"
                )
                merged.cells.append(
                    {"label": cells[index]["label"], "error": reason, "index": index}
                )
                continue
            pending = [c for c in calls if c["id"] not in merged.calls]
            if not pending:
                merged.cells = _cell_report(cells, skipped, done_cells, merged.cells)
                return merged
            merged.calls[pending[0]["id"]] = {"ok": False, "error": reason}
        merged.cells = _cell_report(cells, skipped, [], merged.cells)
        for c in calls:
            merged.calls.setdefault(c["id"], {"ok": False, "error": merged.reason})
        return merged

    def _run_once(self, request):
        """One try of a ``Request`` whose ``limits`` are complete (``run``): its ``Reply``."""
        budget = request.limits["total_s"] + 30
        cap = request.limits["memory_bytes"]
        ran_out = False
        for attempt in (1, 2):
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self._restart()  # HarnessUnavailable goes up: the grader's fault, not the student's
                self._bound_memory(cap)
                self._write(request.to_wire())
                reply = self._read(budget)
                if reply is not None:
                    reply = Reply.from_wire(reply)
                    if self._ran_out:
                        reply.reason, reply.limits = out_of_memory(cap), ["memory"]
                    return reply
            except (OSError, FrameError, HarnessDied):
                pass
            ran_out |= self._ran_out
            self.close()
        return Reply(
            status="killed",
            reason=out_of_memory(cap)
            if ran_out
            else "the submission brought down the grading harness",
            limits=["memory"] if ran_out else [],
        )

    def _bound_memory(self, cap):
        """Size the cgroup for the next submission: the harness's own share plus ``cap``."""
        self._ran_out = False
        own = self.limits.harness_memory_bytes
        if self.cgroup is not None and self.cgroup.limit != own + cap:
            self.cgroup.set_limit(own + cap)

    def _memory_full(self):
        """The cgroup is at its limit (its processes wait for memory): stop the submission,
        every process in it but the harness's own, so the harness goes on.  The child
        dies by SIGKILL; ``_run_once`` says why."""
        if not self.cgroup.take_oom_notice():
            return
        self._ran_out = True
        deadline = time.monotonic() + 2.0
        while True:
            self.cgroup.kill(self.cgroup.pids() - self._harness_pids)
            if not self.cgroup.under_oom():
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        # The harness alone is over the limit (or it has not started yet): it goes too.
        self.cgroup.kill(self.cgroup.pids())

    def _write(self, obj):
        write_frame(self.proc.stdin, obj)

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        return read_frame(lambda n: self._read_exact(n, deadline))

    def _read_exact(self, n, deadline):
        fd = self.proc.stdout.fileno()
        oom = self.cgroup.oom_fd if self.cgroup is not None else None
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            ready = (
                select.select([fd] if oom is None else [fd, oom], [], [], left)[0]
                if left > 0
                else []
            )
            if not ready:
                return None
            if oom in ready:
                self._memory_full()
            if fd not in ready:
                continue
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def close(self):
        if self.proc is not None:
            sandbox.stop(self.proc)
            self.proc = None
        if self.cgroup is not None:  # once its processes are gone
            try:
                self.cgroup.remove()
            except OSError as err:
                warnings.warn(
                    f"could not remove the memory cgroup {self.cgroup.path}: {err}", stacklevel=2
                )
            self.cgroup = None
            self._harness_pids = set()
        if self.workdir:
            sandbox.release_workdir(self.workdir, self.slot)
            self.workdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def out_of_memory(cap):
    """Why a submission was stopped when its processes together reached the cgroup's limit."""
    return f"ran out of memory (the grader's limit of {sandbox.run._size(cap)} for the whole submission)"


def _harness_too_big(limits):
    limit = limits.harness_memory_bytes + limits.memory_bytes
    return (
        "the grading harness did not start: it needs more memory than its cgroup's "
        f"{sandbox.run._size(limit)} (raise c.GraderLimits.harness_memory_mb in the course's "
        "nbgrader_config.py)"
    )


def _cell_report(cells, skipped, last_done, fatal):
    """One entry per cell, in order: the fatal ones from earlier tries, the rest from the last."""
    by_index = {f["index"]: f for f in fatal}
    ran = iter(last_done)
    out = []
    for n, cell in enumerate(cells):
        if n in by_index:
            out.append({"label": cell["label"], "error": by_index[n]["error"], "error_type": None})
        else:
            got = next(ran, None)
            out.append(
                {
                    "label": cell["label"],
                    "error": got.get("error") if got else "not run",
                    "error_type": got.get("error_type") if got else None,
                }
            )
    return out
