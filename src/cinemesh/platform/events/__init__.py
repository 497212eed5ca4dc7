"""Cross-service events: the bus port, its embedded and Kafka adapters, outbox and inbox.

See docs/events.md for the guarantees and how a service uses them. The adapters themselves
(`embedded.EmbeddedEventBus`, `kafka.KafkaEventBus`) are imported from their modules, so
importing this package never loads aiokafka.
"""

from cinemesh.platform.events.bus import EventBus, Record, Subscription
from cinemesh.platform.events.envelope import Envelope, EnvelopeDecodeError
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.events.inbox import EventConsumer, Handler, clear_inbox
from cinemesh.platform.events.outbox import (
    OutboxRelay,
    add_to_outbox,
    create_messaging_tables,
    drop_messaging_tables,
    messaging_metadata,
)

__all__ = [
    "Envelope",
    "EnvelopeDecodeError",
    "EventBus",
    "EventConsumer",
    "Handler",
    "OutboxRelay",
    "Record",
    "Subscription",
    "add_to_outbox",
    "build_event_bus",
    "clear_inbox",
    "create_messaging_tables",
    "drop_messaging_tables",
    "messaging_metadata",
]
