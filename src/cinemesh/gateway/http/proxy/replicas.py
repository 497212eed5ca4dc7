"""The replicas of one upstream service: which one a call goes to, and which are left out.

A call goes to the replica with the fewest calls in flight (least outstanding), ties broken
round-robin. Outlier detection as Envoy's: a replica that fails `consecutive_failures` calls in
a row (a 5xx answer, or no connection) is ejected for `base_ejection` times the number of times
it has been ejected (capped at `max_ejection`), so a replica that keeps failing stays out longer
each time; the count goes back down by one for each `base_ejection` it then stays healthy. When
its time is up it is back on probation: its next call decides, a failure ejects it again at
once. Never more than `max_ejected_share` of the replicas are out, and never all: a service
always keeps a replica to call, even a bad one (the breaker then speaks for the service).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from prometheus_client import Counter

from cinemesh.platform.logging import get_logger

EJECTIONS = Counter(
    "cinemesh_gateway_replica_ejections_total",
    "Upstream replicas ejected by outlier detection, by upstream.",
    ["upstream"],
)

log = get_logger("cinemesh.gateway.replicas")


@dataclass(frozen=True)
class OutlierPolicy:
    consecutive_failures: int = 5
    base_ejection: float = 30.0
    max_ejection: float = 300.0
    max_ejected_share: float = 0.5


@dataclass
class Replica:
    url: str
    outstanding: int = 0
    failures: int = 0  # in a row
    ejections: int = 0
    ejected_until: float = 0.0
    probation: bool = False
    healthy_since: float = 0.0


@dataclass
class ReplicaSet:
    name: str
    urls: Sequence[str]
    policy: OutlierPolicy = field(default_factory=OutlierPolicy)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError(f"upstream {self.name!r} has no URL")
        self.replicas = [Replica(url.rstrip("/")) for url in self.urls]
        self._turn = itertools.count()

    def pick(self, avoid: Replica | None = None) -> Replica:
        """The replica for the next call; `avoid` (the one a retry follows) if there is another."""
        now = self.clock()
        for replica in self.replicas:
            if replica.ejected_until and replica.ejected_until <= now:
                replica.ejected_until, replica.probation, replica.healthy_since = 0.0, True, now
        candidates = [r for r in self.replicas if not r.ejected_until and r is not avoid]
        if not candidates:
            candidates = [r for r in self.replicas if r is not avoid] or self.replicas
        start = next(self._turn) % len(candidates)
        ordered = candidates[start:] + candidates[:start]
        return min(ordered, key=lambda r: r.outstanding)

    def succeeded(self, replica: Replica) -> None:
        replica.failures, replica.probation = 0, False

    def failed(self, replica: Replica) -> None:
        replica.failures += 1
        if replica.ejected_until:
            return
        if (replica.probation or replica.failures >= self.policy.consecutive_failures) and self._may_eject():
            self._eject(replica)

    def _may_eject(self) -> bool:
        ejected = sum(1 for r in self.replicas if r.ejected_until)
        allowed = min(
            len(self.replicas) - 1, max(1, math.floor(len(self.replicas) * self.policy.max_ejected_share))
        )
        return ejected < allowed

    def _eject(self, replica: Replica) -> None:
        now = self.clock()
        if replica.healthy_since:  # healthy time since its last return pays back earlier ejections
            healed = int((now - replica.healthy_since) // self.policy.base_ejection)
            replica.ejections = max(0, replica.ejections - healed)
        replica.ejections += 1
        duration = min(self.policy.max_ejection, self.policy.base_ejection * replica.ejections)
        replica.ejected_until, replica.failures, replica.probation = now + duration, 0, False
        EJECTIONS.labels(self.name).inc()
        log.warning("replica_ejected", upstream=self.name, replica=replica.url, seconds=duration)
