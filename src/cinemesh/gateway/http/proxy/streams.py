"""Event streams at the gateway: their own per-upstream limit, and relaying one until the
upstream ends it, the client goes or the process stops (see `forward.py` for why they leave the
bulkhead once started)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

from starlette.types import Message, Receive

# Open event streams per upstream, beside its bulkhead. An idle stream costs a socket and a few
# KiB, not a worker: the bound is against descriptor exhaustion, not CPU.
MAX_EVENT_STREAMS = 1024
EVENT_STREAM = b"text/event-stream"


class StreamLimit:
    """Open event streams of one upstream: a slot is taken at once or not at all, since a
    response that has started cannot wait in a queue."""

    def __init__(self, limit: int = MAX_EVENT_STREAMS) -> None:
        self.limit = limit
        self.open = 0

    def try_take(self) -> bool:
        if self.open >= self.limit:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open -= 1


async def wait_for_event(event: asyncio.Event) -> None:
    await event.wait()


class ClientReceive:
    """The client's receive channel, observed: a relayed event stream must end when its client
    goes, and over HTTP nobody else would notice (the server drops what is sent to a closed
    connection without an error, and the upstream call read the request body long ago)."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.waiting = 0  # calls in progress: an in-process upstream listens for the disconnect itself
        self.disconnected = asyncio.Event()

    async def __call__(self) -> Message:
        self.waiting += 1
        try:
            message = await self._receive()
        finally:
            self.waiting -= 1
        if message["type"] == "http.disconnect":
            self.disconnected.set()
        return message

    async def until_disconnected(self) -> None:
        while not self.disconnected.is_set():
            if self.waiting:  # someone else is listening; look again now and then in case they stop
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self.disconnected.wait()
            else:
                await self()


async def relay_until_over(
    call: asyncio.Future[None], client: ClientReceive, closing: asyncio.Event
) -> Literal["upstream", "client", "shutdown"]:
    """Relays a detached stream until the upstream ends it, the client goes, or the process is
    stopping; in the last two cases the upstream call is cancelled (an HTTP upstream closes its
    connection, so the service sees its client go)."""
    watcher: asyncio.Future[None] = asyncio.ensure_future(client.until_disconnected())
    stopping: asyncio.Future[None] = asyncio.ensure_future(wait_for_event(closing))
    try:
        await asyncio.wait({call, watcher, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        stopping.cancel()
    if call.done():
        return "upstream"
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await call
    return "client" if client.disconnected.is_set() else "shutdown"


def is_event_stream(headers: list[tuple[bytes, bytes]]) -> bool:
    # Names as relayed: lower case from ASGI apps, as received from an HTTP upstream.
    return any(
        key.lower() == b"content-type" and value.split(b";")[0].strip().lower() == EVENT_STREAM
        for key, value in headers
    )
