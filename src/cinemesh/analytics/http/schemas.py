"""Response bodies of analytics."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Ingested(BaseModel):
    accepted: int = Field(description="Events kept (an event resent with the same id counts, once).")
    rejected: int


class Qoe(BaseModel):
    plays: int = Field(description="Views: playback sessions whose player asked to play.")
    unique_viewers: int
    startup_time_p50_ms: float | None = Field(description="Play request to first frame, median.")
    startup_time_p90_ms: float | None
    rebuffering_ratio: float | None = Field(description="Time rebuffering / watch time.")
    rebuffer_frequency: float | None = Field(description="Share of views that rebuffered at least once.")
    exits_before_video_start: float | None = Field(description="Share of views left before a first frame.")
    playback_failure_rate: float | None = Field(description="Share of views that ended in an error.")
    average_bitrate_kbps: float | None = Field(description="Time-weighted over the renditions played.")
    watch_time_seconds: float = Field(description="Play request to exit, summed over views.")
    concurrent_viewers: int = Field(
        description="Sessions delivery had started and not ended at `to` (or now)."
    )


class Engagement(BaseModel):
    plays: int = Field(description="Playback sessions delivery started (trailers excluded).")
    unique_viewers: int
    watch_time_seconds: float
    completions: int
    completion_rate: float | None


class RetentionPoint(BaseModel):
    second: float
    share: float = Field(description="Share of views still watching at this second.")


class TitleReport(BaseModel):
    title_id: str
    engagement: Engagement
    retention: list[RetentionPoint]
    qoe: Qoe


class Revenue(BaseModel):
    invoiced: int = Field(description="Invoices issued in the period, before tax (minor units).")
    refunded: int = Field(description="Credit notes issued in the period, before tax (minor units).")
    net: int


class Business(BaseModel):
    sign_ups: int
    trials_started: int
    trial_conversions: int = Field(description="Trials whose first payment fell in the period.")
    mrr: dict[str, int] = Field(
        description="Monthly recurring revenue at `to` per currency: paying subscriptions' monthly "
        "list prices before tax (minor units); trials are not counted."
    )
    revenue: dict[str, Revenue] = Field(description="Per currency, in the period.")
    active_subscriptions: dict[str, int] = Field(description="By tier, at `to`.")
    active_at_start: int
    churned: int = Field(description="Active at `from`, not active at `to`.")
    churn_rate: float | None
