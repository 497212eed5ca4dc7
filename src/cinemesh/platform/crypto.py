"""Encryption at rest for small secrets (signing keys, content keys): envelope encryption.

Each secret is encrypted with its own random data key (AES-256-GCM); the data key is wrapped by
a key-encryption key derived from the deployment's master secret. Rotating the master secret
re-wraps data keys without touching the data.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
_VERSION = b"\x01"


class DecryptionError(Exception):
    """The ciphertext was not made with this master secret, or was altered."""


def _derive(master_secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master_secret.encode()
    )


class SecretBox:
    def __init__(self, master_secret: str, *, purpose: str) -> None:
        self._kek = AESGCM(_derive(master_secret, f"cinemesh:{purpose}:kek"))
        self._aad = purpose.encode()

    def encrypt(self, plaintext: bytes) -> bytes:
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, data_nonce = os.urandom(_NONCE), os.urandom(_NONCE)
        wrapped_key = self._kek.encrypt(wrap_nonce, data_key, self._aad)
        ciphertext = AESGCM(data_key).encrypt(data_nonce, plaintext, self._aad)
        return _VERSION + wrap_nonce + wrapped_key + data_nonce + ciphertext

    def decrypt(self, blob: bytes) -> bytes:
        if blob[:1] != _VERSION:
            raise DecryptionError("unknown envelope version")
        wrap_nonce = blob[1 : 1 + _NONCE]
        wrapped_key = blob[1 + _NONCE : 1 + _NONCE + 48]  # 32-byte key + 16-byte tag
        data_nonce = blob[1 + _NONCE + 48 : 1 + 2 * _NONCE + 48]
        ciphertext = blob[1 + 2 * _NONCE + 48 :]
        try:
            data_key = self._kek.decrypt(wrap_nonce, wrapped_key, self._aad)
            return AESGCM(data_key).decrypt(data_nonce, ciphertext, self._aad)
        except Exception as exc:
            raise DecryptionError("cannot decrypt: wrong master secret or altered data") from exc
