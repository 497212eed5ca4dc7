"""HLS AES-128: whole-segment AES-128-CBC with PKCS#7 padding (RFC 8216 section 5.2).

Segments are encrypted once, on first request, and the result is stored in the object store
beside the clear ones (`delivery/aes128/<clear key>`), so every later request (and the edge)
is served the stored file zero-copy. The IV is derived from the key id and the object key and
written in the playlist (`IV=0x...`), so encryption needs nothing but the object key.
The init segment (EXT-X-MAP) stays clear: it holds no samples.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from cinemesh.delivery.drm.keys import ContentKey


def segment_iv(kid: bytes, object_key: str) -> bytes:
    return hashlib.sha256(kid + object_key.encode()).digest()[:16]


def encrypt_segment(content_key: ContentKey, object_key: str, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(
        algorithms.AES(content_key.key), modes.CBC(segment_iv(content_key.kid, object_key))
    ).encryptor()
    return encryptor.update(padded) + encryptor.finalize()
