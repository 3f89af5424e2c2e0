"""The tiers of confinement, and which one confines student code here (``Confinement``)."""

from __future__ import annotations

from dataclasses import dataclass

#: The tiers of confinement, strongest first: bubblewrap's namespaces; a uid of its own
#: with no_new_privs and a seccomp filter (containers that refuse namespaces); rlimits only.
BWRAP, CONTAINER, RLIMITS = "bwrap", "container", "rlimits"
TIERS = (BWRAP, CONTAINER, RLIMITS)
#: Each tier in a few words, for the instructor's flags and logs.
TIER_WORDS = {
    BWRAP: "bubblewrap namespaces",
    CONTAINER: "container tier (own uid, no_new_privs, seccomp filter; no private mounts)",
    RLIMITS: "NOT confined (rlimits only)",
}


@dataclass(frozen=True)
class Confinement:
    """Which tier confines student code on this machine, and why, in one sentence."""

    tier: str  #: one of ``TIERS``
    sentence: str  #: what an instructor reads: the tier, and why a stronger one is not used

    @property
    def confined(self) -> bool:
        return self.tier != RLIMITS
