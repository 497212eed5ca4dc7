"""Throttles on the anonymous credential routes (issue 20.4) and a lockout that answers the same
for addresses with and without an account (issue 20.7)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from starlette.routing import Mount

from cinemesh.gateway.domain import Route, RouteTable
from cinemesh.gateway.http.proxy.forward import GatewayProxy, GuardedUpstream, no_route
from cinemesh.platform.cache import RedisCache
from cinemesh.platform.http import create_service_app
from cinemesh.platform.resilience import Bulkhead, CircuitBreaker
from cinemesh.users.identity.mailer import Mail
from tests.fixtures._net import free_port
from tests.integration.users.harness import PASSWORD, assert_problem, running_users

CLIENT = "X-Cinemesh-Client"  # what the gateway says the client's address is


async def test_the_lockout_answers_the_same_with_and_without_an_account(tmp_path: Path) -> None:
    async with running_users(tmp_path, users_settings={"max_failed_logins": 3}) as users:
        user = await users.register()
        answers: dict[str, list[tuple[int, str, str | None]]] = {}
        for email in (user.email, "nobody-here@example.com"):
            answers[email] = []
            for _ in range(5):
                body = {"email": email, "password": "not the password"}
                response = await users.client.post("/api/v1/auth/login", json=body)
                retry_after = response.headers.get("retry-after")
                answers[email].append((response.status_code, response.json()["type"], retry_after))
        known, unknown = answers[user.email], answers["nobody-here@example.com"]
        assert [status for status, _, _ in known] == [401, 401, 401, 429, 429]
        assert [(status, kind) for status, kind, _ in known] == [
            (status, kind) for status, kind, _ in unknown
        ]
        for (_, _, known_after), (_, _, unknown_after) in zip(known[3:], unknown[3:], strict=True):
            assert known_after is not None and unknown_after is not None
            assert abs(int(known_after) - int(unknown_after)) <= 1


async def test_login_failures_are_limited_per_client(tmp_path: Path) -> None:
    settings = {"login_failures_per_client": 4, "max_failed_logins": 100}
    async with running_users(tmp_path, users_settings=settings) as users:
        victim = await users.register()
        sprayer = {CLIENT: "203.0.113.7"}
        for number in range(4):  # one password tried on many accounts: no account locks
            body = {"email": f"target{number}@example.com", "password": "Summer2026!"}
            assert_problem(await users.client.post("/api/v1/auth/login", json=body, headers=sprayer), 401)
        right = {"email": victim.email, "password": PASSWORD}
        throttled = await users.client.post("/api/v1/auth/login", json=right, headers=sprayer)
        body = assert_problem(throttled, 429)
        assert body["type"].endswith("/login-throttled") and int(throttled.headers["retry-after"]) > 0
        other = await users.client.post("/api/v1/auth/login", json=right, headers={CLIENT: "198.51.100.2"})
        assert other.status_code == 200, other.text
        # Successes do not count: a busy client (an office behind one address) keeps signing in.
        for _ in range(6):
            again = await users.client.post(
                "/api/v1/auth/login", json=right, headers={CLIENT: "198.51.100.2"}
            )
            assert again.status_code == 200


async def test_reset_requests_are_limited_per_address_and_per_client(tmp_path: Path) -> None:
    settings = {"resets_per_address": 2, "resets_per_client": 3}
    async with running_users(tmp_path, users_settings=settings) as users:
        user = await users.register()
        sent_before = len(users.mailer.sent)
        answers = []
        for number in range(3):  # from three clients: the address's limit holds across them
            response = await users.client.post(
                "/api/v1/auth/password-reset",
                json={"email": user.email},
                headers={CLIENT: f"192.0.2.{number}"},
            )
            answers.append(response.status_code)
        assert answers == [202, 202, 429]
        await users.mail_settled()
        assert len(users.mailer.sent) - sent_before == 2
        # One client, many addresses (known or not: the answers are the same).
        flood = {CLIENT: "203.0.113.9"}
        statuses = []
        for email in ("a@example.com", "b@example.com", "c@example.com"):
            response = await users.client.post(
                "/api/v1/auth/password-reset", json={"email": email}, headers=flood
            )
            statuses.append(response.status_code)
        assert statuses == [202, 202, 202]
        refused = await users.client.post(
            "/api/v1/auth/password-reset", json={"email": "d@example.com"}, headers=flood
        )
        body = assert_problem(refused, 429)
        assert body["type"].endswith("/password-reset-throttled") and int(refused.headers["retry-after"]) > 0


class SlowMailer:
    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        await asyncio.sleep(1.0)  # a slow SMTP exchange
        self.sent.append(mail)


async def test_the_reset_mail_does_not_hold_the_gateways_slot(tmp_path: Path) -> None:
    async with running_users(tmp_path) as users:
        user = await users.register()
        slow = SlowMailer()
        users.services.credentials.mailer = slow
        proxy = GatewayProxy(
            routes=RouteTable([Route("/api/v1/auth", "users"), Route("/api/v1/me", "users")]),
            upstreams={
                "users": GuardedUpstream(
                    app=users.app,
                    breaker=CircuitBreaker("users"),
                    bulkhead=Bulkhead("users", max_concurrent=1),  # one slot, no queue
                )
            },
            verifier=users.app.state.token_verifier,
            first_byte_timeout=5.0,
            fallback=no_route,
        )
        outer = create_service_app(name="gateway-test")
        outer.router.routes.append(Mount("", app=proxy))
        transport = httpx.ASGITransport(app=outer)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gateway:
            started = time.perf_counter()
            reset = await gateway.post("/api/v1/auth/password-reset", json={"email": user.email})
            assert reset.status_code == 202
            assert time.perf_counter() - started < 0.9  # answered before the mail went out
            me = await gateway.get("/api/v1/me", headers=user.auth)
            assert me.status_code == 200, me.text
        await users.mail_settled()
        assert [mail.to for mail in slow.sent] == [user.email]


async def test_a_cache_outage_skips_the_throttles_instead_of_failing_logins(tmp_path: Path) -> None:
    # A real Redis client pointed at a port nobody listens on: every cache call fails.
    dead = RedisCache.from_url(f"redis://127.0.0.1:{free_port()}/0")
    async with running_users(tmp_path, users_settings={"max_failed_logins": 2}) as users:
        user = await users.register()
    async with running_users(tmp_path, users_settings={"max_failed_logins": 2}, cache=dead) as users:
        wrong = {"email": "nobody@example.com", "password": "not the password"}
        for _ in range(3):
            assert_problem(await users.client.post("/api/v1/auth/login", json=wrong), 401)
        assert (
            await users.client.post("/api/v1/auth/password-reset", json={"email": user.email})
        ).status_code == 202
        login = await users.client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        for _ in range(2):  # the account's own lockout, in the database, still holds
            bad = {"email": user.email, "password": "not the password"}
            assert_problem(await users.client.post("/api/v1/auth/login", json=bad), 401)
        assert_problem(await users.client.post("/api/v1/auth/login", json=bad), 429)
    await dead.close()
