"""The second step of a checkout whose bank wants the customer to confirm the payment (3-D
Secure): the charge waits, pending, for the customer's answer (`ActionRequired`), which the
provider records; the charge is then asked again with its key and settled as any charge is."""

from __future__ import annotations

from cinemesh.billing.domain.errors import NoActionRequired, PaymentDeclined, SubscriptionNotFound
from cinemesh.billing.domain.state import SubscriptionState, fold
from cinemesh.billing.providers.router import PaymentRouter
from cinemesh.billing.service.charges import Charger
from cinemesh.billing.service.ledger import LedgerAccess


class ConfirmationService:
    def __init__(self, *, access: LedgerAccess, provider: PaymentRouter, charger: Charger) -> None:
        self.access = access
        self.provider = provider
        self.charger = charger

    async def confirm(self, *, user_id: str, approve: bool, causation: str | None) -> SubscriptionState:
        """The customer approves (or refuses) the payment their bank asked them to confirm."""
        async with self.access.read() as store:
            subscription_id = await store.current_subscription(user_id)
            state = fold(await store.entries(subscription_id)) if subscription_id else None
        if state is None:
            raise SubscriptionNotFound("The account has no subscription; start one at checkout.")
        pending = state.pending_charge
        if pending is None or state.awaiting_action_until is None:
            raise NoActionRequired("No payment of this account waits for a confirmation.")
        await self.provider.confirm(charge_key=pending.charge_key, approve=approve)
        settled = await self.charger.settle(state.subscription_id, pending, causation=causation)
        assert settled is not None
        if settled.status == "pending":  # refused: the checkout ends unpaid, as a declined card does
            raise PaymentDeclined(
                "The bank did not confirm the payment; nothing was charged.",
                decline_code="authentication_failed",
            )
        return settled
