"""Bulk import routes: a small file is upserted while the request waits; a large one (or any,
with `Prefer: respond-async`) becomes a job answered 202, whose status URL shows its progress
and, at the end, the same report."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cinemesh.catalog.http.deps import Context, Editor
from cinemesh.catalog.write.service.import_jobs import job_url
from cinemesh.platform.api_contract import raw_request_body
from cinemesh.platform.problems import Problem

router = APIRouter(prefix="/api/v1/titles/import", tags=["editing"])

JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/json-seq", "text/plain")


def _wants_async(request: Request) -> bool:
    preferences = request.headers.get("prefer", "").lower().replace(" ", "").split(",")
    return "respond-async" in preferences


@router.post(
    "",
    responses={202: {"description": "A job: its status at `Location`, polled until it has finished."}},
    openapi_extra=raw_request_body(*JSON_LINES, description="One title per line (JSON Lines)."),
)
async def import_titles(request: Request, principal: Editor, context: Context) -> Any:
    """Bulk upsert by external_id from a JSON Lines body (`application/x-ndjson`).

    Up to `CINEMESH_CATALOG_IMPORT_SYNC_MAX_LINES` lines: 200 with the report (counts and every
    bad line with its number, field and reason). More lines, or `Prefer: respond-async`: 202 with
    the job's status, its URL in `Location`; `GET` it for progress and, once `status` is
    `succeeded`, the same report under `report`."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in JSON_LINES:
        raise Problem(415, "Send JSON Lines as application/x-ndjson.", code="unsupported-media-type")
    body = await request.body()
    if len(body) > context.settings.max_import_bytes:
        raise Problem(
            413, f"Imports are limited to {context.settings.max_import_bytes} bytes.", code="body-too-large"
        )
    lines = body.splitlines()
    respond_async = _wants_async(request)
    if not respond_async and len(lines) <= context.settings.import_sync_max_lines:
        report = await context.importer.run(lines, principal=principal)
        return report.as_dict()
    job = await context.import_jobs.start(lines, principal=principal)
    headers = {"Location": job_url(job["id"]), "Retry-After": "1"}
    if respond_async:
        headers["Preference-Applied"] = "respond-async"
    return JSONResponse(job, status_code=202, headers=headers)


@router.get("/jobs/{job_id}")
async def import_job(job_id: uuid.UUID, principal: Editor, context: Context) -> dict[str, Any]:
    """An import job: `status` running | succeeded | failed, `progress` (0-1, by lines read), the
    counts so far, and `report` once it has finished. Only its provider (or an admin) sees it."""
    job = await context.import_jobs.status(str(job_id), principal=principal)
    if job is None:
        raise Problem(404, f"No import job {job_id}.", code="import-job-not-found")
    return job
