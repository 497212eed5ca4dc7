"""Opaque browse cursors: base64url of (sort, sort key, id), signed so a client cannot forge one.

The signature makes any edit detectable (-> 400), and binding the sort order means a cursor
from a "title" listing cannot be replayed against "newest".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

import orjson

from cinemesh.platform.problems import Problem

_SIGNATURE_BYTES = 12


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"catalog-cursor:" + key).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def encode(self, sort: str, position: tuple[str, str]) -> str:
        payload = orjson.dumps([sort, position[0], position[1]])
        return base64.urlsafe_b64encode(self._sign(payload) + payload).rstrip(b"=").decode()

    def decode(self, cursor: str, *, sort: str) -> tuple[str, str]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
            if not hmac.compare_digest(signature, self._sign(payload)):
                raise ValueError("bad signature")
            cursor_sort, key, title_id = orjson.loads(payload)
        except (ValueError, binascii.Error, TypeError, orjson.JSONDecodeError) as exc:
            raise invalid_cursor("it is not a cursor this service issued") from exc
        if cursor_sort != sort or not isinstance(key, str) or not isinstance(title_id, str):
            raise invalid_cursor(f"it belongs to another sort than {sort!r}")
        return key, title_id


def invalid_cursor(reason: str) -> Problem:
    return Problem(400, f"Invalid cursor: {reason}.", code="invalid-cursor", field="cursor")
