"""Sandbox slots: unique per grading process on a machine, and a dead holder's come back."""

from byhand_grader.sandbox import slots


def test_slots_are_unique_per_machine(tmp_path):
    """Do two grading processes on one machine get different sandbox slots, and a dead one's back?"""
    first, lock = slots.claim(*slots.CLUSTER, locks=tmp_path)
    second, other = slots.claim(*slots.CLUSTER, locks=tmp_path)
    assert slots.CLUSTER[0] <= first != second
    lock.close()  # what the kernel does when the holder dies
    assert slots.claim(*slots.CLUSTER, locks=tmp_path)[0] == first
    other.close()


def test_local_and_cluster_slots_never_meet(tmp_path):
    """A local grading process and a Dask worker on one machine: never the same sandbox user."""
    local, a = slots.claim(*slots.LOCAL, locks=tmp_path)
    cluster, b = slots.claim(*slots.CLUSTER, locks=tmp_path)
    assert local < slots.CLUSTER[0] <= cluster
    a.close(), b.close()
