"""Viewing-history settings (`CINEMESH_HISTORY_*`)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from cinemesh.history.domain import ResumeRules
from cinemesh.platform.settings import settings_config


class HistorySettings(BaseSettings):
    model_config = settings_config("CINEMESH_HISTORY_")

    min_resume_percent: float = Field(
        5.0, ge=0, le=100, description="Below this share of the duration a position is no resume point."
    )
    max_resume_percent: float = Field(
        90.0, ge=0, le=100, description="Past this share the content counts as watched; its point clears."
    )
    progress_event_seconds: float = Field(
        60.0, ge=0, description="At most one history.progress.v1 per profile and content this often."
    )
    stream_keepalive_seconds: float = Field(15.0, gt=0, description="Comment line on an idle stream.")
    stream_poll_seconds: float = Field(
        1.0, gt=0, description="A stream re-reads this often besides the in-process change signal."
    )
    stream_retry_ms: int = Field(1000, ge=0, description="Reconnection delay a stream's client is told.")

    shards: list[str] = Field(
        default_factory=list,
        description="PostgreSQL URLs (a JSON list) of the databases users' history is sharded over; "
        "empty: the service's own database holds all.",
    )

    @model_validator(mode="after")
    def _rules_valid(self) -> HistorySettings:
        self.rules()  # refuses min >= max at start, not at the first report
        return self

    def rules(self) -> ResumeRules:
        return ResumeRules(
            min_resume_percent=self.min_resume_percent, max_resume_percent=self.max_resume_percent
        )
