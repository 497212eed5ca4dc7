"""The tus 1.0 resumable upload protocol (core, creation, expiration, termination, checksum)."""
