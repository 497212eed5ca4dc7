"""`GET /api/v1/me` validates against the seed's User Profile schema in every account state."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from cinemesh.contracts.billing import BillingSubscriptionChangedV1, EntitlementsV1, PaymentMethodV1
from cinemesh.contracts.publishing import to_envelope
from tests.integration.users.harness import PASSWORD, Harness, assert_problem, assert_valid_document


async def test_a_fresh_account_has_the_schema_defaults_and_its_main_profile(users: Harness) -> None:
    user = await users.register(username="a_rather_long_username_x")
    document = await users.me(user)
    assert document["subscription"] == {"tier": "basic", "status": "active", "auto_renew": True}
    assert document["preferences"]["language"] == "en"
    assert document["preferences"]["video_quality"] == "auto"
    assert document["preferences"]["parental_controls"] == {
        "enabled": False,
        "restricted_profiles": [],
        "pin_set": False,
    }
    assert document["account_metadata"]["email_verified"] is False
    [main] = document["profiles"]
    assert main["is_main"] and not main["is_kids"] and main["name"] == "a_rather_long_u"
    assert document["devices"] == [] and document["my_list"] == []
    [event] = await users.events("users.profile.changed.v1", user.user_id)
    assert event["change"] == "created" and event["is_main"] and event["max_maturity_rating"] is None


async def test_a_fully_set_up_account_still_validates(users: Harness) -> None:
    user = await users.register()
    token = users.mailer.last_token(user.email)
    assert (await users.client.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 204
    kid = await users.client.post(
        "/api/v1/me/profiles",
        json={
            "name": "Kid",
            "is_kids": True,
            "avatar": {"url": "https://img.example.com/a.png"},
            "preferences": {"language": "fr"},
        },
        headers=user.auth,
    )
    assert kid.status_code == 201, kid.text
    kid_id = kid.json()["profile_id"]
    device = await users.client.post(
        "/api/v1/me/devices",
        json={"device_type": "smart_tv", "device_name": "Living room", "active_profile": kid_id},
        headers=user.auth,
    )
    assert device.status_code == 201, device.text
    saved = await users.client.post(
        "/api/v1/me/list",
        json={"content_id": "title-1", "content_type": "movie", "profile_id": kid_id},
        headers=user.auth,
    )
    assert saved.status_code == 201, saved.text
    controls = await users.client.put(
        "/api/v1/me/parental-controls",
        json={
            "enabled": True,
            "max_maturity_rating": "TV-Y7",
            "pin": "1234",
            "restricted_profiles": [kid_id],
        },
        headers=user.auth,
    )
    assert controls.status_code == 200, controls.text
    personal = await users.client.patch(
        "/api/v1/me",
        json={"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10"},
        headers=user.auth,
    )
    assert personal.status_code == 200, personal.text
    # the subscription section is billing's projection: billing's event, as billing publishes it
    changed = BillingSubscriptionChangedV1(
        user_id=user.user_id, subscription_id=str(uuid.uuid4()), version=3, tier="premium",
        status="active", billing_status="active", auto_renew=False,
        entitlements=EntitlementsV1(max_height=2160, concurrent_streams=4, downloads=6),
        current_period_end=dt.datetime(2026, 2, 1, tzinfo=dt.UTC), changed_at=dt.datetime.now(dt.UTC),
        start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), next_billing_date=None,
        payment_method=PaymentMethodV1(type="credit_card", last_four="4242", brand="visa", expiry="12/34"),
    )  # fmt: skip
    await users.app.state.runtime.bus.publish_many([(changed.topic, to_envelope(changed, source="tests"))])
    for _ in range(100):
        if (await users.me(user))["subscription"]["tier"] == "premium":
            break
        await asyncio.sleep(0.1)

    document = await users.me(user)
    assert document["account_metadata"]["email_verified"] is True
    assert "email_verification_date" in document["account_metadata"]
    assert document["subscription"] == {
        "tier": "premium", "status": "active", "auto_renew": False, "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2026-02-01T00:00:00Z",
        "payment_method": {"type": "credit_card", "last_four": "4242", "brand": "visa", "expiry": "12/34",
                           "is_default": True},
    }  # fmt: skip
    assert document["personal_info"]["first_name"] == "Ada"
    assert document["preferences"]["parental_controls"]["max_maturity_rating"] == "TV-Y7"
    assert "pin" not in document["preferences"]["parental_controls"]  # only its hash is stored
    assert len(document["profiles"]) == 2 and len(document["devices"]) == 1 and len(document["my_list"]) == 1


async def test_a_deleted_account_has_no_document(users: Harness) -> None:
    user = await users.register()
    assert (await users.client.delete("/api/v1/me", headers=user.auth)).status_code == 204
    assert_problem(await users.client.get("/api/v1/me", headers=user.auth), 401)


async def test_a_suspended_account_is_locked_out_and_its_document_still_validates(users: Harness) -> None:
    user, admin = await users.register(), await users.admin()
    suspend = await users.client.put(
        f"/api/v1/admin/users/{user.user_id}/status", json={"status": "suspended"}, headers=admin.auth
    )
    assert suspend.status_code == 200, suspend.text
    assert_problem(await users.client.get("/api/v1/me", headers=user.auth), 401)
    login = {"email": user.email, "password": PASSWORD}
    assert_problem(await users.client.post("/api/v1/auth/login", json=login), 403)
    assert_problem(
        await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}), 401
    )
    document = (await users.client.get(f"/api/v1/admin/users/{user.user_id}", headers=admin.auth)).json()
    assert_valid_document(document)
    assert document["account_metadata"]["account_status"] == "suspended"

    bad = await users.client.put(
        f"/api/v1/admin/users/{user.user_id}/status", json={"status": "closed"}, headers=admin.auth
    )
    assert_problem(bad, 422, "status")
    viewer = await users.register()
    as_viewer = await users.client.get(f"/api/v1/admin/users/{user.user_id}", headers=viewer.auth)
    assert_problem(as_viewer, 403)
    reactivate = {"status": "active"}
    assert (
        await users.client.put(
            f"/api/v1/admin/users/{user.user_id}/status", json=reactivate, headers=admin.auth
        )
    ).status_code == 200
    assert (await users.client.post("/api/v1/auth/login", json=login)).status_code == 200
