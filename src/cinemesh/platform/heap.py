"""A server process's start-up heap, kept out of the cyclic garbage collector's way.

Starting, a process imports and builds objects that live as long as it does (modules, routes,
pydantic and SQLAlchemy models: most of its heap). Each full collection walks every one of them,
and under load full collections come often: a young collection promotes the objects of every
request still in flight, and enough promotions set off a full one. With 64 requests in flight
that was the largest part of a signed-in request's CPU (bench.request_path, profiled with
py-spy). Frozen once the process is ready, they are never walked again; what requests leave
behind is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Call once the process is ready to serve (not in tests, which start many apps)."""
    gc.collect()  # start-up's own garbage is freed, not kept for good
    gc.freeze()
