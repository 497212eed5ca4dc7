"""The renewal scheduler: the renewal pass as of the wall clock, every `interval` seconds.

It runs wherever billing's runtime runs (`cinemesh up`, `cinemesh serve billing`, `cinemesh
worker`); passes running at once in several processes are safe (see service/charges.py).
"""

from __future__ import annotations

import datetime as dt

from cinemesh.billing.service.renewals import RenewalService
from cinemesh.platform.background import TaskSet
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.billing.jobs")


class RenewalJob:
    def __init__(self, *, renewals: RenewalService, interval_seconds: float) -> None:
        self.renewals = renewals
        self.interval_seconds = interval_seconds

    async def run_once(self) -> None:
        report = await self.renewals.run(now=dt.datetime.now(dt.UTC))
        if report.examined:
            log.info("renewal_pass", examined=report.examined, outcomes=dict(report.outcomes))

    def start(self, tasks: TaskSet) -> None:
        tasks.every(self.interval_seconds, self.run_once, failure_event="billing_renewal_pass_failed")
