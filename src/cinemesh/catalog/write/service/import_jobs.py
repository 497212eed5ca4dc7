"""Large imports run as jobs: `POST /api/v1/titles/import` answers 202 at once, and the job's
status (progress, then the report) is a row any replica of the catalog can read.

A 16 MiB file is ~100k rows: far longer than a gateway waits for a first byte. The job runs in
the process that took the request (the body is in its memory); its progress is written after
each batch. A job whose process died stops moving: once its row has not changed for
`STALE_AFTER`, it reads as failed (importing the file again is safe: upserts by external id).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from cinemesh.catalog.database import utc
from cinemesh.catalog.write.service.importer import Importer, ImportReport
from cinemesh.catalog.write.store.import_jobs import ImportJobRow
from cinemesh.platform.background import TaskSet
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.catalog.import_jobs")

STALE_AFTER = dt.timedelta(minutes=2)
INTERRUPTED = (
    "The import stopped (the server restarted); import the file again: rows already in are unchanged."
)


def job_url(job_id: str) -> str:
    return f"/api/v1/titles/import/jobs/{job_id}"


def status_of(row: ImportJobRow, now: dt.datetime) -> dict[str, Any]:
    status, error = row.status, row.error
    if status == "running" and now - utc(row.updated_at) > STALE_AFTER:
        status, error = "failed", INTERRUPTED
    return {
        "id": row.id,
        "url": job_url(row.id),
        "status": status,
        "total_lines": row.total_lines,
        "processed_lines": row.processed_lines,
        "progress": round(row.processed_lines / row.total_lines, 4) if row.total_lines else 1.0,
        "created": row.created,
        "updated": row.updated,
        "unchanged": row.unchanged,
        "failed": row.failed,
        "report": row.report,  # the synchronous import's report, once the job has finished
        "error": error,
        "created_at": utc(row.created_at).isoformat(),
        "updated_at": utc(row.updated_at).isoformat(),
        "finished_at": utc(row.finished_at).isoformat() if row.finished_at else None,
    }


def may_read(row: ImportJobRow, principal: Principal) -> bool:
    """The provider that started the job, or an admin; anyone else's job looks like no job."""
    return "admin" in principal.roles or row.created_by == principal.user_id


class ImportJobs:
    def __init__(
        self,
        *,
        database: Database,
        importer: Importer,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.database = database
        self.importer = importer
        self.clock = clock
        self._tasks = TaskSet("catalog-import")

    async def start(self, lines: Sequence[bytes], *, principal: Principal) -> dict[str, Any]:
        """Records the job and starts it in the background; returns its first status."""
        now = self.clock()
        row = ImportJobRow(
            id=new_id_str(),
            created_by=principal.user_id,
            status="running",
            total_lines=len(lines),
            processed_lines=0,
            created=0,
            updated=0,
            unchanged=0,
            failed=0,
            created_at=now,
            updated_at=now,
        )
        async with self.database.transaction() as session:
            session.add(row)
        self._tasks.spawn(row.id, self._run(row.id, lines, principal))
        return status_of(row, now)

    async def status(self, job_id: str, *, principal: Principal) -> dict[str, Any] | None:
        async with self.database.session() as session:
            row = await session.get(ImportJobRow, job_id)
        if row is None or not may_read(row, principal):
            return None
        return status_of(row, self.clock())

    async def wait(self) -> None:
        """Until the jobs running now have finished (tests, and a graceful shutdown)."""
        await self._tasks.wait()

    async def stop(self) -> None:
        await self._tasks.stop()

    async def _run(self, job_id: str, lines: Sequence[bytes], principal: Principal) -> None:
        async def progress(report: ImportReport, lines_read: int) -> None:
            await self._record(job_id, report, lines_read)

        try:
            report = await self.importer.run(lines, principal=principal, progress=progress)
        except asyncio.CancelledError:
            await asyncio.shield(self._finish(job_id, "failed", error=INTERRUPTED))
            raise
        except Exception:
            log.exception("import_job_failed", job_id=job_id)
            await self._finish(
                job_id, "failed", error="The import failed on a server error; nothing after it ran."
            )
            return
        await self._finish(job_id, "succeeded", report=report.as_dict())

    async def _record(self, job_id: str, report: ImportReport, lines_read: int) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                sa.update(ImportJobRow)
                .where(ImportJobRow.id == job_id)
                .values(
                    processed_lines=lines_read,
                    created=report.created,
                    updated=report.updated,
                    unchanged=report.unchanged,
                    failed=len(report.errors),
                    updated_at=self.clock(),
                )
            )

    async def _finish(
        self, job_id: str, status: str, *, report: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        now = self.clock()
        async with self.database.transaction() as session:
            await session.execute(
                sa.update(ImportJobRow)
                .where(ImportJobRow.id == job_id)
                .values(status=status, report=report, error=error, updated_at=now, finished_at=now)
            )
