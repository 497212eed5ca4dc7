"""Provider webhooks: POST /api/v1/billing/webhooks/{provider}, signed (no bearer token)."""

from __future__ import annotations

import time
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel

from cinemesh.billing.domain.errors import ProviderNotFound
from cinemesh.billing.domain.webhooks import BadSignature, verify
from cinemesh.billing.http.deps import Context

router = APIRouter(prefix="/api/v1/billing/webhooks", tags=["billing"])


class WebhookOut(BaseModel):
    received: str  # applied, duplicate, ignored


def _charge_key(event: dict[str, Any]) -> str | None:
    data = event.get("data")
    target = data.get("object") if isinstance(data, dict) else None
    metadata = target.get("metadata") if isinstance(target, dict) else None
    key = metadata.get("cinemesh_charge_key") if isinstance(metadata, dict) else None
    return key if isinstance(key, str) else None


@router.post(
    "/{provider}",
    response_model=WebhookOut,
    summary="A payment provider's event (Stripe-Signature: t=...,v1=HMAC-SHA256 of 't.body')",
    responses={400: {"description": "Bad, forged or stale signature"}},
)
async def webhook(provider: str, request: Request, context: Context) -> WebhookOut:
    if provider != context.provider_name:
        raise ProviderNotFound(f"No webhooks for provider {provider!r} here.")
    body = await request.body()
    verify(context.webhook_secret, request.headers.get("stripe-signature"), body, now=time.time())
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadSignature("The webhook body is not JSON.") from exc  # signed garbage: still refused
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
    ):
        raise BadSignature("The webhook event needs an id and a type.")
    received = await context.webhooks.receive(
        provider=provider, event_id=event["id"], event_type=event["type"], charge_key=_charge_key(event)
    )
    return WebhookOut(received=received)
