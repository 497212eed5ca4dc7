"""The profile unlock (the users service's PIN answer): a purpose token delivery verifies with
the same JWKS as access tokens, accepted only for its own purpose, caller and profile."""

from __future__ import annotations

from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import InvalidTokenError, TokenVerifier

UNLOCK_TOKEN_USE = "profile-unlock"  # noqa: S105 - a token purpose, not a secret


async def is_unlocked(
    verifier: TokenVerifier | None, *, user_id: str, profile_id: str, unlock_token: str | None
) -> bool:
    """False without a token; True for a valid unlock of this profile; 403 for any other."""
    if unlock_token is None:
        return False
    assert verifier is not None, "bootstrap sets the verifier"
    try:
        claims = await verifier.verified_claims(unlock_token)
    except InvalidTokenError as exc:
        reason = f"The unlock token is invalid: {exc.reason}."
        raise Problem(403, reason, code="invalid-unlock-token") from exc
    if (
        claims.get("token_use") != UNLOCK_TOKEN_USE
        or claims.get("sub") != user_id
        or claims.get("profile_id") != profile_id
    ):
        raise Problem(403, "The unlock token is not for this profile.", code="invalid-unlock-token")
    return True
