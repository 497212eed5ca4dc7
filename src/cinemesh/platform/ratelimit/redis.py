"""Token buckets on Redis, shared by every gateway replica: one EVALSHA per request.

The script reads each bucket's TAT, decides for all of them on Redis's own clock (`TIME`, so
replicas with drifting clocks agree), and writes the new TATs only if every bucket had room.
Each key expires when its bucket is full again: a full bucket and a missing key are the same.
Times inside the script are milliseconds. A script runs alone on the server, so two replicas'
takes on one bucket never interleave.
"""

from __future__ import annotations

from collections.abc import Sequence

from cinemesh.platform.cache.redis import RedisCache
from cinemesh.platform.ratelimit.buckets import BucketState, Decision, Take, TokenBuckets

# ARGV[1]: force (1/0); then per key: window_ms, quota, cost.
# Returns {allowed, then per key: remaining, reset_ms, retry_ms}.
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local force = ARGV[1] == '1'
local allowed = 1
local out = {}
local tats = {}
local idle = {}
for i = 1, #KEYS do
    local window = tonumber(ARGV[3 * i - 1])
    local interval = window / tonumber(ARGV[3 * i])
    local cost = tonumber(ARGV[3 * i + 1])
    local tat = now
    local stored = redis.call('GET', KEYS[i])
    if stored then tat = math.max(tonumber(stored), now) end
    local new_tat = tat + cost * interval
    local remaining, reset, retry
    if new_tat - now > window + 1e-6 then
        allowed = 0
        remaining = math.floor((window - (tat - now)) / interval + 1e-9)
        reset = tat - now
        retry = new_tat - now - window
    else
        remaining = math.floor((window - (new_tat - now)) / interval + 1e-9)
        reset = new_tat - now
        retry = 0
    end
    tats[i] = new_tat
    idle[i] = {math.floor((window - (tat - now)) / interval + 1e-9), tat - now}
    out[3 * i - 1] = math.max(0, remaining)
    out[3 * i] = math.ceil(reset)
    out[3 * i + 1] = math.ceil(retry)
end
out[1] = allowed
if allowed == 0 then
    -- Nothing is charged: a bucket that had room reports itself as it stays.
    for i = 1, #KEYS do
        if out[3 * i + 1] == 0 then
            out[3 * i - 1] = math.max(0, idle[i][1])
            out[3 * i] = math.ceil(idle[i][2])
        end
    end
end
if allowed == 1 or force then
    for i = 1, #KEYS do
        local ttl = math.max(1, math.ceil(tats[i] - now))
        redis.call('SET', KEYS[i], string.format('%.3f', tats[i]), 'PX', ttl)
    end
end
return out
"""


class RedisTokenBuckets(TokenBuckets):
    """Buckets under `prefix:` in the cache's Redis (the cache's pool, not one of its own)."""

    def __init__(self, cache: RedisCache, *, prefix: str = "ratelimit") -> None:
        self._script = cache.script(_TAKE)
        self._prefix = f"{prefix}:"

    async def take(self, takes: Sequence[Take], *, force: bool = False) -> Decision:
        if not takes:
            return Decision(True, ())
        args: list[str | int] = [1 if force else 0]
        for take in takes:
            args += [repr(take.policy.window_seconds * 1000), take.policy.quota, take.cost]
        answer = await self._script([self._prefix + take.key for take in takes], args)
        states = tuple(
            BucketState(
                take.policy,
                remaining=int(answer[3 * i + 1]),
                reset_after=int(answer[3 * i + 2]) / 1000,
                retry_after=int(answer[3 * i + 3]) / 1000,
            )
            for i, take in enumerate(takes)
        )
        return Decision(bool(int(answer[0])), states)
