"""Refunding an invoice crash-safely, in the three steps a charge takes (`charges.py`):

1. In a transaction, append `refund_requested` (with the provider idempotency key) and commit.
2. Ask the provider, outside any transaction, with that key.
3. In a transaction, append the refund and its credit note (gapless number), or the failure.

A process killed after 2 leaves the refund pending in the ledger. The next refund command on the
subscription (the same one retried, or another) first settles it by asking the provider again with
its key, which answers with the refund it already made: money goes back once.
"""

from __future__ import annotations

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain.errors import CreditNoteNotFound, InvoiceNotFound, RefundRefused
from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.refunds import CreditNote, refund_key, request_refund, settle_refund
from cinemesh.billing.providers.router import PaymentRouter
from cinemesh.billing.service.ledger import Clock, LedgerAccess
from cinemesh.platform.ids import new_id_str


class RefundService:
    def __init__(self, *, access: LedgerAccess, provider: PaymentRouter, clock: Clock) -> None:
        self.access = access
        self.provider = provider
        self.clock = clock

    async def refund(
        self, *, invoice_id: str, amount: int | None, reason: str, key: str, causation: str | None
    ) -> CreditNote:
        """Gives back `amount` of the invoice (default: all that is left); `key` makes a retried
        command find the refund it made instead of making a second."""
        invoice = await self._invoice(invoice_id)
        subscription_id = invoice.subscription_id
        wanted = refund_key(subscription_id, key)
        while True:
            pending = await self._request(invoice, amount=amount, reason=reason, key=key, causation=causation)
            if pending is not None:
                await self._settle(subscription_id, pending)
            if pending is None or pending.refund_key == wanted:
                break  # done, or an earlier refund left pending was settled: now ours
        return await self._outcome(subscription_id, wanted)

    async def _invoice(self, invoice_id: str) -> Invoice:
        async with self.access.read() as store:
            invoice = await store.invoice(invoice_id)
        if invoice is None:
            raise InvoiceNotFound("No such invoice.")
        return invoice

    async def _request(
        self, invoice: Invoice, *, amount: int | None, reason: str, key: str, causation: str | None
    ) -> L.RefundRequested | None:
        """Step 1: the refund pending on the subscription (an earlier one first), or a new one;
        None when this command's refund is already recorded."""
        subscription_id = invoice.subscription_id
        async with self.access.unit() as unit:
            state = await unit.load(subscription_id)
            assert state is not None
            if state.pending_refund is not None:
                return state.pending_refund
            wanted = refund_key(subscription_id, key)
            if await unit.store.entry_by_key(subscription_id, wanted) is not None:
                return None
            entries = await unit.store.entries(subscription_id)
            request = request_refund(entries, invoice, amount=amount, reason=reason, key=key)
            await unit.append(
                subscription_id, [request], at=unit.at(self.clock()), causation=causation, key=wanted
            )
            return request

    async def _settle(self, subscription_id: str, request: L.RefundRequested) -> None:
        """Steps 2 and 3."""
        answer = await self.provider.refund_as_paid(request)
        invoice = await self._invoice(request.invoice_id)
        async with self.access.unit() as unit:
            state = await unit.load(subscription_id)
            assert state is not None
            if state.pending_refund is None or state.pending_refund.refund_key != request.refund_key:
                return  # another command recorded this answer already
            number = await unit.store.next_credit_note_number() if answer.refund_id else None
            data = settle_refund(
                request,
                invoice,
                provider_refund_id=answer.refund_id,
                failure_code=answer.failure_code,
                credit_note_id=new_id_str(),
                credit_note_number=number,
            )
            at = unit.at(self.clock())
            await unit.append(
                subscription_id, data, at=at, causation=request.refund_key, key=f"settle:{request.refund_key}"
            )

    async def _outcome(self, subscription_id: str, wanted: str) -> CreditNote:
        """The credit note of the refund with this key, or its failure as an error."""
        async with self.access.read() as store:
            for entry in reversed(await store.entries(subscription_id)):
                data = entry.data
                if isinstance(data, L.CreditNoteIssued) and data.refund_key == wanted:
                    note = await store.credit_note(data.credit_note_id)
                    assert note is not None
                    return note
                if isinstance(data, L.RefundFailed) and data.refund_key == wanted:
                    raise RefundRefused(f"The payment provider refused the refund ({data.failure_code}).")
        raise AssertionError(f"refund {wanted} has no outcome")

    async def credit_notes(self, *, user_id: str) -> list[CreditNote]:
        async with self.access.read() as store:
            return await store.credit_notes_of(user_id)

    async def credit_note(self, *, user_id: str, credit_note_id: str) -> CreditNote:
        async with self.access.read() as store:
            note = await store.credit_note(credit_note_id)
        if note is None or note.user_id != user_id:  # another account's: as if it did not exist
            raise CreditNoteNotFound("No such credit note on this account.")
        return note
