"""Loaded by the schemathesis runs of test_api_contract (SCHEMATHESIS_HOOKS): how to send the
body types schemathesis has no serializer for, and from which address."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
import urllib3.connection

# The fuzzer's failed logins count against its client address (the users service limits failed
# logins per client): connecting from an address of its own (127.0.0.2; all of 127/8 is
# loopback) keeps them off 127.0.0.1, which every other test on the same platform shares.
SOURCE_ADDRESS = os.environ.get("CINEMESH_SCHEMATHESIS_SOURCE_ADDRESS")
if SOURCE_ADDRESS:
    _connection_init = urllib3.connection.HTTPConnection.__init__

    def _from_source_address(self: urllib3.connection.HTTPConnection, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("source_address", (SOURCE_ADDRESS, 0))
        _connection_init(self, *args, **kwargs)

    urllib3.connection.HTTPConnection.__init__ = _from_source_address  # type: ignore[method-assign]


@schemathesis.serializer(
    "application/offset+octet-stream",  # a tus PATCH chunk
    "application/x-ndjson",  # catalog imports (JSON Lines, under its several names)
    "application/jsonl",
    "application/json-seq",
)
def raw_bytes(_: schemathesis.SerializationContext, value: Any) -> bytes:
    """These bodies are documented as binary strings: sent as the bytes generated."""
    return value if isinstance(value, bytes) else str(value).encode()
