"""One submission: run its cells, then perform the judge's calls, one reply line each.

``run_request`` is the whole of a forked child's work (``supervisor``), and what the
tests call in-process.  ``_Session`` holds one submission's guards: the given code's
snapshot (``given._Given``), the autograd watch (``watch._Watch``) and the records of
what it tried (``audit._Records``).
"""

import _thread
import signal

import byhand.neuron

from .audit import _AUDIT, _Records
from .calls import _call, KINDS
from .given import _FUNCTION, _Given
from .protocol import CHILD_LIMITS
from .values import _contract_fields, _describe_safely, _error_type, _Missing, _on_alarm
from .watch import _GIVEN_FORWARDS, _Steps, _Watch, _Watching, TRAIN_WATCH_EVERY

#: The kinds whose calls name their gradient's forward pass, and the gradients watched
#: for numerical differentiation (``calls.KINDS``).
_PAIRED = frozenset(k for k, kind in KINDS.items() if kind.pairs_forward)
_NUMERIC = frozenset(k for k, kind in KINDS.items() if kind.numeric)


class _Session:
    """One submission's guards: the given code's snapshot, the autograd watch, the records."""

    def __init__(self, request, records):
        self.by_hand = frozenset(request.by_hand or ())
        self.records = records
        every = request.train_watch_every
        self.watch = _Watch(TRAIN_WATCH_EVERY if every is None else every)
        self.watch.patch()
        try:
            records.watch_files()
            self.given = _Given()  # last: the watch's wrappers are part of what it keeps
        except BaseException:
            self.watch.unpatch()
            raise
        self.during = []
        #: the given forward passes' code, and each gradient's own forward pass by name (as
        #: the request's training calls pair them), for ``_Steps``
        self.given_forwards = {
            getattr(byhand.neuron, name).__code__: name for name in _GIVEN_FORWARDS
        }
        self.forwards = {
            c["fn"]: c["forward"]
            for c in request.calls or ()
            if isinstance(c, dict)
            and c.get("kind") in _PAIRED
            and isinstance(c.get("fn"), str)
            and isinstance(c.get("forward"), str)
        }
        self.numeric = None

    def watching(self, kind, fn):
        """The context a call of ``kind`` runs its student function in (``_Watching``)."""
        return _Watching(
            self.watch,
            kind in self.by_hand,
            KINDS[kind].no_grad,
            fn,
            sampled=KINDS[kind].sampled and self.watch.every > 1,
            numeric=self.numeric if KINDS[kind].numeric else None,
        )

    def _steps(self, call, ns):
        """A ``_Steps`` for a by-hand gradient call, else None."""
        kind = call.get("kind")
        if kind not in _NUMERIC or kind not in self.by_hand:
            return None
        codes = dict(self.given_forwards)
        name = self.forwards.get(call.get("fn"))
        own = ns.get(name) if name else None
        if type(own) is _FUNCTION:
            codes[own.__code__] = name
        return _Steps(call.get("params", {}), codes)

    def returned(self):
        """A student function returned: put the given code back, keep what had changed."""
        self.during += self.given.restore()

    def perform(self, call, ns, failed, kinds, limits):
        """One call's reply line: its value, or why it failed, void if the given code changed."""
        self.during = []
        self.watch.found = None
        self.numeric = self._steps(call, ns)
        try:
            signal.setitimer(signal.ITIMER_REAL, limits["call_s"])
            try:
                value = _call(call, ns, failed, kinds, self)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            entry = {"call": call["id"], "ok": True, "value": value}
        except BaseException as err:  # noqa: B036 - student code may raise anything
            self.returned()
            entry = {
                "call": call["id"],
                "ok": False,
                "error": _describe_safely(err),
                "error_type": _error_type(err),
                "missing": isinstance(err, _Missing),
                "cause": err.cause if isinstance(err, _Missing) else None,
                **_contract_fields(err),
            }
        self.returned()
        numerical = self.numeric.evidence() if self.numeric is not None else None
        self.numeric = None
        if numerical:
            self.records.used_numerical(call["fn"], numerical)
            entry = {
                "call": call["id"],
                "ok": False,
                "error": f"NumericalDifferentiation: {call['fn']} {numerical}; the "
                "homework asks for the closed form by hand",
                "error_type": "NumericalDifferentiation",
                "missing": False,
                "cause": None,
                "numerical": numerical,
            }
        found = self.watch.evidence() if call.get("kind") in self.by_hand else None
        if found:
            fn, evidence = found
            if fn != call["fn"]:
                evidence += f" in {fn}"
            self.records.used_autograd(fn, evidence)
            entry = {
                "call": call["id"],
                "ok": False,
                "error": f"AutogradUsed: {call['fn']} {evidence}; the homework asks for "
                "the closed form by hand",
                "error_type": "AutogradUsed",
                "missing": False,
                "cause": None,
                "autograd": evidence,
                **_evidence(entry, "numerical"),
            }
        changed = list(dict.fromkeys(self.during))
        if changed:
            self.records.changed(changed)
            shown = ", ".join(changed[:8]) + (
                f" and {len(changed) - 8} more" if len(changed) > 8 else ""
            )
            entry = {
                "call": call["id"],
                "ok": False,
                "error": f"changed the given code: {shown}",
                "error_type": "Tampering",
                "missing": False,
                "cause": None,
                **_evidence(entry, "autograd", "numerical"),
            }
        return entry

    def close(self):
        """Put the given code back for good and take the watch's wrappers off."""
        changed = self.given.restore()
        self.watch.unpatch()
        if _AUDIT.records is self.records:
            _AUDIT.records = None
        return changed


def _evidence(entry, *keys):
    """The evidence fields (``autograd``, ``numerical``) an entry carries, to keep them."""
    return {k: entry[k] for k in keys if k in entry}


def run_request(request, emit, records=None):
    """Execute a ``Request``'s cells then calls, emitting one dict per result (``emit``
    writes it; ``protocol.reply_from`` folds them into a ``Reply``).

    ``records`` (``_Records``) gathers the flags; the child passes its own, which its
    fork hook counts into.
    """
    import matplotlib

    matplotlib.use("Agg")
    limits = {**CHILD_LIMITS, **request.limits}
    records = records or _Records(emit)
    session = _Session(request, records)
    ns = {"__name__": "__main__"}
    failed = list(request.failed_cells)  # cells that ended an earlier try
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        for n, cell in enumerate(request.cells):
            error = error_type = None
            try:
                code = compile(cell["source"], f"<cell {n}>", "exec")
                signal.setitimer(signal.ITIMER_REAL, limits["cell_s"])
                try:
                    exec(code, ns)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except BaseException as err:  # noqa: B036 - student code may raise anything
                records.changed(session.given.restore())
                if isinstance(err, (KeyboardInterrupt,)):
                    raise
                error = _describe_safely(err)
                error_type = _error_type(err)
                failed.append(f"{cell['label']} raised {error}")
            records.changed(session.given.restore())
            emit({"cell": cell["label"], "error": error, "error_type": error_type})
            records.flush()
        kinds = request.call_kinds
        for call in request.calls:
            # The given code was put back after the last cell or call and nothing ran
            # since, unless a thread the student started did: then put it back again.
            if _thread._count():
                records.changed(session.given.restore())
            emit(session.perform(call, ns, failed, kinds, limits))
            records.flush()
    finally:
        records.changed(session.close())
        records.flush()
