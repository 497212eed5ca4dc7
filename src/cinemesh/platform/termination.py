"""Runs a callback as soon as the process is asked to stop (SIGTERM, SIGINT).

For long-lived responses (event streams): granian drains open connections before it runs the
lifespan shutdown, so a stream that waits for the lifespan to end it keeps the server up until
the stream ends by itself (for a live-progress stream: until the video is done). Ending streams
on the signal lets the drain finish; their clients reconnect elsewhere.

The handler the server installed keeps running after ours: asyncio dispatches signals through
its wakeup fd whatever Python-level handler is set, and a Python-level handler that was there is
called too. Nothing is installed when nobody handles the signal (the default action ends the
process: nothing can hang) or off the main thread (an embedding server: the lifespan still
stops the streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def on_termination(callback: Callable[[], None], loop: asyncio.AbstractEventLoop) -> bool:
    """Schedules `callback` on `loop` when SIGTERM or SIGINT arrives; False if not installed."""
    installed = False
    for signum in SIGNALS:
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue

        def handler(
            number: int, frame: FrameType | None, previous: Callable[[int, FrameType | None], Any] = previous
        ) -> None:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nothing left to end
                loop.call_soon_threadsafe(callback)
            previous(number, frame)

        try:
            signal.signal(signum, handler)
        except ValueError:  # not the main thread
            return installed
        installed = True
    return installed
