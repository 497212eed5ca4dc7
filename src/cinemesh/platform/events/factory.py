"""Picks the event bus adapter the settings ask for; the one place that knows both."""

from __future__ import annotations

from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.settings import Settings


def build_event_bus(settings: Settings) -> EventBus:
    """An unstarted bus: `embedded` is a SQLite log at `<data_dir>/events.db`, shared by the
    processes on this machine; `kafka` talks to `kafka_bootstrap_servers`."""
    if settings.event_bus == "kafka":
        from cinemesh.platform.events.kafka import KafkaEventBus  # imported lazily: aiokafka is heavy

        return KafkaEventBus(settings.kafka_bootstrap_servers, topic_prefix=settings.kafka_topic_prefix)
    from cinemesh.platform.events.embedded import EmbeddedEventBus

    return EmbeddedEventBus(settings.data_dir / "events.db")
