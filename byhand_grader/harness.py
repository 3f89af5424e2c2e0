"""Run a student's cells and call their functions, as plain data in and out.

The harness is the only place student code runs during grading.  One harness
process per grading worker starts inside the sandbox (``byhand_grader.sandbox``),
imports torch once, and then *forks a fresh child for every submission*, so a
submission costs a fork rather than a new interpreter and ``import torch``.
Each child gets its own limits (memory above what it inherited, CPU seconds,
processes, a per-cell and per-call alarm), runs the cells, calls the functions
the judge asked for, and streams one JSON line per result back, so a child
killed halfway still leaves the results it had.  The harness never judges:
the judge (``grader_tests/``) builds the request and computes every reference
itself, outside, from the inputs it chose.

Protocol (harness stdin/stdout): ``byhand_grader.frames``.  Request:
``{"cells": [{"label", "source"}], "calls": [{"id", "kind", "fn", ...}],
"call_kinds": [...], "limits": {...}}``, where ``call_kinds`` are the kinds the
assignment's description allows; reply: ``{"cells": [{"label", "error"}],
"calls": {id: {"ok", "value" | "error", "error_type", "missing", "cause"}},
"status", "reason", "output"}``.  A failed call says what went wrong as data:
``error_type`` (the exception's name), ``missing`` (no such function) and
``cause`` (the cell that failed to define it), so nobody downstream parses
the message.
"""

import json
import os
import signal
import sys
import threading
import time
import traceback

#: Default limits for one submission's child (the judge may pass others).
CHILD_LIMITS = {
    "total_s": 90.0,                  # wall clock for the whole submission
    "cell_s": 20.0,                   # alarm for one cell
    "call_s": 20.0,                   # alarm for one call (a training run is one call)
    "cpu_s": 120,                     # RLIMIT_CPU of the child
    "memory_bytes": 1536 * 2**20,     # address space above what the child inherits
    "nproc": 32,                      # processes/threads above what the uid has
    "output_bytes": 64 * 2**10,       # student output kept for the report
}


# --------------------------------------------------------------------------------------
# inside the child: run cells, perform calls


class _Alarm(BaseException):
    """Raised by SIGALRM; a BaseException so a student's ``except Exception`` can't eat it."""


def _on_alarm(signum, frame):
    raise _Alarm()


def _describe(err):
    """``Name: message`` with the student's own frames, never the harness's."""
    if isinstance(err, _Alarm):
        return "TimeoutError: took longer than the time limit"
    msg = str(err).strip().splitlines()
    if isinstance(err, MemoryError) or "can't allocate memory" in str(err):
        return "MemoryError: ran out of memory (the grader's limit)"
    line = ""
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<cell"):
            line = f" (in {tb.tb_frame.f_code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    text = f": {msg[0][:300]}" if msg else ""
    return f"{type(err).__name__}{text}{line}"


def _tensor(value):
    import torch
    return torch.tensor(value, dtype=torch.float32)


def _plain(value, what):
    """A dict of tensors as a dict of lists; anything else is the student's contract error."""
    import torch
    if not isinstance(value, dict):
        raise TypeError(f"{what} returned {type(value).__name__}, not a dict")
    out = {}
    for k, v in value.items():
        if isinstance(v, torch.Tensor):
            out[str(k)] = v.detach().to(torch.float64).flatten().tolist()
            out[str(k) + ".shape"] = list(v.shape)
    return out


class _Missing(NameError):
    """The function a call names does not exist; ``cause`` says which cell failed, if one did."""

    def __init__(self, fn, failed_cells):
        self.cause = "; ".join(failed_cells) or None
        hint = "" if failed_cells else " (was it renamed or never defined?)"
        super().__init__(f"there is no function named '{fn}'{hint}")


def _call(call, ns, failed_cells=(), kinds=None):
    import torch

    from byhand.contract import check_forward, check_param_dict
    kind = call["kind"]
    if kinds is not None and kind not in kinds:
        raise ValueError(f"the assignment allows no call of kind {kind!r}")
    fn = ns.get(call["fn"])
    if not callable(fn):
        raise _Missing(call["fn"], failed_cells)
    params = {k: _tensor(v) for k, v in call.get("params", {}).items()}
    if kind in _MLP_KINDS:
        return _MLP_KINDS[kind](fn, call)
    if kind == "forward":
        with torch.no_grad():
            out = fn(params, _tensor(call["x"]))
        return _plain(check_forward(out, call["fn"]), call["fn"])
    if kind == "grads":
        with torch.no_grad():
            out = fn(params, _tensor(call["x"]), _tensor(call["y"]))
        return _plain(check_param_dict(out, params, call["fn"]), call["fn"])
    if kind == "update":
        grads = {k: _tensor(v) for k, v in call["grads"].items()}
        for k, v in params.items():   # decoys: an update that reads .grad gets these
            v.grad = torch.full_like(v, float(call.get("decoy", 1000.0)))
        before = {k: v.clone() for k, v in params.items()}
        with torch.no_grad():
            out = fn(params, grads, call["alpha"])
        check_param_dict(out, before, call["fn"])
        return _plain(out, call["fn"])
    if kind == "train":
        from byhand.training import train
        forward, grads_fn = ns.get(call["forward"]), fn
        if not callable(forward):
            raise _Missing(call["forward"], failed_cells)
        X = _tensor(call["X"])
        Y = _tensor(call["Y"]).reshape(-1, 1)
        gen = torch.Generator().manual_seed(int(call["seed"]))
        if not params:  # a run of seed s: parameters first, then the orders, from one stream
            from byhand.xor import init_xor
            params = init_xor(gen)
        result = train(forward, grads_fn, _reference_update, params, X, Y,
                       alpha=call["alpha"], epochs=int(call["epochs"]), gen=gen)
        out = _plain(result.params, "training")
        out["yhat"] = result.yhat.detach().double().flatten().tolist()
        out["epoch_errors"] = [float(e) for e in result.epoch_errors]
        return out
    raise ValueError(f"unknown call kind {kind!r}")


# -- the xor_mlp extension: torch.nn models in, plain lists out ----------------------


def _build_mlp_call(fn, call):
    """``fn(hidden, init, bias, seed)``: its modules, parameters and outputs on ``call["X"]``."""
    import torch
    from torch import nn
    model = fn(int(call["hidden"]), str(call["init"]), bool(call["bias"]), int(call["seed"]))
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"{call['fn']} returned {_a_type(model)}, not an nn.Sequential")
    out = {"modules": [type(m).__name__ for m in model],
           "params": [{"name": name, "shape": list(p.shape), "dtype": str(p.dtype).replace("torch.", ""),
                       "values": p.detach().to(torch.float64).flatten().tolist()}
                      for name, p in model.named_parameters()]}
    try:
        with torch.no_grad():
            y = model(_tensor(call["X"]))
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"the network returned {_a_type(y)}, not a tensor")
        out["outputs"] = y.detach().to(torch.float64).flatten().tolist()
        out["outputs_shape"] = list(y.shape)
    except BaseException as err:  # noqa: B036 - a broken network is a finding, not a crash
        if isinstance(err, (_Alarm, KeyboardInterrupt)):
            raise
        out["outputs_error"] = _describe(err)
    return out


#: The losses a ``train_full_batch`` call may name (the judge picks; nothing else is built).
_LOSSES = {"mse": lambda nn: nn.MSELoss(), "sum_squared": lambda nn: nn.MSELoss(reduction="sum"),
           "smooth_l1": lambda nn: nn.SmoothL1Loss()}
#: The modules a ``train_full_batch`` call may ask the harness to build.
_MODULES = {"Linear": lambda nn, n_in, n_out, bias: nn.Linear(int(n_in), int(n_out), bias=bool(bias)),
            "Sigmoid": lambda nn: nn.Sigmoid()}


def _sequential(layers, state):
    """``nn.Sequential`` of whitelisted ``layers`` (``[name, *args]``) holding exactly ``state``."""
    import torch
    from torch import nn
    model = nn.Sequential(*[_MODULES[name](nn, *args) for name, *args in layers])
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(state[name], dtype=torch.float32).reshape(p.shape))
    if set(state) != {name for name, _ in model.named_parameters()}:
        raise ValueError("the grader's model does not match its parameters")
    return model


def _train_full_batch_call(fn, call):
    """``fn(model, X, Y, lr, epochs, loss_fn)`` on a model the harness builds: losses and final state."""
    import torch
    if call["loss"] not in _LOSSES:
        raise ValueError(f"unknown loss {call['loss']!r}")
    from torch import nn
    model = _sequential(call["layers"], call["state"])
    X, Y = _tensor(call["X"]), _tensor(call["Y"]).reshape(-1, 1)
    returned = fn(model, X, Y, float(call["lr"]), int(call["epochs"]), _LOSSES[call["loss"]](nn))
    out = {"returned": _a_type(returned), "losses": None, "float_entries": None,
           "state": {name: p.detach().to(torch.float64).flatten().tolist()
                     for name, p in model.named_parameters()}}
    if isinstance(returned, (list, tuple)):
        losses, floats = [], []
        for v in returned[:100000]:
            floats.append(isinstance(v, float))
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                losses.append(float(v))
            elif isinstance(v, torch.Tensor) and v.numel() == 1:
                losses.append(float(v.detach().to(torch.float64)))
            else:
                losses.append(None)
        out["losses"], out["float_entries"] = losses, floats
        out["entry_types"] = sorted({_a_type(v) for v in returned[:100000]})
    return out


def _noise_std_call(fn, call):
    """``fn(t, eta[, gamma])`` with ``t`` built as asked: what came back, described."""
    import torch
    t = torch.tensor(call["t"], dtype=getattr(torch, call["t_dtype"]))
    args = (t, float(call["eta"])) + ((float(call["gamma"]),) if "gamma" in call else ())
    value = fn(*args)
    out = {"returned": _a_type(value)}
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{call['fn']} returned a complex tensor")
        out.update(shape=list(value.shape), dtype=str(value.dtype).replace("torch.", ""),
                   floating=value.is_floating_point(),
                   values=value.detach().to(torch.float64).flatten().tolist())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.update(shape=None, values=[float(value)])
    elif isinstance(value, (list, tuple)):
        try:
            as_tensor = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"{call['fn']} returned {_a_type(value)}, not a tensor") from None
        out.update(shape=None, values=as_tensor.flatten().tolist())
    else:
        raise TypeError(f"{call['fn']} returned {_a_type(value)}, not a tensor")
    return out


def _a_type(value):
    """``a list``, ``None``, ``a Tensor``: how a message names what came back."""
    if value is None:
        return "None"
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


_MLP_KINDS = {"build_mlp": _build_mlp_call, "train_full_batch": _train_full_batch_call,
              "noise_std": _noise_std_call}


def _reference_update(params, grads, alpha):
    """The update the harness trains with, so a Problem 2 slip doesn't sink Problem 4."""
    return {k: v - alpha * grads[k] for k, v in params.items()}


def run_request(request, emit):
    """Execute cells then calls, emitting one dict per result (``emit`` writes it)."""
    import matplotlib
    matplotlib.use("Agg")
    limits = {**CHILD_LIMITS, **request.get("limits", {})}
    ns = {"__name__": "__main__"}
    failed = []
    signal.signal(signal.SIGALRM, _on_alarm)
    for n, cell in enumerate(request.get("cells", [])):
        error = None
        try:
            code = compile(cell["source"], f"<cell {n}>", "exec")
            signal.setitimer(signal.ITIMER_REAL, limits["cell_s"])
            try:
                exec(code, ns)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except BaseException as err:  # noqa: B036 - student code may raise anything
            if isinstance(err, (KeyboardInterrupt,)):
                raise
            error = _describe(err)
            failed.append(f"{cell['label']} raised {error}")
        emit({"cell": cell["label"], "error": error})
    kinds = request.get("call_kinds")
    for call in request.get("calls", []):
        try:
            signal.setitimer(signal.ITIMER_REAL, limits["call_s"])
            try:
                value = _call(call, ns, failed, kinds)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            emit({"call": call["id"], "ok": True, "value": value})
        except BaseException as err:  # noqa: B036
            emit({"call": call["id"], "ok": False, "error": _describe(err),
                  "error_type": "TimeoutError" if isinstance(err, _Alarm) else type(err).__name__,
                  "missing": isinstance(err, _Missing),
                  "cause": getattr(err, "cause", None) if isinstance(err, _Missing) else None})


# --------------------------------------------------------------------------------------
# the long-lived harness process: fork one child per request


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
            self.data += chunk[:max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)
        os.close(self.fd)


def _kill_strays(keep):
    """Kill every process in our pid namespace but ``keep`` (students' orphans, fork bombs)."""
    me = os.getpid()
    for _ in range(3):
        found = False
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) not in keep and int(pid) != me:
                try:
                    if os.stat(f"/proc/{pid}").st_uid == os.getuid():
                        os.kill(int(pid), signal.SIGKILL)
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
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    resource.setrlimit(resource.RLIMIT_AS, (base_vm + limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"] + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (base_nproc + limits["nproc"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    results = os.fdopen(result_w, "w", buffering=1)
    # A Python-level fork in student code gives a child that leaves at once:
    # nothing in this course needs one, and a fork bomb then goes nowhere.
    os.register_at_fork(after_in_child=lambda: os._exit(0))

    def emit(obj):
        results.write(json.dumps(obj) + "\n")
        results.flush()

    run_request(request, emit)
    emit({"done": True})
    results.close()
    os._exit(0)


def serve_one(request, keep):
    """Fork a child for one request, wait within the limits, and collect its results."""
    limits = {**CHILD_LIMITS, **request.get("limits", {})}
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    from byhand_grader.sandbox import user_tasks
    base_vm, base_nproc = _vm_bytes(), user_tasks(os.getuid())
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
    reply = {"cells": [], "calls": {}}
    finished = False
    for line in bytes(results.data).decode("utf-8", "replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if "cell" in item:
            reply["cells"].append({"label": item["cell"], "error": item.get("error")})
        elif "call" in item:
            reply["calls"][item["call"]] = {k: v for k, v in item.items() if k != "call"}
        elif item.get("done"):
            finished = True
    reply["status"], reply["reason"] = _status(status, timed_out, limits, output.dropped)
    if reply["status"] == "ok" and not finished:
        reply["status"] = "exited"
        reply["reason"] = "exit status 0, e.g. os._exit"
    reply["output"] = bytes(output.data).decode("utf-8", "replace")
    return reply


def _wipe(folder):
    """Empty a folder the child could write, so nothing passes to the next submission."""
    import shutil
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def _status(status, timed_out, limits, dropped):
    if timed_out:
        return "killed", f"it was stopped at the {limits['total_s']:.0f} s time limit"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "killed", f"it used more than {limits['cpu_s']} s of CPU time"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return "killed", f"it was killed by signal {name}"
    code = os.WEXITSTATUS(status)
    if code != 0:
        return "exited", f"exit status {code}"
    if dropped:
        return "ok", f"printed more than {limits['output_bytes'] // 1024} KiB; output cut"
    return "ok", None


def main():
    """Serve requests from stdin until it closes (run inside the sandbox)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    import torch  # noqa: F401  (imported once, shared by every forked child)

    import byhand.contract  # noqa: F401
    import byhand.training  # noqa: F401
    from byhand_grader.frames import read_frame, write_frame
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    torch.set_num_threads(1)
    _undumpable()
    keep = {1, os.getpid(), os.getppid()}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    write_frame(stdout, {"ready": True})
    while True:
        request = read_frame(stdin.read)
        if request is None:
            return 0
        try:
            reply = serve_one(request, keep)
        except Exception:
            reply = {"cells": [], "calls": {}, "status": "error",
                     "reason": "the grader's harness failed: " + traceback.format_exc(limit=3)}
        write_frame(stdout, reply)


if __name__ == "__main__":
    raise SystemExit(main())
