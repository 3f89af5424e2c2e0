"""The grader's limits on one submission, set in a course's ``nbgrader_config.py``.

``GraderLimits`` is a traitlets configurable, as nbgrader's own settings are::

    c.GraderLimits.cell_s = 30          # seconds one cell may run
    c.GraderLimits.memory_mb = 2048     # memory of one submission, all its processes

``Course.limits`` reads them from the course's configuration; the grading worker passes
them to its ``Runner``, which sends the child's share in every ``Request`` and sizes the
harness's memory cgroup with them.  The defaults are the harness's own
(``byhand_grader.harness.protocol.CHILD_LIMITS``).
"""

from traitlets import Float, Int
from traitlets.config import Configurable

from .harness.protocol import CHILD_LIMITS


class GraderLimits(Configurable):
    """How long and how big one submission may run in the sandboxed harness."""

    total_s = Float(
        CHILD_LIMITS["total_s"],
        help=(
            "Wall-clock seconds for one whole submission in the harness, its cells and the "
            "grader's calls together; past it the submission is stopped and what it had "
            "finished is graded (default: 90)."
        ),
    ).tag(config=True)
    cell_s = Float(
        CHILD_LIMITS["cell_s"],
        help=(
            "Seconds one cell of a submission may run before it is stopped with a "
            "TimeoutError (default: 20)."
        ),
    ).tag(config=True)
    call_s = Float(
        CHILD_LIMITS["call_s"],
        help=(
            "Seconds one call of a student function by the hidden checks may run (a training "
            "run is one call) before it is stopped with a TimeoutError (default: 20)."
        ),
    ).tag(config=True)
    cpu_s = Int(
        CHILD_LIMITS["cpu_s"],
        help=("CPU seconds one submission may use (RLIMIT_CPU; default: 120)."),
    ).tag(config=True)
    memory_mb = Int(
        CHILD_LIMITS["memory_bytes"] // 2**20,
        help=(
            "MiB of memory one submission may use, all its processes together where a memory "
            "cgroup can be made, else each process above what it inherits (default: 1536)."
        ),
    ).tag(config=True)
    nproc = Int(
        CHILD_LIMITS["nproc"],
        help=("Processes and threads one submission may start (default: 32)."),
    ).tag(config=True)
    output_kib = Int(
        CHILD_LIMITS["output_bytes"] // 2**10,
        help=(
            "KiB of a submission's printed output kept for the report; the rest is cut "
            "(default: 64)."
        ),
    ).tag(config=True)
    harness_memory_mb = Int(
        512,
        help=(
            "MiB the harness itself may use besides one submission, in its memory cgroup "
            "(default: 512).  Measured: 248 MiB resident once it has imported torch and said "
            "it is ready (168 MiB anonymous, 80 MiB of mapped files; 16 MiB more at most for "
            "a reply it collects).  Doubled: a child's writes to the pages it shares with the "
            "harness (Python's reference counts write to them) copy them, and are charged to "
            "the cgroup though its RLIMIT_AS never sees them."
        ),
    ).tag(config=True)

    @property
    def memory_bytes(self):
        return self.memory_mb * 2**20

    @property
    def harness_memory_bytes(self):
        return self.harness_memory_mb * 2**20

    def child(self):
        """The limits of one submission's child, as a ``Request`` carries them."""
        return {
            "total_s": self.total_s,
            "cell_s": self.cell_s,
            "call_s": self.call_s,
            "cpu_s": self.cpu_s,
            "memory_bytes": self.memory_bytes,
            "nproc": self.nproc,
            "output_bytes": self.output_kib * 2**10,
        }
