"""Billing's use cases: each one transaction (a charge is two, around the provider's call)."""
