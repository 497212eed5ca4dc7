"""Reads: a customer's invoices, an account's ledger (the admin's audit trail)."""

from __future__ import annotations

from cinemesh.billing.domain.errors import InvoiceNotFound
from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.ledger import Entry
from cinemesh.billing.service.ledger import LedgerAccess


class BillingQueries:
    def __init__(self, *, access: LedgerAccess) -> None:
        self.access = access

    async def invoices(self, *, user_id: str) -> list[Invoice]:
        async with self.access.read() as store:
            return await store.invoices_of(user_id)

    async def invoice(self, *, user_id: str, invoice_id: str) -> Invoice:
        async with self.access.read() as store:
            invoice = await store.invoice(invoice_id)
        if invoice is None or invoice.user_id != user_id:  # another account's: as if it did not exist
            raise InvoiceNotFound("No such invoice on this account.")
        return invoice

    async def ledger(self, *, user_id: str) -> list[Entry]:
        """Every entry of every subscription the account had, oldest subscription first."""
        async with self.access.read() as store:
            entries: list[Entry] = []
            for subscription_id in await store.all_subscription_ids(user_id):
                entries.extend(await store.entries(subscription_id))
        return entries
