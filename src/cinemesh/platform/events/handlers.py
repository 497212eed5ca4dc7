"""Typed handlers of consumed events, registered by contract type.

A service's `events.py` marks each handler with the contract it takes:

    class DeliveryEvents:
        @handles(TitlePublishedV1)
        async def on_published(self, session: AsyncSession, event: TitlePublishedV1) -> None: ...

`EventHandlers.collect(DeliveryEvents(...))` finds the marked methods, subscribes to their
contracts' topics, and calls each with the payload parsed into its own type: contract data
stays typed from the wire to the handler (no dict lookups, no casts). Types a service has no
handler for are skipped, so a topic can carry events the service does not care about.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Protocol, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.runtime import ConsumerSpec


class EventContract(Protocol):
    """What the registry needs of a contract (`cinemesh.contracts.events.EventContract` has it;
    the platform knows no contracts, which import the platform)."""

    event_type: ClassVar[str]
    topic: ClassVar[str]

    @classmethod
    def model_validate(cls, obj: Any) -> Self: ...


Contract = TypeVar("Contract", bound=EventContract)
TypedHandler = Callable[[AsyncSession, Contract], Awaitable[None]]
Reset = Callable[[AsyncSession], Awaitable[None]]
HandlerFn = TypeVar("HandlerFn", bound=Callable[..., Awaitable[None]])

# The attribute a handler carries; set on the function object, read back through bound methods.
_MARK = "__cinemesh_handles__"


def handles(contract: type[EventContract]) -> Callable[[HandlerFn], HandlerFn]:
    """Marks a function or method as the handler of `contract` (its signature is unchanged)."""

    def mark(function: HandlerFn) -> HandlerFn:
        function.__dict__[_MARK] = contract
        return function

    return mark


class EventHandlers:
    """A dispatch table from event type to a typed handler; callable as a consumer's handler."""

    def __init__(self) -> None:
        # Values are typed loosely: each route pairs a handler with the very type it takes,
        # which `register`'s signature checks and a dict's value type cannot express.
        self._routes: dict[str, tuple[type[EventContract], Callable[..., Any]]] = {}

    def register(self, contract: type[Contract], handler: TypedHandler[Contract]) -> None:
        self._add(contract, handler)

    def _add(self, contract: type[EventContract], handler: Callable[..., Any]) -> None:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"the handler of {contract.event_type} must be a coroutine function")
        if contract.event_type in self._routes:
            raise ValueError(f"two handlers for {contract.event_type}")
        self._routes[contract.event_type] = (contract, handler)

    @classmethod
    def collect(cls, *owners: object) -> EventHandlers:
        """The handlers marked with `@handles` on these objects (instances or modules)."""
        handlers = cls()
        for owner in owners:
            for _, member in inspect.getmembers(owner, callable):
                contract = getattr(member, _MARK, None)
                if contract is not None:
                    handlers._add(contract, member)
        return handlers

    @property
    def contracts(self) -> Mapping[str, type[EventContract]]:
        return {event_type: contract for event_type, (contract, _) in self._routes.items()}

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({contract.topic for contract, _ in self._routes.values()}))

    def consumer(self, group: str, *, reset: Reset | None = None) -> ConsumerSpec:
        """This table as consumer group `group` over every topic its contracts are published on."""
        return ConsumerSpec(group=group, topics=self.topics, handler=self, reset=reset)

    async def __call__(self, session: AsyncSession, envelope: Envelope) -> None:
        route = self._routes.get(envelope.type)
        if route is None:
            return  # an event on a subscribed topic this service does not use
        contract, handler = route
        await handler(session, contract.model_validate(envelope.data))
