"""HTTP routes of the caller's own account (`/api/v1/me`): every route acts on the token's user
only, and every id in a path is looked up within that user's account (no IDOR)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from cinemesh.platform.security import CurrentPrincipal
from cinemesh.users.http.auth import token_answer
from cinemesh.users.http.deps import ActiveUser, Context, session_claims
from cinemesh.users.http.schemas import PasswordChange, PersonalInfoPatch, PreferencesPatch, TokenResponse

router = APIRouter(prefix="/api/v1/me", tags=["account"])


@router.get("")
async def get_me(principal: CurrentPrincipal, context: Context) -> dict[str, Any]:
    # `current_user`'s check is made here, on the connection that reads the document.
    generation, session_id = session_claims(principal)
    return await context.account.current_document(
        user_id=principal.user_id, session_generation=generation, session_id=session_id
    )


@router.patch("")
async def update_personal_info(body: PersonalInfoPatch, user: ActiveUser, context: Context) -> dict[str, Any]:
    return await context.account.update_personal_info(user_id=user.user_id, changes=body.changes())


@router.delete("", status_code=204)
async def delete_account(user: ActiveUser, context: Context) -> None:
    await context.account.delete(user_id=user.user_id)


@router.get("/export")
async def export_account(user: ActiveUser, context: Context) -> JSONResponse:
    return JSONResponse(
        await context.account.export(user_id=user.user_id),
        headers={
            "Content-Disposition": 'attachment; filename="cinemesh-account.json"',
            "Cache-Control": "no-store",
        },
    )


@router.patch("/preferences")
async def update_preferences(body: PreferencesPatch, user: ActiveUser, context: Context) -> dict[str, Any]:
    document = await context.account.update_preferences(user_id=user.user_id, changes=body.changes())
    preferences: dict[str, Any] = document["preferences"]
    return preferences


@router.post("/password")
async def change_password(
    body: PasswordChange, user: ActiveUser, context: Context, request: Request, response: Response
) -> TokenResponse:
    pair = await context.credentials.change_password(
        user_id=user.user_id, current_password=body.current_password, new_password=body.new_password
    )
    # Every other session ends, the web app's cookie session included: it gets the new cookie.
    return token_answer(pair, request, response, context)


@router.post("/verify-email/resend", status_code=202)
async def resend_verification(user: ActiveUser, context: Context) -> dict[str, str]:
    await context.credentials.send_verification(user_id=user.user_id)
    return {"detail": "If the address is not verified yet, a new link is on its way."}
