"""Discovery's background work in the runtime's TaskSet (the worker runs it as every process
of the service does): retraining the recommendation models."""

from __future__ import annotations

from cinemesh.discovery.service.recommend import RecommendService
from cinemesh.platform.background import TaskSet
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.discovery.jobs")


def schedule_retrain(tasks: TaskSet, recommend: RecommendService, *, every_seconds: float) -> None:
    async def retrain() -> None:
        done = await recommend.retrain()
        log.info(
            "recommendations_retrained",
            profiles=done.profiles,
            titles=done.titles,
            modelled=done.modelled,
            edges=done.edges,
            seconds=round(done.seconds, 3),
        )

    async def first() -> None:
        """The stored co-watch edges, then a first retrain: in the background, since at scale it
        takes a minute (docs/benchmarks.md) and the service answers meanwhile (trending and new
        releases until the models are in)."""
        try:
            await recommend.load()
        except Exception:
            log.exception("recommendations_load_failed")

    tasks.spawn("recommendations_load", first())
    tasks.every(every_seconds, retrain, failure_event="recommendations_retrain_failed")
