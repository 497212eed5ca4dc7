"""`GET /api/v1/history/export`: the caller's history, every profile of the account (the gateway
embeds it in `GET /api/v1/me/export`)."""

from __future__ import annotations

from fastapi import APIRouter

from cinemesh.history.export import FORMAT, export_account
from cinemesh.history.http.deps import Context
from cinemesh.history.http.schemas import HistoryExportBody, ProfileHistory, ProgressItem
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/history", tags=["history"])


@router.get("/export", summary="Everything history holds about the caller's account")
async def export(principal: CurrentPrincipal, context: Context) -> HistoryExportBody:
    found = await export_account(context.service.shards, user_id=principal.user_id)
    return HistoryExportBody(
        format=FORMAT,
        exported_at=found.exported_at,
        profiles=[
            ProfileHistory(
                profile_id=part.profile.profile_id,
                paused=part.profile.paused,
                watch_history_included=part.profile.watch_history_included,
                items=[ProgressItem.of(entry) for entry in part.entries],
            )
            for part in found.profiles
        ],
    )
