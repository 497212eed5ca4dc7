"""Throttles on the anonymous credential routes, counted in the platform cache (in-process when
embedded, Redis at scale, so every users replica shares the counts).

* Login failures per client: a client that fails `login_failures_per_client` times within the
  window gets 429 before any password is checked (the per-account lockout alone let one client
  spray a password over many accounts).
* Login failures per unknown address: an address without an account is locked exactly like an
  account (the same count, the same 429 and Retry-After), so the lockout no longer tells which
  addresses have accounts. Known accounts keep their counter in the database.
* Reset requests, per address and per client: 429 past either limit. The count is kept whether
  or not the address has an account, so the 429 tells nothing about accounts either.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from cinemesh.platform.cache import Cache, CacheUnavailableError, RateLimiter
from cinemesh.platform.logging import get_logger
from cinemesh.platform.ratelimit.headers import whole_seconds
from cinemesh.users.identity.domain import LoginThrottled, ResetThrottled, TooManyAttempts
from cinemesh.users.settings import UsersSettings

log = get_logger("cinemesh.users.throttle")
P = ParamSpec("P")
R = TypeVar("R")


def _fail_open(method: Callable[P, Awaitable[R | None]]) -> Callable[P, Awaitable[R | None]]:
    """A cache outage (Redis down) must not turn every login into a 500, which the gateway's
    breaker would count against the service: the throttle is skipped and the outage logged.
    The per-account lockout, in the database, still holds."""

    @functools.wraps(method)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return await method(*args, **kwargs)
        except CacheUnavailableError as exc:
            log.warning("throttle_cache_unavailable", check=method.__name__, error=str(exc))
            return None

    return guarded


def _key(value: str) -> str:
    # Hashed: addresses (personal data) do not sit in the cache in clear.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _throttled(kind: type[TooManyAttempts], retry_after: float, detail: str) -> TooManyAttempts:
    """429 with Retry-After (at least 1 s), said like the platform's rate limits."""
    seconds = max(1, whole_seconds(retry_after))
    return kind(f"{detail} Try again in {seconds} seconds.", retry_after=seconds)


class Throttles:
    def __init__(self, cache: Cache, settings: UsersSettings) -> None:
        self._counts = cache.namespaced("users-throttle")
        self._limiter = RateLimiter(cache, namespace="users-ratelimit")
        self._settings = settings

    @_fail_open
    async def check_login_client(self, client: str) -> None:
        """429 when this client has failed too many logins in the current window."""
        key = f"login-client:{_key(client)}"
        failures = await self._counts.get(key)
        if failures is not None and int(failures) >= self._settings.login_failures_per_client:
            retry_after = await self._counts.ttl(key) or self._settings.login_client_window_seconds
            raise _throttled(LoginThrottled, retry_after, "Too many failed logins from this client.")

    @_fail_open
    async def login_failed(self, *, client: str) -> None:
        window = self._settings.login_client_window_seconds
        await self._counts.incr(f"login-client:{_key(client)}", ttl=window)

    @_fail_open
    async def unknown_address_locked_until(self, email: str) -> dt.datetime | None:
        until = await self._counts.get(f"login-unknown-locked:{_key(email)}")
        return dt.datetime.fromisoformat(until.decode()) if until is not None else None

    @_fail_open
    async def unknown_address_failed(self, email: str, *, current: dt.datetime) -> None:
        """Counts like `UserStore.record_login_failure`: the last failure allowed locks the
        address for the lockout time and starts the count again."""
        key = _key(email)
        lockout = self._settings.login_lockout_seconds
        # The database counter of an account never expires; a day keeps the cache bounded.
        count = await self._counts.incr(f"login-unknown:{key}", ttl=24 * 3600)
        if count >= self._settings.max_failed_logins:
            until = current + dt.timedelta(seconds=lockout)
            await self._counts.set(f"login-unknown-locked:{key}", until.isoformat().encode(), ttl=lockout)
            await self._counts.delete(f"login-unknown:{key}")

    @_fail_open
    async def reset_requested(self, *, client: str, email: str) -> None:
        window = self._settings.reset_window_seconds
        for key, limit, detail in (
            (
                f"reset-address:{_key(email)}",
                self._settings.resets_per_address,
                "Too many reset requests for this address.",
            ),
            (
                f"reset-client:{_key(client)}",
                self._settings.resets_per_client,
                "Too many reset requests from this client.",
            ),
        ):
            result = await self._limiter.hit(key, limit=limit, window_seconds=window)
            if not result.allowed:
                raise _throttled(ResetThrottled, result.reset_after, detail)
