"""The thin path every later feature stands on, over real HTTP, on both platform shapes.

Register, log in, read the account, create a title as an admin and read it back; the title's
creation reaches the event bus through the outbox; every bad request is a problem+json 4xx.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from cinemesh.contracts.schemas import user_profile_schema
from tests.fixtures._problems import assert_problem
from tests.fixtures.platform import METRICS_AUTH, RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]


@pytest.fixture
def client(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.base_url, timeout=20) as client:
        yield client


def new_user(client: httpx.Client, *, country: str = "DE") -> dict[str, str]:
    suffix = uuid.uuid4().hex[:10]
    account = {
        "email": f"viewer-{suffix}@example.com",
        "username": f"viewer_{suffix}",
        "password": "correct horse battery",
        "country": country,
    }
    response = client.post("/api/v1/auth/register", json=account)
    assert response.status_code == 201, response.text
    account["user_id"] = response.json()["user_id"]
    return account


def login(client: httpx.Client, email: str, password: str) -> dict[str, object]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, object] = response.json()
    return tokens


def bearer(tokens: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_register_login_and_read_the_account_document(client: httpx.Client) -> None:
    account = new_user(client, country="BR")
    tokens = login(client, account["email"], account["password"])
    assert tokens["token_type"] == "Bearer"
    assert isinstance(tokens["expires_in"], int) and tokens["expires_in"] > 0
    assert tokens["refresh_token"]

    me = client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    document = me.json()
    jsonschema.validate(
        document, user_profile_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    assert document["user_id"] == account["user_id"]
    assert document["username"] == account["username"]
    assert document["personal_info"]["country"] == "BR"
    assert document["subscription"] == {"tier": "basic", "status": "active", "auto_renew": True}
    assert document["account_metadata"]["account_status"] == "active"
    assert "last_login" in document["account_metadata"]
    assert "password" not in me.text


def test_duplicate_registration_and_wrong_password_are_refused(client: httpx.Client) -> None:
    account = new_user(client)
    fields = {key: account[key] for key in ("email", "password", "country")}
    again = client.post("/api/v1/auth/register", json={**fields, "username": "someone_else"})
    assert assert_problem(again, 409)["field"] == "email"
    wrong = client.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": "not the password"}
    )
    assert_problem(wrong, 401)
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "whatever1"})
    assert_problem(unknown, 401)


def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.Client) -> None:
    account = new_user(client)
    first = login(client, account["email"], account["password"])
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200

    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert assert_problem(reused, 401)["type"].endswith("/refresh-token-reused")
    # The theft is contained: the legitimate holder's newer token is revoked too.
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)


def test_admin_creates_a_title_and_its_event_reaches_the_bus(
    client: httpx.Client, platform: RunningPlatform
) -> None:
    admin = login(client, platform.admin_email, platform.admin_password)
    name = f"Big Buck Bunny {uuid.uuid4().hex[:6]}"
    created = client.post(
        "/api/v1/titles",
        json={"title": name, "type": "movie", "genres": ["animation"], "maturity_rating": "G"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.text
    title_id = created.json()["id"]

    as_admin = client.get(f"/api/v1/titles/{title_id}", headers=bearer(admin))
    assert as_admin.status_code == 200
    assert as_admin.json() | {"status": "draft", "title": name, "type": "movie"} == as_admin.json()

    viewer = login(client, *(lambda a: (a["email"], a["password"]))(new_user(client)))
    assert_problem(client.get(f"/api/v1/titles/{title_id}", headers=bearer(viewer)), 404)
    assert_problem(client.get(f"/api/v1/titles/{title_id}"), 404)

    tail = platform.cli("events", "tail", "catalog.title", "--from-beginning", timeout=60)
    assert tail.returncode == 0, tail.stderr + tail.stdout
    assert "catalog.title.created.v1" in tail.stdout
    assert f"subject={title_id}" in tail.stdout
    assert as_admin.headers["x-request-id"] != ""


def test_only_editors_create_titles(client: httpx.Client) -> None:
    viewer = login(client, *(lambda a: (a["email"], a["password"]))(new_user(client)))
    body = {"title": "Not mine", "type": "movie"}
    assert_problem(client.post("/api/v1/titles", json=body, headers=bearer(viewer)), 403)
    assert_problem(client.post("/api/v1/titles", json=body), 401)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-token",
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl19.",
        "Basic cm9vdDpyb290",
        "Bearer a.b",
    ],
)
def test_bad_tokens_are_401(client: httpx.Client, authorization: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": authorization})
    body = assert_problem(response, 401)
    assert "Bearer" in response.headers["www-authenticate"]
    assert "token" in str(body["detail"]).lower()


def test_bad_input_is_problem_json_never_500(client: httpx.Client) -> None:
    register = "/api/v1/auth/register"
    malformed = client.post(register, content=b'{"email": "x@', headers={"content-type": "application/json"})
    assert_problem(malformed, 400)

    wrong = client.post(
        register, json={"email": "not-an-email", "username": "x", "password": 5, "country": "de"}
    )
    fields = {error["field"] for error in assert_problem(wrong, 422)["errors"]}
    assert fields == {"email", "username", "password", "country"}

    oversized = client.post(
        register,
        content=json.dumps({"email": "a" * 2_000_000}).encode(),
        headers={"content-type": "application/json"},
    )
    assert_problem(oversized, 413)

    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(client.get("/api/v1/titles/not-a-uuid"), 404)  # title routes match UUIDs only
    assert_problem(client.put("/api/v1/auth/login", json={}), 405)


def test_operations_endpoints_answer(client: httpx.Client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").status_code == 200
    assert "cinemesh_http_request_duration_seconds" in client.get("/metrics", headers=METRICS_AUTH).text
    assert client.get("/metrics").status_code == 401  # not public on the API port
    jwks = client.get("/.well-known/jwks.json").json()
    assert jwks["keys"] and all(key["alg"] == "EdDSA" and "d" not in key for key in jwks["keys"])


def test_gateway_publishes_the_merged_public_api(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert "/api/v1/auth/register" in paths and "/api/v1/titles" in paths and "/api/v1/me" in paths
    assert "/healthz" not in paths  # operations endpoints are not part of the public API
    assert "RegisterRequest" in document["components"]["schemas"]
