"""The Kafka adapter (aiokafka): for deployments that run a real broker.

Topics get `topic_prefix` and are created on first use with `num_partitions` partitions; the
default partitioner hashes the key (the aggregate id), so one entity's events share a partition
and stay ordered. Consumers join a real consumer group (the broker spreads partitions over the
members) with auto-commit off: only `Subscription.commit` moves the group's offsets.

Producers use acks=all. Idempotence is off by default because not every Kafka-compatible
broker implements InitProducerId (Tansu does not); turn it on with
`producer_options={"enable_idempotence": True}` on a broker that does. Without it a retried
batch can be written twice, which the inbox absorbs; order within a partition still holds,
since aiokafka keeps at most one batch per partition in flight.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, TopicAlreadyExistsError, for_code
from aiokafka.structs import OffsetAndMetadata

from cinemesh.platform.events.bus import (
    EventBus,
    Record,
    Subscription,
    check_reset_args,
    log_poison,
    logger,
    next_offsets,
    resolve_keys,
)
from cinemesh.platform.events.envelope import Envelope, EnvelopeDecodeError

# How long a consumer waits to be given partitions by the group coordinator before a fetch
# starts counting its own timeout: joining a group is set-up, not "no records yet".
JOIN_TIMEOUT_SECONDS = 30.0


class KafkaEventBus(EventBus):
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        topic_prefix: str = "",
        client_id: str = "cinemesh",
        num_partitions: int = 6,
        replication_factor: int = 1,
        producer_options: Mapping[str, Any] | None = None,
        consumer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic_prefix = topic_prefix
        self.client_id = client_id
        self.num_partitions = num_partitions
        self.replication_factor = replication_factor
        self.consumer_options = dict(consumer_options or {})
        self._producer_options = {"acks": "all", "enable_idempotence": False, **(producer_options or {})}
        self._producer: AIOKafkaProducer | None = None
        self._known_topics: set[str] = set()
        self._topics_lock = asyncio.Lock()

    def physical(self, topic: str) -> str:
        return self.topic_prefix + topic

    def logical(self, topic: str) -> str:
        return topic.removeprefix(self.topic_prefix)

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, client_id=self.client_id, **self._producer_options
        )
        await producer.start()
        self._producer = producer

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Creates missing topics, so consumers and producers never race broker auto-creation."""
        missing = [self.physical(t) for t in topics if self.physical(t) not in self._known_topics]
        if not missing:
            return
        async with self._topics_lock:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, client_id=self.client_id)
            await admin.start()
            try:
                existing = set(await admin.list_topics())
                new = [
                    NewTopic(name, self.num_partitions, self.replication_factor)
                    for name in missing
                    if name not in existing
                ]
                if new:
                    response = await admin.create_topics(new)
                    for name, code, *_ in response.topic_errors:
                        # Another process creating the same topic first is success, not an error.
                        if code not in (0, TopicAlreadyExistsError.errno):
                            raise for_code(code)(f"cannot create topic {name}")
                    logger.info("created topics %s", [t.name for t in new])
            finally:
                await admin.close()
            self._known_topics.update(missing)

    async def publish_many(
        self, events: Sequence[tuple[str, Envelope]], *, keys: Sequence[str | None] | None = None
    ) -> None:
        producer = self._producer
        if producer is None:
            raise RuntimeError("KafkaEventBus is not started")
        if not events:
            return
        await self.ensure_topics(list(dict.fromkeys(topic for topic, _ in events)))
        # Queue everything first (aiokafka batches per partition), then wait for every ack.
        acks = [
            await producer.send(self.physical(topic), envelope.to_bytes(), key=key.encode())
            for (topic, envelope), key in zip(events, resolve_keys(events, keys), strict=True)
        ]
        await asyncio.gather(*acks)

    def subscribe(self, group: str, topics: Sequence[str]) -> KafkaSubscription:
        return KafkaSubscription(self, group, list(dict.fromkeys(topics)))

    def _consumer(self, group: str, topics: Sequence[str]) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *(self.physical(t) for t in topics),
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self.consumer_options,
        )

    async def reset_group(
        self,
        group: str,
        topics: Sequence[str],
        *,
        to_offset: int | None = None,
        to_time: dt.datetime | None = None,
    ) -> None:
        """Joins the group (it must have no other live member), commits the target offsets, leaves."""
        check_reset_args(to_offset, to_time)
        await self.ensure_topics(topics)
        consumer = self._consumer(group, topics)
        await consumer.start()
        try:
            assigned = await _await_assignment(consumer)
            ends = await consumer.end_offsets(list(assigned))
            if to_time is not None:
                found = await consumer.offsets_for_times(
                    {tp: int(to_time.timestamp() * 1000) for tp in assigned}
                )
                targets = {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in assigned}
            else:
                assert to_offset is not None
                begins = await consumer.beginning_offsets(list(assigned))
                targets = {tp: max(begins[tp], to_offset) for tp in assigned}
            await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in targets.items()})
        finally:
            await consumer.stop()
        logger.info("reset group %s on %s to offset=%s time=%s", group, list(topics), to_offset, to_time)

    async def end_offsets(self, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        await self.ensure_topics(topics)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, client_id=self.client_id)
        await consumer.start()
        try:
            partitions = [
                TopicPartition(self.physical(t), p)
                for t in topics
                for p in sorted(consumer.partitions_for_topic(self.physical(t)) or ())
            ]
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        return {(self.logical(tp.topic), tp.partition): offset for tp, offset in ends.items()}


async def _await_assignment(consumer: AIOKafkaConsumer) -> frozenset[TopicPartition]:
    """Polls until the coordinator has given this member its partitions (joining is lazy)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + JOIN_TIMEOUT_SECONDS
    while not consumer.assignment():
        if loop.time() > deadline:
            raise TimeoutError(f"no partitions assigned within {JOIN_TIMEOUT_SECONDS}s")
        await consumer.getmany(timeout_ms=100)  # drives the join; returns nothing until assigned
    return frozenset(consumer.assignment())


class KafkaSubscription(Subscription):
    def __init__(self, bus: KafkaEventBus, group: str, topics: list[str]) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self._consumer: AIOKafkaConsumer | None = None
        self._closed = False

    async def _started(self) -> AIOKafkaConsumer:
        if self._closed:
            raise RuntimeError("subscription is closed")
        if self._consumer is None:
            await self.bus.ensure_topics(self.topics)
            consumer = self.bus._consumer(self.group, self.topics)
            await consumer.start()
            self._consumer = consumer
            try:
                await _await_assignment(consumer)
            except TimeoutError:
                # A group with more members than partitions leaves some idle: that is normal,
                # the member stays in the group and takes partitions over when others leave.
                logger.info("group %s: this member has no partitions (yet)", self.group)
        return self._consumer

    async def fetch(self, max_records: int = 500, timeout: float = 1.0) -> list[Record]:  # noqa: ASYNC109
        consumer = await self._started()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining_ms = max(0, int((deadline - loop.time()) * 1000))
            batches = await consumer.getmany(timeout_ms=remaining_ms, max_records=max_records)
            records = [
                record
                for messages in batches.values()
                for message in messages
                if (record := self._decode(message)) is not None
            ]
            if records or remaining_ms == 0:
                return records

    def _decode(self, message: Any) -> Record | None:
        topic = self.bus.logical(message.topic)
        try:
            envelope = Envelope.from_bytes(message.value)
        except EnvelopeDecodeError as exc:
            log_poison(topic, message.partition, message.offset, message.value, exc)
            return None
        key = message.key.decode() if message.key is not None else None
        timestamp = dt.datetime.fromtimestamp(message.timestamp / 1000, dt.UTC)
        return Record(topic, message.partition, message.offset, key, envelope, timestamp)

    async def commit(self, records: Sequence[Record]) -> None:
        if not records or self._consumer is None:
            return
        offsets = {
            TopicPartition(self.bus.physical(topic), partition): OffsetAndMetadata(offset, "")
            for (topic, partition), offset in next_offsets(records).items()
        }
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced: the partition's new owner re-reads from the last commit that
            # won; the inbox turns that redelivery into a no-op.
            logger.warning("group %s: commit refused after a rebalance: %s", self.group, exc)

    async def close(self) -> None:
        self._closed = True
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
