"""Contracts shared across services: versioned event payloads and their topics."""
