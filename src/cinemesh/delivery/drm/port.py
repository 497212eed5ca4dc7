"""The DRM port: a licence adapter answers a key system's licence request for a live session.

ClearKey (W3C EME) is implemented here. Widevine, FairPlay and PlayReady licences are issued by
their vendors' licence servers, unreachable from here: an adapter for one implements
`LicenseAdapter` (forward the CDM's challenge with the content key id and the session's policy,
return the server's response) and is registered under its key system id in `bootstrap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cinemesh.delivery.drm.keys import ContentKey


@dataclass(frozen=True)
class LicensePolicy:
    """What the licence may allow; adapters translate it into their server's policy."""

    session_id: str
    max_height: int
    expires_at: int  # Unix time the licence must not outlive


class LicenseAdapter(Protocol):
    key_system: str  # e.g. "org.w3.clearkey", "com.widevine.alpha"

    async def license(self, *, request: bytes, key: ContentKey, policy: LicensePolicy) -> bytes:
        """The licence response for the CDM's `request`; raises `LicenseRequestError` if invalid."""
        ...


class LicenseRequestError(Exception):
    """The licence request is malformed or asks for keys the session may not have."""
