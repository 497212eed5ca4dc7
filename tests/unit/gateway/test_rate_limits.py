"""Token buckets (GCRA) on a fake clock, the route classes, the header fields, and which
X-Forwarded-For hop is the client."""

from __future__ import annotations

import pytest

from cinemesh.gateway.http.proxy.ratelimit import classify
from cinemesh.platform.client_address import TrustedProxies
from cinemesh.platform.ratelimit import BucketPolicy, MemoryTokenBuckets, Take, rate_limit_headers, refused

PER_MINUTE = BucketPolicy("read-user", 60, 60.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_admits_its_quota_at_once_then_one_per_interval() -> None:
    clock = Clock()
    buckets = MemoryTokenBuckets(clock=clock)
    results = [await buckets.take([Take("u", PER_MINUTE)]) for _ in range(61)]
    assert [r.allowed for r in results] == [True] * 60 + [False]
    assert [r.states[0].remaining for r in results[:3]] == [59, 58, 57]
    refused_one = results[-1]
    assert refused_one.states[0].remaining == 0
    assert refused_one.retry_after == pytest.approx(1.0)  # one unit comes back per second
    clock.now += 0.5
    assert not (await buckets.take([Take("u", PER_MINUTE)])).allowed
    clock.now += 0.5
    assert (await buckets.take([Take("u", PER_MINUTE)])).allowed
    clock.now += 120  # a bucket refills to its quota, not past it
    again = await buckets.take([Take("u", PER_MINUTE)])
    assert again.states[0].remaining == 59
    assert again.states[0].reset_after == pytest.approx(1.0)


async def test_a_refused_request_costs_nothing_and_no_bucket_is_charged() -> None:
    clock = Clock()
    buckets = MemoryTokenBuckets(clock=clock)
    small = BucketPolicy("write-user", 2, 60.0)
    large = BucketPolicy("write-ip", 100, 60.0)
    both = [Take("user", small), Take("ip", large)]
    assert (await buckets.take(both)).allowed
    assert (await buckets.take(both)).allowed
    for _ in range(5):
        decision = await buckets.take(both)
        assert not decision.allowed
    # The address's bucket paid only for the two admitted requests.
    assert (await buckets.take([Take("ip", large)])).states[0].remaining == 97


async def test_a_forced_take_leaves_a_debt_that_is_paid_back_before_admitting() -> None:
    clock = Clock()
    buckets = MemoryTokenBuckets(clock=clock)
    policy = BucketPolicy("upload-user", 1000, 10.0, "content-bytes")
    assert not (await buckets.take([Take("u", policy, 1500)], force=True)).allowed
    assert not (await buckets.take([Take("u", policy, 1)])).allowed
    clock.now += 5.0  # the 500 bytes of debt are paid: the bucket is empty, not below
    assert not (await buckets.take([Take("u", policy, 1)])).allowed
    clock.now += 0.01  # one byte has come back
    assert (await buckets.take([Take("u", policy, 1)])).allowed


async def test_buckets_are_bounded() -> None:
    buckets = MemoryTokenBuckets(max_buckets=10)
    for n in range(50):
        await buckets.take([Take(f"k{n}", PER_MINUTE)])
    assert len(buckets) == 10


async def test_header_fields_follow_the_current_draft() -> None:
    clock = Clock()
    buckets = MemoryTokenBuckets(clock=clock)
    upload = BucketPolicy("upload-user", 4096, 3600.0, "content-bytes")
    decision = await buckets.take([Take("u", PER_MINUTE), Take("b", upload, 1024)])
    assert rate_limit_headers(decision) == {
        "RateLimit-Policy": '"read-user";q=60;w=60, "upload-user";q=4096;w=3600;qu="content-bytes"',
        "RateLimit": '"read-user";r=59;t=1, "upload-user";r=3072;t=900',
    }
    full = await buckets.take([Take("b", upload, 4000)])
    problem = refused(full)
    assert problem.status == 429
    assert problem.code == "rate-limited"
    assert problem.headers["Retry-After"] == str(int(3600 * (4000 - 3072) / 4096) + 1)
    assert problem.headers["RateLimit"] == '"upload-user";r=3072;t=900'
    assert "upload-user" in problem.detail


def test_route_classes() -> None:
    assert classify("POST", "/api/v1/auth/login") == "auth"
    assert classify("GET", "/api/v1/auth") == "auth"
    assert classify("GET", "/api/v1/authors") == "read"
    assert classify("GET", "/api/v1/titles") == "read"
    assert classify("HEAD", "/api/v1/uploads/x") == "read"
    assert classify("PATCH", "/api/v1/uploads/x") == "upload"
    assert classify("POST", "/api/v1/uploads") == "upload"
    assert classify("DELETE", "/api/v1/history/x") == "write"


def _scope(peer: str, *forwarded: str) -> dict[str, object]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "http", "client": (peer, 5000), "headers": headers}


def test_forwarded_for_counts_only_behind_a_trusted_proxy() -> None:
    edge = TrustedProxies(["10.0.0.0/8", "fd00::/8"])
    assert edge.client(_scope("10.0.0.5", "203.0.113.9")) == "203.0.113.9"
    # A client's own X-Forwarded-For entries stand left of what the edge appended: ignored.
    assert edge.client(_scope("10.0.0.5", "198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    # Two proxies deep, and the header split over two fields.
    assert edge.client(_scope("10.0.0.5", "203.0.113.9, 10.1.1.1", "10.2.2.2")) == "203.0.113.9"
    assert edge.client(_scope("fd00::1", "2001:db8::7")) == "2001:db8::7"
    # A peer that is not a trusted proxy is the client, whatever it writes.
    assert edge.client(_scope("198.51.100.1", "203.0.113.9")) == "198.51.100.1"
    # Garbage in the header: the last readable hop is as far as it goes.
    assert edge.client(_scope("10.0.0.5", "not-an-ip, 10.3.3.3")) == "10.3.3.3"
    assert edge.client(_scope("10.0.0.5", "\x00" * 3000)) == "10.0.0.5"
    assert TrustedProxies().client(_scope("10.0.0.5", "203.0.113.9")) == "10.0.0.5"
    with pytest.raises(ValueError, match="does not appear"):
        TrustedProxies(["not-a-network"])


async def test_a_refused_request_reports_the_buckets_it_did_not_charge_as_they_stay() -> None:
    buckets = MemoryTokenBuckets(clock=Clock())
    small, large = BucketPolicy("write-user", 1, 60.0), BucketPolicy("write-ip", 10, 60.0)
    await buckets.take([Take("user", small), Take("ip", large)])
    refused_one = await buckets.take([Take("user", small), Take("ip", large)])
    user, address = refused_one.states
    assert (user.remaining, user.reset_after, user.retry_after) == (0, 60.0, 60.0)
    assert (address.remaining, address.reset_after, address.retry_after) == (9, 6.0, 0.0)
