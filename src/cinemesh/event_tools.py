"""`cinemesh events tail|replay`: look at the event log and rebuild what is built from it."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

from cinemesh.composition import build_service_apps
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.runtime import ConsumerSpec, ServiceRuntime
from cinemesh.platform.settings import Settings


def require_event_log(settings: Settings) -> None:
    """The embedded log must exist already: opening it would create an empty one (in the current
    directory when no data dir is given) and wait on it for events that never come."""
    if settings.event_bus != "embedded":
        return
    path = (settings.data_dir / "events.db").resolve()
    if not path.exists():
        raise SystemExit(
            f"cinemesh events: no event log at {path}; give the platform's data directory "
            "with --data-dir (or CINEMESH_DATA_DIR)"
        )


async def tail(
    settings: Settings, topic: str, *, from_beginning: bool, follow: bool, limit: int | None, console: Console
) -> None:
    """Reads as a throwaway group that never commits, so tailing changes no one's offsets.

    Without `follow` it stops once it has printed everything up to the end it saw at start."""
    require_event_log(settings)
    seen = 0
    async with build_event_bus(settings) as bus:
        group = f"cinemesh-tail-{new_id_str()}"
        ends = {partition: end for partition, end in (await bus.end_offsets([topic])).items() if end > 0}
        if not from_beginning:
            await bus.reset_group(group, [topic], to_offset=max(ends.values(), default=0))
            ends = {}
        reached: dict[tuple[str, int], int] = {}

        def caught_up() -> bool:
            return all(reached.get(partition, 0) >= end for partition, end in ends.items())

        if not follow and caught_up():
            return
        async with bus.subscribe(group, [topic]) as subscription:
            while limit is None or seen < limit:
                for record in await subscription.fetch(max_records=100, timeout=1.0):
                    envelope = record.envelope
                    console.print(
                        f"[dim]{record.topic}@{record.offset}[/] [bold]{envelope.type}[/] "
                        f"subject={envelope.subject} id={envelope.id} time={envelope.time.isoformat()}",
                        soft_wrap=True,
                    )
                    console.print_json(data=envelope.data)
                    reached[(record.topic, record.partition)] = record.offset + 1
                    seen += 1
                    if limit is not None and seen >= limit:
                        return
                if not follow and caught_up():
                    return


def _find_subscription(settings: Settings, group: str) -> tuple[ServiceRuntime, ConsumerSpec]:
    bus = build_event_bus(settings)
    for app in build_service_apps(settings, bus=bus).values():
        runtime: ServiceRuntime = app.state.runtime
        for subscription in runtime.subscriptions:
            if subscription.group == group:
                return runtime, subscription
    raise SystemExit(f"no service consumes as group {group!r}")


async def replay(
    settings: Settings, group: str, *, to_offset: int | None, to_time: dt.datetime | None, console: Console
) -> None:
    require_event_log(settings)
    runtime, subscription = _find_subscription(settings, group)
    await runtime.prepare_replay(subscription)
    async with build_event_bus(settings) as bus:
        await bus.reset_group(group, list(subscription.topics), to_offset=to_offset, to_time=to_time)
    where = f"offset {to_offset}" if to_offset is not None else f"time {to_time}"
    console.print(
        f"Group [bold]{group}[/] rewound to {where} on {', '.join(subscription.topics)}; "
        f"{runtime.name} rebuilds as it consumes."
    )
