"""Sandbox slots: one per grading process on a machine, held by an ``flock``.

A slot picks the sandbox's uid (61000 + slot) and the harness's memory cgroup, so two
grading processes on one machine (two courses graded at once, a pool and a Dask
worker, a replacement for a killed pool worker) must never share one.  The kernel drops
an ``flock`` when its process dies, however it dies, so a process started after a
killed one takes its slot back.
"""

import fcntl
import tempfile
from pathlib import Path

#: Slots of ``byhand grade``'s own worker processes, and of Dask workers (``cluster``):
#: ``(first, count)``, clear of each other and of the sandbox's own check (1000 and above).
LOCAL, CLUSTER = (0, 500), (500, 500)


def claim(first, count, locks=None):
    """``(slot, lock file)``: the lowest slot in ``first .. first + count - 1`` no other
    process on this machine holds; keep the file open for as long as the slot is used."""
    locks = Path(locks or Path(tempfile.gettempdir()) / "byhand-slots")
    locks.mkdir(parents=True, exist_ok=True)
    for slot in range(first, first + count):
        lock = open(locks / f"slot-{slot}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return slot, lock
    raise RuntimeError(
        f"all {count} grading slots from {first} on this machine are taken ({locks})"
    )
