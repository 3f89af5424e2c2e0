"""The wire between the grader and its harness: frames, the typed request and reply, limits.

Torch-free and standard library only: the runner (outside the sandbox) imports this
module and nothing else of the harness; the harness (inside) speaks it too.

A frame is an 8-byte big-endian length and that many bytes of UTF-8 JSON.  Both
sides send and read frames through ``write_frame`` and ``read_frame``; the reader
takes a ``read_exact(n)`` so that each side brings its own way of waiting (a
blocking pipe inside, a deadline outside).  The harness says ``{"ready": true}``
once, then answers each ``Request`` frame with one ``Reply`` frame.
"""

import json
import struct
from dataclasses import asdict, dataclass, field, fields

#: The largest frame either side accepts: a reply holds plain numbers, never 64 MiB.
MAX_FRAME = 64 * 2**20

#: Default limits for one submission's child: the defaults of ``GraderLimits``
#: (``byhand_grader.limits``), which a course sets in ``nbgrader_config.py``.
CHILD_LIMITS = {
    "total_s": 90.0,  # wall clock for the whole submission
    "cell_s": 20.0,  # alarm for one cell
    "call_s": 20.0,  # alarm for one call (a training run is one call)
    "cpu_s": 120,  # RLIMIT_CPU of the child
    "memory_bytes": 1536 * 2**20,  # address space above what the child inherits
    "nproc": 32,  # processes/threads above what the uid has
    "output_bytes": 64 * 2**10,  # student output kept for the report
}
#: At most this many filesystem probes are recorded per submission.
MAX_PROBES = 20


class FrameError(ValueError):
    """The other side sent something that is not a frame."""


def write_frame(stream, obj):
    """Send ``obj`` as one frame on a binary stream and flush it."""
    data = json.dumps(obj).encode("utf-8")
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def read_frame(read_exact):
    """The next frame's object, or None when the stream ended (or the wait ran out).

    ``read_exact(n)`` returns exactly ``n`` bytes, or None / fewer at the end.
    """
    head = read_exact(8)
    if head is None or len(head) < 8:
        return None
    (size,) = struct.unpack(">Q", head)
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes (at most {MAX_FRAME})")
    body = read_exact(size)
    if body is None or len(body) < size:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FrameError(f"a frame that is not JSON ({err})") from None


def _from_wire(cls, obj):
    """A ``cls`` from a frame's dict: its known keys, the others' defaults."""
    obj = obj if isinstance(obj, dict) else {}
    return cls(**{f.name: obj[f.name] for f in fields(cls) if f.name in obj})


@dataclass
class Request:
    """One submission for the harness: run ``cells``, then perform ``calls``.

    ``cells``: ``[{"label", "source"}]``; ``calls``: ``[{"id", "kind", "fn", ...}]``, each of a
    kind of ``byhand_grader.harness.calls.KINDS``; ``call_kinds``: the kinds the assignment's
    description allows (None: any); ``by_hand``: those whose functions must not use
    autograd; ``limits``: the child's limits, over ``CHILD_LIMITS``; ``failed_cells`` (from
    the runner): which cells ended an earlier try and were skipped; ``train_watch_every``:
    how much of a training run the autograd watch sees (None: ``watch.TRAIN_WATCH_EVERY``).
    """

    cells: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    call_kinds: list = None
    by_hand: list = field(default_factory=list)
    limits: dict = field(default_factory=dict)
    failed_cells: list = field(default_factory=list)
    train_watch_every: int = None

    def to_wire(self):
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_wire(cls, obj):
        return _from_wire(cls, obj)


@dataclass
class Reply:
    """What the harness did with a ``Request``, as plain data.

    ``cells``: ``[{"label", "error", "error_type"}]``; ``calls``: ``{id: {"ok", "value" |
    "error", "error_type", "missing", "cause"[, "autograd"][, "numerical"][, "contract"[,
    "returned"]]}}``.  A failed call says what went wrong as data: ``error_type`` (the
    exception's name, or ``AutogradUsed`` / ``NumericalDifferentiation`` / ``Tampering``),
    ``missing`` (no such function), ``cause`` (the cell that failed to define it),
    ``autograd`` and ``numerical`` (the evidence), ``contract`` (the part of the given
    contract a result broke: ``type``, ``keys``, ``shape`` or ``finite``) and ``returned``
    (for a gradient of the wrong shape, the values that came back), so nobody downstream
    parses the message.  ``flags`` records what the
    submission tried besides its answers (``no_flags`` lists them); ``status`` is ``ok``,
    ``killed``, ``exited`` or ``error`` and ``reason`` says why in a sentence; ``limits``
    names the limits the whole submission hit (``time``, ``CPU time``, ``memory``,
    ``output``); ``output`` is what it printed, cut at the output limit.
    """

    cells: list = field(default_factory=list)
    calls: dict = field(default_factory=dict)
    flags: dict = field(default_factory=lambda: no_flags())
    status: str = "ok"
    reason: str = None
    output: str = ""
    limits: list = field(default_factory=list)

    def to_wire(self):
        return asdict(self)

    @classmethod
    def from_wire(cls, obj):
        return _from_wire(cls, obj)


# -- the reply's flags ----------------------------------------------------------------


def no_flags():
    """The reply's ``flags`` when nothing was recorded."""
    return {"monkeypatch": [], "autograd": [], "numerical": [], "fork": 0, "filesystem": []}


def add_flag(flags, item):
    """Fold one emitted ``{"flag": ...}`` line into ``flags``."""
    kind = item.get("flag")
    if kind == "monkeypatch":
        _extend(flags["monkeypatch"], item.get("names"))
    elif kind in ("autograd", "numerical"):
        _extend(flags.setdefault(kind, []), [item.get("fn")])
    elif kind == "fork" and isinstance(item.get("count"), int):
        flags["fork"] = max(flags["fork"], item["count"])
    elif kind == "filesystem":
        _extend(flags["filesystem"], [item.get("path")], MAX_PROBES)
    return flags


def merge_flags(flags, more):
    """``flags`` with another try's ``more`` folded in (lists joined, the larger fork count)."""
    flags = flags or no_flags()
    more = more or {}
    _extend(flags["monkeypatch"], more.get("monkeypatch"))
    _extend(flags["autograd"], more.get("autograd"))
    _extend(flags.setdefault("numerical", []), more.get("numerical"))
    _extend(flags["filesystem"], more.get("filesystem"), MAX_PROBES)
    if isinstance(more.get("fork"), int):
        flags["fork"] = max(flags["fork"], more["fork"])
    return flags


def _extend(into, names, cap=None):
    for name in names if isinstance(names, list) else []:
        if isinstance(name, str) and name not in into and (cap is None or len(into) < cap):
            into.append(name)


def reply_from(items):
    """``(Reply, finished)`` from the child's lines: cells, calls and flags, and whether it
    got to the end (``{"done": true}``)."""
    reply = Reply()
    finished = False
    for item in items:
        if not isinstance(item, dict):
            continue
        if "cell" in item:
            reply.cells.append(
                {
                    "label": item["cell"],
                    "error": item.get("error"),
                    "error_type": item.get("error_type"),
                }
            )
        elif "call" in item:
            reply.calls[item["call"]] = {k: v for k, v in item.items() if k != "call"}
        elif "flag" in item:
            add_flag(reply.flags, item)
        elif item.get("done"):
            finished = True
    return reply, finished
