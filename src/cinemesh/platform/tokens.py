"""Signed access tokens: EdDSA (Ed25519) JWTs, published as a JWKS, verified anywhere.

The users service holds the private keys and issues tokens; the gateway and every service
verify them against the public keys the users service publishes, so a key rotation is a new
`kid` in the JWKS, not a logout: old tokens stay valid until they expire.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cinemesh.platform.ids import new_id_str

ALGORITHM = "EdDSA"
ISSUER = "cinemesh"
AUDIENCE = "cinemesh"
ACCESS = "access"


class InvalidTokenError(Exception):
    """The token cannot be trusted; `reason` is safe to show to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by a verified access token."""

    user_id: str
    roles: frozenset[str]
    token_id: str
    expires_at: dt.datetime
    # The account's country when the token was issued (ISO 3166-1 alpha-2): regional
    # availability is decided without a call to the users service.
    country: str | None = None
    # The account's session generation at issue ("sgen"): ending an account's sessions raises it,
    # so tokens issued before can be refused while they are still unexpired.
    session_generation: int | None = None
    # The session the token belongs to ("sid", its refresh-token family): ending that one session
    # (logout) refuses its tokens while the account's other sessions live on.
    session_id: str | None = None

    def has_any_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(kid=new_id_str(), private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("signing keys must be Ed25519")
        return cls(kid=kid, private_key=key)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}


class TokenIssuer:
    """Signs with the newest key; `keys` is ordered newest first."""

    def __init__(self, keys: Iterable[SigningKey], *, ttl_seconds: int) -> None:
        self.keys = list(keys)
        if not self.keys:
            raise ValueError("a token issuer needs at least one signing key")
        self.ttl_seconds = ttl_seconds

    def issue(
        self,
        *,
        user_id: str,
        roles: Iterable[str],
        extra: dict[str, Any] | None = None,
        token_use: str = ACCESS,
        ttl_seconds: int | None = None,
    ) -> str:
        """Signs a token. `token_use` names its purpose: only "access" tokens authenticate
        requests; others (e.g. "profile-unlock") are checked by the service that asked for them."""
        now = int(time.time())
        claims: dict[str, Any] = {
            **(extra or {}),
            "token_use": token_use,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "roles": sorted(set(roles)),
            "iat": now,
            "nbf": now,
            "exp": now + (self.ttl_seconds if ttl_seconds is None else ttl_seconds),
            "jti": new_id_str(),
        }
        key = self.keys[0]
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}


JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class JwksKeySource:
    """Public keys by `kid`, fetched from a JWKS and refreshed when an unknown `kid` appears.

    Refreshes are rate-limited so a flood of tokens with made-up `kid`s cannot turn into a flood
    of JWKS fetches.
    """

    fetch: JwksFetcher
    min_refresh_interval: float = 10.0
    _keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    _last_refresh: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def key_for(self, kid: str) -> Ed25519PublicKey | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._last_refresh >= self.min_refresh_interval:
                self._last_refresh = time.monotonic()
                self._keys = parse_jwks(await self.fetch())
        return self._keys.get(kid)


def parse_jwks(document: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "kid" not in jwk:
            continue
        public_key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
        if isinstance(public_key, Ed25519PublicKey):
            keys[jwk["kid"]] = public_key
    return keys


# Verified tokens remembered per process: a client sends the same access token with every
# request for its lifetime, and checking its signature and claims again each time was a third
# of the gateway's CPU per request. Bounded, oldest forgotten first.
VERIFIED_CACHE_SIZE = 8192


class TokenVerifier:
    """Verifies once per token: a token seen before is answered from memory while it is
    unexpired (its `exp`/`nbf` are checked again on every use, with the same leeway). The key is
    the whole token, so a cached answer is exactly what verifying those bytes again would give;
    a session ended early is refused by the revocation checks, not here."""

    def __init__(
        self, key_source: JwksKeySource, *, leeway_seconds: int = 5, cache_size: int = VERIFIED_CACHE_SIZE
    ) -> None:
        self.key_source = key_source
        self.leeway_seconds = leeway_seconds
        self.cache_size = cache_size
        self._verified: dict[str, dict[str, Any]] = {}

    async def verify(self, token: str) -> Principal:
        """An access token's principal; InvalidTokenError for anything untrustworthy."""
        claims = await self.verified_claims(token)
        if claims.get("token_use") != ACCESS:
            raise InvalidTokenError("not an access token")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise InvalidTokenError("token roles claim is malformed")
        return Principal(
            user_id=str(claims["sub"]),
            roles=frozenset(roles),
            token_id=str(claims["jti"]),
            expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.UTC),
            country=claims["country"] if isinstance(claims.get("country"), str) else None,
            session_generation=claims["sgen"] if type(claims.get("sgen")) is int else None,
            session_id=claims["sid"] if isinstance(claims.get("sid"), str) else None,
        )

    async def verified_claims(self, token: str) -> dict[str, Any]:
        """All claims of any token our issuer signed (access or purpose-scoped, e.g. an unlock
        token); the caller checks the purpose claims it needs."""
        known = self._verified.get(token)
        if known is not None:
            now = time.time()
            if now - self.leeway_seconds < known["exp"] and known.get("nbf", 0) <= now + self.leeway_seconds:
                return dict(known)
            del self._verified[token]
            if now - self.leeway_seconds >= known["exp"]:
                raise InvalidTokenError("token expired")
        claims = await self._verify_signed(token)
        if type(claims.get("exp")) is int:
            if len(self._verified) >= self.cache_size:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = claims
        return dict(claims)

    async def _verify_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidTokenError(f"token algorithm must be {ALGORITHM}")
        kid = header.get("kid")
        public_key = await self.key_source.key_for(kid) if isinstance(kid, str) else None
        if public_key is None:
            raise InvalidTokenError("token signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                public_key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidTokenError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError("token signature or claims are invalid") from exc
        return claims
