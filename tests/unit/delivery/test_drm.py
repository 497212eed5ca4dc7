"""Content keys never leak through repr; AES-128 segments decrypt with the playlist's IV; the
ClearKey licence answers only for the title's key id."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from cinemesh.delivery.drm.clearkey import ClearKeyAdapter, b64url, b64url_decode
from cinemesh.delivery.drm.hls_aes import encrypt_segment, segment_iv
from cinemesh.delivery.drm.keys import ContentKey
from cinemesh.delivery.drm.port import LicensePolicy, LicenseRequestError

KEY = ContentKey(kid=bytes(range(16)), key=bytes(range(16, 32)))
POLICY = LicensePolicy(session_id="s", max_height=720, expires_at=0)


def test_content_key_repr_hides_the_key() -> None:
    assert KEY.key.hex() not in repr(KEY) and "redacted" in repr(KEY)


def test_aes128_segment_round_trip() -> None:
    data = b"segment bytes" * 1000
    encrypted = encrypt_segment(KEY, "videos/v/hls/480p/seg_00001.m4s", data)
    assert encrypted != data and len(encrypted) % 16 == 0
    iv = segment_iv(KEY.kid, "videos/v/hls/480p/seg_00001.m4s")
    decryptor = Cipher(algorithms.AES(KEY.key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(encrypted) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    assert unpadder.update(padded) + unpadder.finalize() == data
    assert segment_iv(KEY.kid, "a") != segment_iv(KEY.kid, "b")


def test_clearkey_licence() -> None:
    adapter = ClearKeyAdapter()
    request = orjson.dumps({"kids": [b64url(KEY.kid)], "type": "temporary"})
    answer = orjson.loads(asyncio.run(adapter.license(request=request, key=KEY, policy=POLICY)))
    assert answer == {
        "keys": [{"kty": "oct", "kid": b64url(KEY.kid), "k": b64url(KEY.key)}],
        "type": "temporary",
    }
    assert b64url_decode(answer["keys"][0]["k"]) == KEY.key
    for bad in (b"{}", b"not json", orjson.dumps({"kids": [b64url(b"other key id....")]})):
        with pytest.raises(LicenseRequestError):
            asyncio.run(adapter.license(request=bad, key=KEY, policy=POLICY))
