"""Durable transcoding jobs: leased by workers, kept alive by heartbeats, retried with backoff."""
