"""Billing's domain: plans, the subscription ledger and its folds, invoices, the payment port.
No I/O here."""
