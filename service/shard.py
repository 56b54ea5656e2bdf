"""Who polls a target among a set of members: rendezvous hashing, shared by instances and workers.

The NATS cluster (cluster.py) runs it over the live members it hears; an instance's worker
processes (workers.py) are members named ``<instance>/w<k>``. Without NATS the workers' member
list is static (``Shard``): a dead worker keeps its shard and polls it again once restarted.
"""

from __future__ import annotations

import hashlib

from .ports import OwnershipListener


def rendezvous(members: list[str], target: str) -> str | None:
    """Highest-random-weight owner: stable, and only 1/N of targets move when a member joins/leaves."""
    if not members:
        return None
    return max(members, key=lambda m: hashlib.sha1(f"{m}\0{target}".encode()).digest())


def worker_name(instance: str, index: int) -> str:
    """A worker's member name: the same one it uses in a NATS cluster."""
    return f"{instance}/w{index}"


class Shard:
    """``Ownership`` over a fixed member list: ``me`` owns the targets it wins by rendezvous."""

    def __init__(self, members: list[str], me: str) -> None:
        if me not in members:
            raise ValueError(f"{me} is not one of the members {members}")
        self.members = list(members)
        self.me = me

    def owns(self, key: str) -> bool:
        return rendezvous(self.members, key) == self.me

    def subscribe(self, listener: OwnershipListener) -> None:
        return None   # the list never changes while the instance runs
