"""The retry budget, the backoff, and outlier detection over an upstream's replicas, on a fake clock."""

from __future__ import annotations

import time

from cinemesh.gateway.http.proxy.replicas import OutlierPolicy, ReplicaSet
from cinemesh.gateway.http.proxy.retries import Retries, RetryBudget, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_budget_allows_the_floor_then_a_share_of_the_requests() -> None:
    clock = Clock()
    budget = RetryBudget(RetryPolicy(budget_ratio=0.2, budget_min_per_second=0.3, budget_window=10), clock)
    assert [budget.try_retry() for _ in range(4)] == [True, True, True, False]  # floor: 0.3/s * 10 s
    for _ in range(50):
        budget.request()
    allowed = sum(budget.try_retry() for _ in range(100))
    assert allowed == 10  # 20 % of 50
    clock.now += 11  # the window has slid past all of it
    assert budget.try_retry()


def test_budget_window_forgets_old_seconds_one_by_one() -> None:
    clock = Clock()
    budget = RetryBudget(RetryPolicy(budget_ratio=0.5, budget_min_per_second=0, budget_window=10), clock)
    for _ in range(10):
        budget.request()
    clock.now += 5
    assert sum(budget.try_retry() for _ in range(10)) == 5
    clock.now += 6  # the requests are out of the window, the retries not yet
    for _ in range(10):
        budget.request()
    assert not budget.try_retry()


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(backoff_base=0.1, backoff_max=0.3)
    assert policy.backoff(0, lambda: 1.0) == 0.1
    assert policy.backoff(1, lambda: 1.0) == 0.2
    assert policy.backoff(5, lambda: 1.0) == 0.3
    assert policy.backoff(5, lambda: 0.0) == 0.0


def test_only_idempotent_methods_retry_and_never_past_the_deadline() -> None:
    retries = Retries("catalog", RetryPolicy(attempts=3, backoff_base=0.0), deadline=10.0)
    assert retries.begin("GET") and retries.begin("HEAD") and retries.begin("OPTIONS")
    assert not retries.begin("POST") and not retries.begin("PUT") and not retries.begin("DELETE")
    now = time.monotonic()
    assert retries.next_delay(1, now, "503") == 0.0
    assert retries.next_delay(3, now, "503") is None  # three calls made
    assert retries.next_delay(1, now - 10.0, "503") is None  # the deadline has passed


def test_round_robin_and_least_outstanding() -> None:
    replicas = ReplicaSet("catalog", ["http://a", "http://b", "http://c"])
    picked = [replicas.pick().url for _ in range(6)]
    assert sorted(picked) == ["http://a", "http://a", "http://b", "http://b", "http://c", "http://c"]
    busy = replicas.replicas[0]
    busy.outstanding = 5
    assert all(replicas.pick().url != "http://a" for _ in range(6))
    assert replicas.pick(avoid=replicas.replicas[1]).url == "http://c"


def test_ejection_grows_with_repeats_and_the_replica_is_probed_back() -> None:
    clock = Clock()
    policy = OutlierPolicy(consecutive_failures=3, base_ejection=10, max_ejection=25)
    replicas = ReplicaSet("catalog", ["http://a", "http://b"], policy, clock)
    bad = replicas.replicas[0]
    for _ in range(2):
        replicas.failed(bad)
    replicas.succeeded(bad)  # not in a row
    replicas.failed(bad)
    assert not bad.ejected_until
    for _ in range(2):
        replicas.failed(bad)
    assert bad.ejected_until == clock.now + 10
    assert all(replicas.pick().url == "http://b" for _ in range(5))
    clock.now += 10
    assert replicas.pick(avoid=replicas.replicas[1]) is bad and bad.probation  # back, on probation
    replicas.failed(bad)  # one failure on probation ejects again, for longer
    assert bad.ejected_until == clock.now + 20
    clock.now += 20
    replicas.pick()
    replicas.failed(bad)
    assert bad.ejected_until == clock.now + 25  # capped
    clock.now += 25
    replicas.pick()
    replicas.succeeded(bad)
    assert not bad.probation and not bad.ejected_until


def test_never_ejects_past_the_share_nor_the_last_replica() -> None:
    clock = Clock()
    policy = OutlierPolicy(consecutive_failures=1, max_ejected_share=0.5)
    two = ReplicaSet("catalog", ["http://a", "http://b"], policy, clock)
    two.failed(two.replicas[0])
    two.failed(two.replicas[1])
    assert two.replicas[0].ejected_until and not two.replicas[1].ejected_until
    assert two.pick().url == "http://b"
    one = ReplicaSet("users", ["http://u"], policy, clock)
    one.failed(one.replicas[0])
    assert not one.replicas[0].ejected_until
    everything = ReplicaSet(
        "x", ["http://a", "http://b", "http://c"], OutlierPolicy(1, max_ejected_share=1.0), clock
    )
    for replica in everything.replicas:
        everything.failed(replica)
    assert sum(1 for r in everything.replicas if r.ejected_until) == 2
