"""Billing's documents mailed to the account holder: billing publishes each invoice and credit
note, and the users service, which holds the address and the mail adapter, sends a short mail
with a link to the billing page (where the PDF is, behind the sign-in). Mailed from the mail
queue after the event is handled; redelivery may send one twice (at-least-once, as mail is)."""

from __future__ import annotations

from cinemesh.contracts.billing import BillingCreditNoteIssuedV1, BillingInvoiceIssuedV1
from cinemesh.users.identity.mail_queue import MailQueue
from cinemesh.users.identity.mailer import Mail, Mailer


def amount(minor: int, currency: str) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{currency} {abs(minor) // 100}.{abs(minor) % 100:02d}"


class BillingMail:
    def __init__(self, *, mailer: Mailer, queue: MailQueue, public_url: str) -> None:
        self.mailer = mailer
        self.queue = queue
        self.link = f"{public_url.rstrip('/')}/account/billing"

    def invoice(self, to: str, event: BillingInvoiceIssuedV1) -> None:
        total, tax = amount(event.total, event.currency), amount(event.tax, event.currency)
        self._send(
            Mail(
                to=to,
                subject=f"Your cinemesh invoice {event.display_number}",
                text=(
                    f"Thank you. We charged {total} (tax {tax} included) for your cinemesh plan.\n\n"
                    f"Invoice {event.display_number} is on your billing page, as a PDF:\n{self.link}\n"
                ),
                link=self.link,
            )
        )

    def credit_note(self, to: str, event: BillingCreditNoteIssuedV1) -> None:
        given = amount(-event.total, event.currency)
        self._send(
            Mail(
                to=to,
                subject=f"Your cinemesh refund, credit note {event.display_number}",
                text=(
                    f"We refunded {given} of invoice {event.invoice_number} to the way you paid.\n\n"
                    f"Credit note {event.display_number} is on your billing page, as a PDF:\n{self.link}\n"
                ),
                link=self.link,
            )
        )

    def _send(self, mail: Mail) -> None:
        async def send() -> None:
            await self.mailer.send(mail)

        self.queue.submit(send)
