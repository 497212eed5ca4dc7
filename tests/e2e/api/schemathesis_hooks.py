"""Loaded by the schemathesis runs of test_api_contract (SCHEMATHESIS_HOOKS): how to send the
body types schemathesis has no serializer for."""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.serializer("application/offset+octet-stream")
def tus_chunk(_: schemathesis.SerializationContext, value: Any) -> bytes:
    """A tus PATCH body is raw bytes, as application/octet-stream."""
    return value if isinstance(value, bytes) else str(value).encode()
