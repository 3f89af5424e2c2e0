"""The long-lived harness process: one forked child per request.

One harness process per grading worker starts inside the sandbox
(``python -m byhand_grader.harness``), imports torch once, and then *forks a fresh
child for every submission*, so a submission costs a fork rather than a new
interpreter and ``import torch``.  Each child gets its own limits (memory above what
it inherited, CPU seconds, processes, a per-cell and per-call alarm), runs the
request (``session.run_request``), and streams one JSON line per result back, so a
child killed halfway still leaves the results it had.  Requests and replies come and
go as frames on stdin and stdout (``protocol``).
"""

import io
import json
import os
import signal
import sys
import threading
import time
import traceback

import torch

from .audit import _Records
from .given import _load_given
from .protocol import CHILD_LIMITS, read_frame, Reply, reply_from, Request, write_frame
from .session import run_request


def _undumpable():
    """Forbid same-uid processes (a student's child) to ptrace us or open our fds."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


def _vm_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class _Drain(threading.Thread):
    """Read a pipe to the end, keeping at most ``cap`` bytes."""

    def __init__(self, fd, cap):
        super().__init__(daemon=True)
        self.fd, self.cap, self.data, self.dropped = fd, cap, bytearray(), 0

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            room = self.cap - len(self.data)
            self.data += chunk[: max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)
        os.close(self.fd)


class _CappedText(io.TextIOBase):
    """A child's ``sys.stdout`` or ``sys.stderr``: text goes on to the pipe until the two
    together have passed the output cap (``room``, a one-item list they share, in
    characters), and is dropped here after that.

    The parent's ``_Drain`` keeps only the cap's worth anyway; dropping the rest before the
    pipe spares a system call per printed line.  A student who prints two million lines
    then costs about 2 s of CPU instead of 9 (``benchmarks/fixed_costs.py``); at 9, a
    loaded machine once took that cell past its time limit.  One character more than the
    cap goes through, so the parent still sees that output was cut."""

    def __init__(self, stream, room):
        self.stream, self.room = stream, room

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.room[0] > 0:
            part = text[: self.room[0]]
            self.room[0] -= len(part)
            self.stream.write(part)
            if self.room[0] == 0:
                self.stream.flush()  # the cut line too: the parent sees the cap passed
        return len(text)

    def flush(self):
        self.stream.flush()

    def fileno(self):
        return self.stream.fileno()

    def writable(self):
        return True

    @property
    def encoding(self):
        return self.stream.encoding

    @property
    def errors(self):
        return self.stream.errors

    @property
    def buffer(self):
        return self.stream.buffer


def _own_processes():
    """The pids of our uid's processes (in our pid namespace, where the sandbox gives one)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == os.getuid():
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def _own_tasks():
    """Threads our uid runs now; RLIMIT_NPROC counts these per uid."""
    return sum(
        len(os.listdir(f"/proc/{pid}/task"))
        for pid in _own_processes()
        if os.path.isdir(f"/proc/{pid}/task")
    )


def _kill_strays(keep):
    """Kill every process in our pid namespace but ``keep`` (students' orphans, fork bombs)."""
    me = os.getpid()
    for _ in range(3):
        found = False
        for pid in _own_processes():
            if pid not in keep and pid != me:
                try:
                    os.kill(pid, signal.SIGKILL)
                    found = True
                except OSError:
                    pass
        if not found:
            return
        time.sleep(0.05)


def _child(request, result_w, out_w, limits, base_vm, base_nproc):
    import resource

    os.setsid()
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    os.close(out_w)
    room = [limits["output_bytes"] + 1]
    sys.stdout = _CappedText(os.fdopen(1, "w", buffering=1), room)
    sys.stderr = _CappedText(os.fdopen(2, "w", buffering=1), room)
    resource.setrlimit(resource.RLIMIT_AS, (base_vm + limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"] + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (base_nproc + limits["nproc"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    results = os.fdopen(result_w, "w", buffering=1)
    dumps = json.dumps

    def emit(obj):
        results.write(dumps(obj) + "\n")
        results.flush()

    records = _Records(emit)
    # A Python-level fork in student code gives a child that leaves at once:
    # nothing in this course needs one, and a fork bomb then goes nowhere.
    # Each attempt is counted (``flags.fork``).
    os.register_at_fork(before=records.forked, after_in_child=lambda: os._exit(0))
    run_request(request, emit, records)
    emit({"done": True})
    results.close()
    os._exit(0)


def serve_one(request, keep):
    """Fork a child for one ``Request``, wait within the limits, and collect its ``Reply``."""
    limits = {**CHILD_LIMITS, **request.limits}
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    base_vm, base_nproc = _vm_bytes(), _own_tasks()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(result_r)
            os.close(out_r)
            os.close(0)
            os.closerange(3, result_w)
            _child(request, result_w, out_w, limits, base_vm, base_nproc)
        finally:
            os._exit(70)
    os.close(result_w)
    os.close(out_w)
    results, output = _Drain(result_r, 16 * 2**20), _Drain(out_r, limits["output_bytes"])
    results.start()
    output.start()
    deadline = time.monotonic() + limits["total_s"]
    status, timed_out = None, False
    while status is None:
        done, status_word = os.waitpid(pid, os.WNOHANG)
        if done:
            status = status_word
        elif time.monotonic() > deadline:
            timed_out = True
            os.killpg(pid, signal.SIGKILL)
        else:
            time.sleep(0.01)
    _kill_strays(keep)
    _wipe(os.getcwd())
    _wipe("/tmp")
    results.join(5)
    output.join(5)
    items = []
    for line in bytes(results.data).decode("utf-8", "replace").splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            continue
    reply, finished = reply_from(items)
    reply.status, reply.reason, limit = _status(status, timed_out, limits, output.dropped)
    reply.limits = [limit] if limit else []
    if reply.status == "ok" and not finished:
        reply.status = "exited"
        reply.reason = "exit status 0, e.g. os._exit"
    reply.output = bytes(output.data).decode("utf-8", "replace")
    return reply


def _wipe(folder):
    """Empty a folder the child could write, so nothing passes to the next submission.

    The harness's own working folder is spared where it lies inside: in the sandbox's
    container tier /tmp is the machine's, and the working folder one of its entries."""
    import shutil

    here = os.getcwd()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if path != here and here.startswith(path + os.sep):
            _wipe(path)
            continue
        if path == here:
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def _status(status, timed_out, limits, dropped):
    """``(status, reason, the limit it hit or None)``: the limit as data, the reason as a sentence."""
    if timed_out:
        return "killed", f"it was stopped at the {limits['total_s']:.0f} s time limit", "time"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "killed", f"it used more than {limits['cpu_s']} s of CPU time", "CPU time"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return "killed", f"it was killed by signal {name}", None
    code = os.WEXITSTATUS(status)
    if code != 0:
        return "exited", f"exit status {code}", None
    if dropped:
        return (
            "ok",
            f"printed more than {limits['output_bytes'] // 1024} KiB; output cut",
            "output",
        )
    return "ok", None, None


def main():
    """Serve requests from stdin until it closes (run inside the sandbox)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib  # torch is imported above, once, and shared by every forked child

    _load_given()
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    torch.set_num_threads(1)
    _undumpable()
    import gc

    gc.freeze()  # what every child inherits: never collected, so never copied or paused on
    keep = {1, os.getpid(), os.getppid()}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    write_frame(stdout, {"ready": True})
    while True:
        request = read_frame(stdin.read)
        if request is None:
            return 0
        try:
            reply = serve_one(Request.from_wire(request), keep)
        except Exception:
            reply = Reply(
                status="error",
                reason="the grader's harness failed: " + traceback.format_exc(limit=3),
            )
        write_frame(stdout, reply.to_wire())
