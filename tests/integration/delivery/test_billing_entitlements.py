"""Delivery obeys billing's subscription events: a suspended account is refused playback with
subscription-inactive, a recovered one plays again at its plan's quality."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cinemesh.contracts.billing import BillingSubscriptionChangedV1, EntitlementsV1
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import running_delivery

pytestmark = pytest.mark.timeout(120)


def changed(
    user_id: str, *, tier: str, status: str, billing_status: str, version: int
) -> BillingSubscriptionChangedV1:
    return BillingSubscriptionChangedV1(
        user_id=user_id, subscription_id="sub-1", version=version, tier=tier, status=status,
        billing_status=billing_status, auto_renew=True,
        entitlements=EntitlementsV1(max_height=1080, concurrent_streams=2, downloads=2),
        current_period_end=None, changed_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip


async def test_suspended_by_billing_is_refused_and_recovered_plays(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer()
        await h.feed(
            changed(
                viewer.user_id, tier="standard", status="suspended", billing_status="suspended", version=9
            )
        )
        refused = await h.start(viewer)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("subscription-inactive")
        await h.feed(
            changed(viewer.user_id, tier="standard", status="active", billing_status="active", version=10)
        )
        started = await h.start(viewer, max_height=1080)
        assert started.status_code == 201, started.text
        assert started.json()["tier"] == "standard" and started.json()["max_height"] == 1080


async def test_the_plans_limits_are_billings_entitlements(tmp_path: Path, cmaf_video: CmafVideo) -> None:
    """Billing defines plans: delivery caps quality and streams by the event's entitlements, not
    by a table of its own, and a paid upgrade plays at the new quality as soon as it is heard."""
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer()
        narrow = changed(viewer.user_id, tier="standard", status="active", billing_status="active", version=3)
        narrow = narrow.model_copy(
            update={"entitlements": EntitlementsV1(max_height=480, concurrent_streams=1, downloads=0)}
        )
        await h.feed(narrow)
        above = await h.start(viewer, max_height=1080)
        assert above.status_code == 403 and above.json()["type"].endswith("plan-quality-limit"), above.text
        capped = await h.start(viewer)
        assert capped.status_code == 201, capped.text
        assert capped.json()["max_height"] == 480  # "standard" in delivery's own table is 1080
        second = await h.start(viewer)
        assert second.status_code == 409 and second.json()["type"].endswith("plan-stream-limit"), second.text

        # billing's upgrade (entitlements 1080p, two streams): heard once, it plays at once
        await h.feed(
            changed(viewer.user_id, tier="premium", status="active", billing_status="active", version=4)
        )
        upgraded = await h.start(viewer, max_height=1080)
        assert upgraded.status_code == 201, upgraded.text
        assert upgraded.json()["max_height"] == 1080
