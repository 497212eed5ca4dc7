"""Signed media URLs, in the manner of CDN path tokens (CloudFront/Akamai style).

A media URL is `/api/v1/stream/{token}/{object path}`; the token sits in the path so the
relative URIs inside manifests inherit it, and so the edge can key its cache on the object path
alone (the token is validated, then left out of the cache key).

    token = "{expires}.{scope_segments}.{binding}.{mac}"
    mac   = base64url(HMAC-SHA256(secret, "{expires}\\n{scope_segments}\\n{scope}\\n{ip}"))

* `scope` is the first `scope_segments` segments of the object path plus "/": one token opens
  every object under one directory (a rendition, a session) and nothing else. With
  `scope_segments` 0 the scope is the whole object path: the token opens that one object only
  (an HLS init segment sits beside its clear segments, so a directory token for it would open
  them too).
* `binding` is "a" (any client) or "i" (bound to the client IP, which then enters the MAC).
* `expires` is a Unix time; the URL is refused after it.

nginx's `secure_link` only speaks MD5, so the edge validates the same HMAC-SHA256 with njs
(deploy/edge/cinemesh-token.js); both implementations follow this docstring.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

STREAM_PREFIX = "/api/v1/stream/"
EXACT = 0  # `scope_segments` of a token that opens one object, not a directory
_TOKEN = re.compile(
    r"^(?P<expires>[0-9]{1,12})\.(?P<segments>[0-9]{1,2})\.(?P<binding>[ai])\.(?P<mac>[A-Za-z0-9_-]{43})$"
)


class TokenRefusedError(Exception):
    """The token is malformed, tampered, expired or does not cover the object; `reason` is safe."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class UrlSigner:
    secret: bytes

    def _mac(self, expires: int, segments: int, scope: str, ip: str) -> str:
        message = f"{expires}\n{segments}\n{scope}\n{ip}".encode()
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def token(self, scope: str, *, expires: int, ip: str | None = None) -> str:
        """A token opening every object whose path starts with `scope` (a directory, ends in "/")."""
        if not scope.endswith("/") or scope.startswith("/") or "//" in scope:
            raise ValueError(f"a scope is a relative directory ending in '/': {scope!r}")
        segments = scope.count("/")
        binding = "i" if ip else "a"
        return f"{expires}.{segments}.{binding}.{self._mac(expires, segments, scope, ip or '')}"

    def object_token(self, path: str, *, expires: int, ip: str | None = None) -> str:
        """A token opening exactly the object `path` and nothing else."""
        if path.endswith("/") or path.startswith("/") or "//" in path or not path:
            raise ValueError(f"an object path is relative and names a file: {path!r}")
        binding = "i" if ip else "a"
        return f"{expires}.{EXACT}.{binding}.{self._mac(expires, EXACT, path, ip or '')}"

    def object_url(self, path: str, *, expires: int, ip: str | None = None) -> str:
        """The absolute-path URL of `path` with a token for that object alone."""
        return f"{STREAM_PREFIX}{self.object_token(path, expires=expires, ip=ip)}/{path}"

    def url(self, scope: str, path: str, *, expires: int, ip: str | None = None) -> str:
        """The absolute-path URL of `path` (which must lie under `scope`)."""
        if not path.startswith(scope):
            raise ValueError(f"{path!r} is outside the scope {scope!r}")
        return f"{STREAM_PREFIX}{self.token(scope, expires=expires, ip=ip)}/{path}"

    def verify(self, token: str, path: str, *, client_ip: str | None, now: float | None = None) -> str:
        """Checks `token` for the object `path`; returns the scope it opens."""
        match = _TOKEN.match(token)
        if match is None:
            raise TokenRefusedError("The media URL token is malformed.", "url-token-malformed")
        expires, segments = int(match["expires"]), int(match["segments"])
        parts = path.split("/")
        if segments == EXACT:
            scope = path
        elif segments >= len(parts):
            raise TokenRefusedError("The media URL token does not cover this object.", "url-token-scope")
        else:
            scope = "/".join(parts[:segments]) + "/"
        ip = (client_ip or "") if match["binding"] == "i" else ""
        expected = self._mac(expires, segments, scope, ip)
        if not hmac.compare_digest(expected, match["mac"]):
            raise TokenRefusedError(
                "The media URL token is invalid for this object or client.", "url-token-invalid"
            )
        if expires < (time.time() if now is None else now):
            raise TokenRefusedError("The media URL has expired.", "url-token-expired")
        return scope
