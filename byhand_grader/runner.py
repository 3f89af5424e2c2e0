"""Keep one harness alive per grading worker and send it submissions.

``Runner`` starts ``python -m byhand_grader.harness`` inside the sandbox (the course
directory hidden, the venv and the code it runs readable: the given package
``byhand`` and the grader's own package; an empty private working folder), and
restarts it whenever a submission managed to kill it or garble the protocol,
so that one student's damage ends with that student.
"""

import os
import select
import sys
import tempfile
import time
from pathlib import Path

import byhand

from . import sandbox
from .frames import FrameError, read_frame, write_frame

#: The code the sandbox may read: the given package students import and this grader
#: package (the harness).  Neither holds a course's hidden tests or its answers.
CODE = (Path(byhand.__file__).resolve().parent, Path(__file__).resolve().parent)
#: The harness process itself: generous, since each child lowers its own limits.
HARNESS_LIMITS = sandbox.Limits(wall_s=24 * 3600, cpu_s=24 * 3600, memory_bytes=16 * 2**30,
                                nproc=512, output_bytes=2**20, file_bytes=64 * 2**20)


#: Where courses, checkouts and users' files usually live; hidden whole from student code.
USER_DATA = ("/home", "/work", "/srv", "/mnt", "/media")


def python_path():
    """``PYTHONPATH`` inside the sandbox: the folders that hold ``CODE``."""
    return os.pathsep.join(sorted({str(p.parent) for p in CODE}))


def hidden_paths(course_root=None):
    """What student code must not see, in the harness and in the ``--execute`` kernel
    alike: the course, the checkout the code lies in, the folders that hold them, and
    the usual homes of other courses and users.  The sandbox shows only the system
    folders anyway (``byhand_grader.sandbox.SYSTEM``); this list is the second line, for
    a course kept inside one of them.  The venv and ``CODE`` are re-exposed read-only."""
    places = {p.parent for p in CODE}
    if course_root is not None:
        places.add(Path(course_root).resolve())
    places |= {p.parent for p in places if p.parent != Path("/")}
    places |= {Path(p) for p in USER_DATA}
    return sorted(places)


class HarnessDied(RuntimeError):
    pass


class Runner:
    """A harness for one worker slot; ``run(request)`` returns its reply dict."""

    def __init__(self, course_root, slot=0, start_timeout=120.0):
        self.slot, self.course_root, self.start_timeout = slot, Path(course_root), start_timeout
        self.proc = None
        self.workdir = None

    def start(self):
        self.workdir = tempfile.mkdtemp(prefix=f"byhand-harness-{self.slot}-")
        self.proc = sandbox.popen_sandboxed(
            [sys.executable, "-m", "byhand_grader.harness"], workdir=self.workdir,
            hide=hidden_paths(self.course_root), readable=CODE, limits=HARNESS_LIMITS,
            slot=self.slot, env={"MPLBACKEND": "Agg", "PYTHONPATH": python_path()})
        hello = self._read(self.start_timeout)
        if not hello or not hello.get("ready"):
            raise HarnessDied("the grading harness did not start")
        return self

    def run(self, request, retries=4):
        """Run a submission's request; never raises for anything the student did.

        When the child dies or overruns in the middle (``os._exit``, a kill for
        memory or time), the cell or call it was in is marked with that reason
        and the rest is run again in a fresh child, so one fatal line costs
        only the checks that depend on it.
        """
        cells = list(request.get("cells", []))
        calls = list(request.get("calls", []))
        merged = {"cells": [], "calls": {}, "status": "ok", "reason": None, "output": ""}
        skipped = set()
        for _ in range(retries + 1):
            todo_calls = [c for c in calls if c["id"] not in merged["calls"]]
            run_cells = [c for n, c in enumerate(cells) if n not in skipped]
            reply = self._run_once({**request, "cells": run_cells, "calls": todo_calls})
            merged["output"] += reply.get("output", "")
            done_cells = reply.get("cells", [])
            merged["calls"].update(reply.get("calls", {}))
            if reply.get("status") == "ok":
                merged["reason"] = merged["reason"] or reply.get("reason")
                merged["cells"] = _cell_report(cells, skipped, done_cells, merged["cells"])
                return merged
            merged["status"] = "killed"
            reason = reply.get("reason") or "the process died"
            merged["reason"] = reason
            if len(done_cells) < len(run_cells):       # died while running a cell
                index = [n for n in range(len(cells)) if n not in skipped][len(done_cells)]
                skipped.add(index)
                merged["reason"] = (f"{cells[index]['label']} ended the process ({reason}); "
                                    "it was skipped and grading went on")
                merged["cells"].append({"label": cells[index]["label"], "error": reason,
                                        "index": index})
                continue
            pending = [c for c in calls if c["id"] not in merged["calls"]]
            if not pending:
                merged["cells"] = _cell_report(cells, skipped, done_cells, merged["cells"])
                return merged
            merged["calls"][pending[0]["id"]] = {"ok": False, "error": reason}
        merged["cells"] = _cell_report(cells, skipped, [], merged["cells"])
        for c in calls:
            merged["calls"].setdefault(c["id"], {"ok": False, "error": merged["reason"]})
        return merged

    def _run_once(self, request):
        from .harness import CHILD_LIMITS
        budget = request.get("limits", {}).get("total_s", CHILD_LIMITS["total_s"]) + 30
        for attempt in (1, 2):
            try:
                if self.proc is None or self.proc.poll() is not None:
                    self.start()
                self._write(request)
                reply = self._read(budget)
                if reply is not None:
                    return reply
            except (OSError, FrameError, HarnessDied):
                pass
            self.close()
        return {"cells": [], "calls": {}, "status": "killed",
                "reason": "the submission brought down the grading harness"}

    def _write(self, obj):
        write_frame(self.proc.stdin, obj)

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        return read_frame(lambda n: self._read_exact(n, deadline))

    def _read_exact(self, n, deadline):
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def close(self):
        if self.proc is not None:
            sandbox.stop(self.proc)
            self.proc = None
        if self.workdir:
            sandbox.release_workdir(self.workdir, self.slot)
            self.workdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _cell_report(cells, skipped, last_done, fatal):
    """One entry per cell, in order: the fatal ones from earlier tries, the rest from the last."""
    by_index = {f["index"]: f for f in fatal}
    ran = iter(last_done)
    out = []
    for n, cell in enumerate(cells):
        if n in by_index:
            out.append({"label": cell["label"], "error": by_index[n]["error"]})
        else:
            got = next(ran, None)
            out.append({"label": cell["label"], "error": got.get("error") if got else
                        "not run"})
    return out
