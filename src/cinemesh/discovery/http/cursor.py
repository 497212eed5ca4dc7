"""Search cursors: the next page's offset, bound to the query and filters that made it (an
offset means nothing to another search). Opaque to clients, base64url of "offset:binding"."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cinemesh.platform.errors import RuleViolation


class InvalidCursorError(RuleViolation):
    code = "invalid-cursor"


class Cursors:
    def __init__(self, *, max_offset: int) -> None:
        self.max_offset = max_offset

    @staticmethod
    def _binding(search: str) -> str:
        return hashlib.blake2b(search.encode(), digest_size=8).hexdigest()

    def encode(self, offset: int, *, search: str) -> str | None:
        if offset > self.max_offset:
            return None
        return base64.urlsafe_b64encode(f"{offset}:{self._binding(search)}".encode()).decode().rstrip("=")

    def decode(self, cursor: str, *, search: str) -> int:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            offset_text, binding = text.split(":", 1)
            offset = int(offset_text)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidCursorError("The cursor is not one this service gave.", field="cursor") from exc
        if binding != self._binding(search) or not 0 <= offset <= self.max_offset:
            raise InvalidCursorError("The cursor belongs to another search.", field="cursor")
        return offset
