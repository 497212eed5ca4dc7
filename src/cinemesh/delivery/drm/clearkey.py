"""W3C ClearKey licences (Encrypted Media Extensions, section 9.1.4): a JSON request naming key
ids, a JSON Web Key Set answering with the keys, base64url without padding."""

from __future__ import annotations

import base64
import binascii

import orjson

from cinemesh.delivery.drm.keys import ContentKey
from cinemesh.delivery.drm.port import LicenseAdapter, LicensePolicy, LicenseRequestError

CLEARKEY_SYSTEM = "org.w3.clearkey"
# DASH ContentProtection scheme of the W3C ClearKey key system.
CLEARKEY_SCHEME_ID = "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ClearKeyAdapter(LicenseAdapter):
    key_system = CLEARKEY_SYSTEM

    async def license(self, *, request: bytes, key: ContentKey, policy: LicensePolicy) -> bytes:
        try:
            body = orjson.loads(request)
            kids = [b64url_decode(kid) for kid in body["kids"]]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise LicenseRequestError(
                "A ClearKey licence request is {'kids': [base64url], 'type': ...}."
            ) from exc
        if key.kid not in kids:
            raise LicenseRequestError("The request names no key of this session's title.")
        return orjson.dumps(
            {"keys": [{"kty": "oct", "kid": b64url(key.kid), "k": b64url(key.key)}], "type": "temporary"}
        )
