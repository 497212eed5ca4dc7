"""Delivery's background work: the sweep that ends sessions whose player went away."""

from __future__ import annotations

from cinemesh.delivery.service.playback import PlaybackService
from cinemesh.platform.background import TaskSet
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.delivery")


class SessionSweep:
    def __init__(self, *, playback: PlaybackService, interval_seconds: float) -> None:
        self.playback = playback
        self.interval_seconds = interval_seconds

    async def run_once(self) -> None:
        ended = await self.playback.sweep()
        if ended:
            log.info("sessions_timed_out", count=ended)

    def start(self, tasks: TaskSet) -> None:
        tasks.every(self.interval_seconds, self.run_once, failure_event="session_sweep_failed")
