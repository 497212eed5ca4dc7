"""Cross-service events: the bus port, its embedded and Kafka adapters, outbox and inbox.

See docs/events.md for the guarantees and how a service uses them.
"""

from cinemesh.platform.events.bus import EventBus, Record, Subscription
from cinemesh.platform.events.envelope import Envelope, EnvelopeDecodeError

__all__ = ["Envelope", "EnvelopeDecodeError", "EventBus", "Record", "Subscription"]
