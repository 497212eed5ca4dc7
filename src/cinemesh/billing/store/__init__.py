"""Billing's repositories over its own database: the ledger, the subscriptions' due index, the
invoice projection and counter, idempotency records and trial claims."""
