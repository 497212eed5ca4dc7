"""Provider webhooks: verified by an HMAC signature over "timestamp.body" within a tolerance
(Stripe's scheme: header `t=<unix seconds>,v1=<hex sha256>`), so a forged or replayed-late
request changes nothing."""

from __future__ import annotations

import hashlib
import hmac

from cinemesh.platform.errors import RuleViolation

TOLERANCE_SECONDS = 300


class BadSignature(RuleViolation):
    code = "webhook-signature-invalid"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str | None, body: bytes, *, now: float) -> None:
    """Raises BadSignature unless `header` signs `body` with `secret` within the tolerance."""
    if not header:
        raise BadSignature("The webhook has no signature.", field="Stripe-Signature")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as exc:
        raise BadSignature("The webhook signature has no timestamp.", field="Stripe-Signature") from exc
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise BadSignature("The webhook signature is too old (or from the future).", field="Stripe-Signature")
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise BadSignature("The webhook signature does not match.", field="Stripe-Signature")


def subscription_of(charge_key: str) -> str:
    """Charge keys start with the subscription id (`rules.charge_key`)."""
    return charge_key.split(":", 1)[0]
