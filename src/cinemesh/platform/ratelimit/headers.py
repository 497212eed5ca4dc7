"""What a client is told about its limits: the IETF RateLimit-Policy and RateLimit fields
(draft-ietf-httpapi-ratelimit-headers-10: structured-field lists of policy names with `q`, `w`,
`qu` and `r`, `t`) and, past a limit, 429 problem+json with Retry-After.

    RateLimit-Policy: "read-user";q=1200;w=60, "read-ip";q=3000;w=60
    RateLimit: "read-user";r=1187;t=1, "read-ip";r=2990;t=1

`t` is the number of seconds until the bucket is full again (a token bucket has no fixed
window end); `Retry-After` is the number of seconds until the refused request would fit.
"""

from __future__ import annotations

import math

from cinemesh.platform.problems import Problem
from cinemesh.platform.ratelimit.buckets import BucketPolicy, Decision

RATE_LIMITED = "rate-limited"


def whole_seconds(seconds: float) -> int:
    """Seconds for a header, rounded up: a client told 0 too early would be refused again."""
    return max(0, math.ceil(seconds - 1e-6))


def _window(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}".rstrip("0")


def policy_item(policy: BucketPolicy) -> str:
    item = f'"{policy.name}";q={policy.quota};w={_window(policy.window_seconds)}'
    return item if policy.unit == "requests" else f'{item};qu="{policy.unit}"'


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """RateLimit-Policy and RateLimit for every bucket the request was counted in."""
    if not decision.states:
        return {}
    return {
        "RateLimit-Policy": ", ".join(policy_item(state.policy) for state in decision.states),
        "RateLimit": ", ".join(
            f'"{state.policy.name}";r={state.remaining};t={whole_seconds(state.reset_after)}'
            for state in decision.states
        ),
    }


def too_many_requests(retry_after: float, detail: str, *, code: str = RATE_LIMITED) -> Problem:
    """429 with Retry-After (at least 1 s); add the RateLimit fields with `rate_limit_headers`."""
    seconds = max(1, whole_seconds(retry_after))
    return Problem(
        429, f"{detail} Try again in {seconds} seconds.", code=code, headers={"Retry-After": str(seconds)}
    )


def refused(decision: Decision) -> Problem:
    """The 429 for a refused decision, naming the policies that had no room."""
    full = [state.policy.name for state in decision.states if state.retry_after > 0]
    problem = too_many_requests(decision.retry_after, f"Rate limit reached ({', '.join(full)}).")
    problem.headers.update(rate_limit_headers(decision))
    return problem
