"""Keep one harness alive per grading worker and send it submissions.

``Runner`` starts ``python -m byhand.harness`` inside the sandbox (the course
directory hidden, the venv and the ``byhand`` package readable, an empty
private working folder), and restarts it whenever a submission managed to
kill it or garble the protocol, so that one student's damage ends with that
student.
"""

import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import sandbox
from .course import ROOT
from .harness import MAX_FRAME

PACKAGE = Path(__file__).resolve().parent
#: The harness process itself: generous, since each child lowers its own limits.
HARNESS_LIMITS = sandbox.Limits(wall_s=24 * 3600, cpu_s=24 * 3600, memory_bytes=16 * 2**30,
                                nproc=512, output_bytes=2**20, file_bytes=64 * 2**20)


class HarnessDied(RuntimeError):
    pass


class Runner:
    """A harness for one worker slot; ``run(request)`` returns its reply dict."""

    def __init__(self, slot=0, course_root=ROOT, start_timeout=120.0):
        self.slot, self.course_root, self.start_timeout = slot, Path(course_root), start_timeout
        self.proc = None
        self.workdir = None

    def start(self):
        self.workdir = tempfile.mkdtemp(prefix=f"byhand-harness-{self.slot}-")
        self.proc = sandbox.popen_sandboxed(
            [sys.executable, "-m", "byhand.harness"], workdir=self.workdir,
            hide=[self.course_root], readable=[PACKAGE], limits=HARNESS_LIMITS, slot=self.slot,
            env={"MPLBACKEND": "Agg"})
        hello = self._read(self.start_timeout)
        if not hello or not hello.get("ready"):
            raise HarnessDied("the grading harness did not start")
        return self

    def run(self, request, timeout=None):
        """Send one request; restart the harness if it died.  Never raises for student faults."""
        limits = request.get("limits", {})
        from .harness import CHILD_LIMITS
        budget = (timeout or limits.get("total_s", CHILD_LIMITS["total_s"])) + 30
        for attempt in (1, 2):
            if self.proc is None or self.proc.poll() is not None:
                self.start()
            try:
                self._write(request)
                reply = self._read(budget)
                if reply is not None:
                    return reply
            except (OSError, ValueError, HarnessDied):
                pass
            self.close()
            if attempt == 2:
                return {"cells": [], "calls": {}, "status": "killed",
                        "reason": "the submission brought down the grading harness"}
        return None

    def _write(self, obj):
        data = json.dumps(obj).encode("utf-8")
        self.proc.stdin.write(struct.pack(">Q", len(data)) + data)
        self.proc.stdin.flush()

    def _read(self, timeout):
        head = self._read_exact(8, timeout)
        if head is None:
            return None
        (size,) = struct.unpack(">Q", head)
        if size > MAX_FRAME:
            raise ValueError("oversized frame")
        body = self._read_exact(size, timeout)
        return None if body is None else json.loads(body.decode("utf-8"))

    def _read_exact(self, n, timeout):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
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
