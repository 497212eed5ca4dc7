"""Handlers of the events billing consumes.

Free mode (CINEMESH_BILLING_MODE=free): a newly registered account is granted the configured
plan, published as billing's subscription event, so delivery plays it at that plan's limits.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing.service.subscriptions import SubscriptionService
from cinemesh.contracts.users import UserRegisteredV1
from cinemesh.platform.events.handlers import handles

GROUP = "billing"


class BillingEvents:
    def __init__(self, *, subscriptions: SubscriptionService) -> None:
        self.subscriptions = subscriptions

    @handles(UserRegisteredV1)
    async def on_registered(self, session: AsyncSession, event: UserRegisteredV1) -> None:
        await self.subscriptions.account_registered(
            session, user_id=event.user_id, registered_at=event.registered_at
        )
