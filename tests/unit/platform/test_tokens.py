"""Access tokens: only EdDSA tokens signed by a published key, unexpired, with our claims, pass."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from cinemesh.platform.tokens import (
    InvalidTokenError,
    JwksKeySource,
    SigningKey,
    TokenIssuer,
    TokenVerifier,
)


def verifier_for(*issuers: TokenIssuer, min_refresh_interval: float = 0.0) -> tuple[TokenVerifier, list[int]]:
    fetches: list[int] = []

    async def fetch() -> dict[str, Any]:
        fetches.append(1)
        return {"keys": [jwk for issuer in issuers for jwk in issuer.jwks()["keys"]]}

    return TokenVerifier(JwksKeySource(fetch, min_refresh_interval=min_refresh_interval)), fetches


async def test_round_trip_carries_identity_and_roles() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, _ = verifier_for(issuer)
    principal = await verifier.verify(issuer.issue(user_id="u-1", roles=["viewer", "admin"]))
    assert principal.user_id == "u-1"
    assert principal.roles == {"viewer", "admin"}
    assert principal.has_any_role("admin") and not principal.has_any_role("content_provider")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_alg_none_is_refused() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, _ = verifier_for(issuer)
    now = int(time.time())
    claims = {"sub": "u", "iss": "cinemesh", "aud": "cinemesh", "iat": now, "exp": now + 60, "jti": "j"}
    unsigned = f"{_b64({'alg': 'none', 'kid': issuer.keys[0].kid})}.{_b64(claims)}."
    with pytest.raises(InvalidTokenError, match="algorithm"):
        await verifier.verify(unsigned)


async def test_hs256_signed_with_the_public_key_is_refused() -> None:
    """The classic key-confusion attack: HMAC keyed with the public JWK."""
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, _ = verifier_for(issuer)
    public = issuer.jwks()["keys"][0]["x"]
    forged = jwt.encode({"sub": "admin"}, public, algorithm="HS256", headers={"kid": issuer.keys[0].kid})
    with pytest.raises(InvalidTokenError):
        await verifier.verify(forged)


async def test_wrong_key_with_known_kid_is_refused() -> None:
    real = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, _ = verifier_for(real)
    impostor_key = SigningKey(kid=real.keys[0].kid, private_key=SigningKey.generate().private_key)
    forged = TokenIssuer([impostor_key], ttl_seconds=60).issue(user_id="u", roles=["admin"])
    with pytest.raises(InvalidTokenError, match="signature"):
        await verifier.verify(forged)


async def test_expired_token_is_refused() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=-60)
    verifier, _ = verifier_for(issuer)
    with pytest.raises(InvalidTokenError, match="expired"):
        await verifier.verify(issuer.issue(user_id="u", roles=[]))


async def test_tampered_payload_is_refused() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, _ = verifier_for(issuer)
    header, payload, signature = issuer.issue(user_id="u", roles=["viewer"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["admin"]
    with pytest.raises(InvalidTokenError):
        await verifier.verify(f"{header}.{_b64(claims)}.{signature}")


async def test_garbage_is_refused() -> None:
    verifier, _ = verifier_for(TokenIssuer([SigningKey.generate()], ttl_seconds=60))
    for junk in ("", "abc", "a.b.c", "x" * 5000):
        with pytest.raises(InvalidTokenError):
            await verifier.verify(junk)


async def test_rotation_keeps_old_tokens_valid_and_refreshes_on_new_kid() -> None:
    old_key, new_key = SigningKey.generate(), SigningKey.generate()
    before = TokenIssuer([old_key], ttl_seconds=60)
    after = TokenIssuer([new_key, old_key], ttl_seconds=60)
    published = [before]

    async def fetch() -> dict[str, Any]:
        return published[-1].jwks()

    verifier = TokenVerifier(JwksKeySource(fetch, min_refresh_interval=0.0))
    old_token = before.issue(user_id="u", roles=[])
    assert (await verifier.verify(old_token)).user_id == "u"
    published.append(after)  # rotation: the new key signs, the old one is still published
    assert (await verifier.verify(after.issue(user_id="v", roles=[]))).user_id == "v"
    assert (await verifier.verify(old_token)).user_id == "u"


async def test_unknown_kids_cannot_force_a_fetch_storm() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, fetches = verifier_for(issuer, min_refresh_interval=60.0)
    stranger = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    for _ in range(20):
        with pytest.raises(InvalidTokenError, match="unknown key"):
            await verifier.verify(stranger.issue(user_id="u", roles=[]))
    assert len(fetches) == 1


def test_signing_key_survives_pem_round_trip() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_pem(key.kid, key.to_pem())
    assert again.public_jwk() == key.public_jwk()


async def test_purpose_tokens_do_not_authenticate_requests() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier, _ = verifier_for(issuer)
    unlock = issuer.issue(user_id="u", roles=["admin"], token_use="profile-unlock", ttl_seconds=600)
    with pytest.raises(InvalidTokenError, match="not an access token"):
        await verifier.verify(unlock)
    claims = await verifier.verified_claims(unlock)
    assert claims["token_use"] == "profile-unlock"
    assert claims["exp"] - claims["iat"] == 600


async def test_a_token_seen_before_is_not_verified_again_but_still_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=30)
    verifier, _ = verifier_for(issuer)
    token = issuer.issue(user_id="u-1", roles=["viewer"])
    first = await verifier.verify(token)
    decodes: list[str] = []
    real_decode = jwt.decode

    def counted_decode(*args: Any, **kwargs: Any) -> Any:
        decodes.append("decode")
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted_decode)
    again = await verifier.verify(token)
    assert again == first and decodes == []  # answered from memory: no signature check
    # A byte changed is another token: verified afresh, and refused.
    with pytest.raises(InvalidTokenError):
        await verifier.verify(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    assert decodes == ["decode"]
    # Past its exp (and the leeway) the remembered token is refused like any expired one.
    later = time.time() + 30 + verifier.leeway_seconds + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidTokenError, match="expired"):
        await verifier.verify(token)


async def test_the_memory_of_verified_tokens_is_bounded() -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=60)
    verifier = TokenVerifier(verifier_for(issuer)[0].key_source, cache_size=3)
    for n in range(10):
        await verifier.verify(issuer.issue(user_id=f"u-{n}", roles=[]))
    assert len(verifier._verified) == 3
