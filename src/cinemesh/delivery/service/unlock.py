"""The profile unlock (the users service's PIN answer): a purpose token delivery verifies with
the same JWKS as access tokens, accepted only for its own purpose, caller and profile."""

from __future__ import annotations

from cinemesh.delivery.domain import InvalidUnlockToken
from cinemesh.platform.tokens import InvalidTokenError, TokenVerifier

UNLOCK_TOKEN_USE = "profile-unlock"  # noqa: S105 - a token purpose, not a secret


async def is_unlocked(
    verifier: TokenVerifier, *, user_id: str, profile_id: str, unlock_token: str | None
) -> bool:
    """False without a token; True for a valid unlock of this profile; refused for any other."""
    if unlock_token is None:
        return False
    try:
        claims = await verifier.verified_claims(unlock_token)
    except InvalidTokenError as exc:
        reason = f"The unlock token is invalid: {exc.reason}."
        raise InvalidUnlockToken(reason) from exc
    if (
        claims.get("token_use") != UNLOCK_TOKEN_USE
        or claims.get("sub") != user_id
        or claims.get("profile_id") != profile_id
    ):
        raise InvalidUnlockToken("The unlock token is not for this profile.")
    return True
