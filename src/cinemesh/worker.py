"""`cinemesh worker`: the background side of every service, without HTTP.

It starts each service's runtime (migrations, outbox relay, event consumers) on the configured
bus and databases and runs until SIGINT/SIGTERM. Several workers and API processes may run at
once: relays claim outbox rows and consumer groups share their topics, so nothing is done twice.
"""

from __future__ import annotations

import asyncio
import signal

from cinemesh.composition import build_service_apps
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.logging import configure_logging, get_logger
from cinemesh.platform.runtime import ServiceRuntime
from cinemesh.platform.settings import Settings

log = get_logger("cinemesh.worker")


def worker_runtimes(settings: Settings, bus: EventBus) -> list[ServiceRuntime]:
    """The runtimes a worker starts: every service's, but one whose store takes a single writing
    process, which runs its consumers in its own process."""
    apps = build_service_apps(settings, bus=bus).values()
    return [app.state.runtime for app in apps if app.state.runtime.in_worker]


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    configure_logging(level=settings.log_level, json=settings.log_json)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    bus = build_event_bus(settings)
    runtimes = worker_runtimes(settings, bus)
    async with bus:
        started: list[ServiceRuntime] = []
        try:
            for runtime in runtimes:
                await runtime.start()
                started.append(runtime)
            log.info("worker_ready", services=[runtime.name for runtime in started])
            await stop.wait()
        finally:
            for runtime in reversed(started):
                await runtime.stop()
