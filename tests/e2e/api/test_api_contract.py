"""Schemathesis over every operation of the public API, through the gateway, on both platform
shapes, anonymous and signed in: any 5xx, an undocumented status, a body or content type that
does not match the document, or a 405 whose Allow is wrong fails the test.

Bounded: examples and fuzzing, `MAX_EXAMPLES` cases per operation, a fixed seed (failures are
reproducible with the `st replay`/curl lines in the output). The signed-in run leaves out what
would end its own session (it would go on anonymous) and the live event streams (they stay
open until the request timeout); the anonymous run covers those operations.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform"), pytest.mark.timeout(300)]

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
REPO = Path(__file__).resolve().parents[3]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "unsupported_method",
    "allow_header_conformance",
)
MAX_EXAMPLES = int(os.environ.get("CINEMESH_SCHEMATHESIS_EXAMPLES", "6"))
SEED = os.environ.get("CINEMESH_SCHEMATHESIS_SEED", "20261203")
RUN_TIMEOUT_SECONDS = 150
SESSION_ENDING = ("DELETE /api/v1/me", "POST /api/v1/me/password", "POST /api/v1/auth/logout")
PASSWORD = "correct horse battery"


def _sign_in(client: httpx.Client) -> str:
    suffix = uuid.uuid4().hex[:10]
    email = f"contract-{suffix}@example.com"
    body = {"email": email, "username": f"contract_{suffix}", "password": PASSWORD, "country": "GB"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


def _event_streams(document: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and any("text/event-stream" in r.get("content", {}) for r in operation.get("responses", {}).values())
    ]


@pytest.mark.parametrize("identity", ["anonymous", "signed-in"])
def test_every_operation_keeps_the_documented_contract(platform: RunningPlatform, identity: str) -> None:
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        document = client.get("/openapi.json").json()
        command = [
            SCHEMATHESIS,
            "run",
            f"{platform.base_url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            SEED,
            # One worker: schemathesis shares lazily validated hypothesis strategies between its
            # worker threads, and two of them racing through a recursive one (any-JSON bodies)
            # once failed the run with a Runtime Error that no request caused.
            "--workers",
            "1",
            "--no-shrink",
            "--request-timeout",
            "15",
        ]
        headers: dict[str, str] = {}
        if identity == "signed-in":
            headers["Authorization"] = f"Bearer {_sign_in(client)}"
            command += ["-H", f"Authorization: {headers['Authorization']}"]
            for name in (*SESSION_ENDING, *_event_streams(document)):
                command += ["--exclude-name", name]
        started = time.monotonic()
        result = subprocess.run(
            command,
            cwd=REPO,
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": "tests.e2e.api.schemathesis_hooks",
                "CINEMESH_SCHEMATHESIS_SOURCE_ADDRESS": "127.0.0.2",
            },
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            check=False,
        )
        elapsed = time.monotonic() - started
        output = result.stdout + result.stderr
        # Its own errors sit mid-output, above the summary: keep the head and the tail.
        shown = output if len(output) <= 16000 else f"{output[:6000]}\n[...]\n{output[-10000:]}"
        report = f"schemathesis ({identity}, {platform.shape}, {elapsed:.0f} s):\n{shown}"
        assert result.returncode == 0, report
        # Every selected operation was tested, and the document had them all (media included).
        selected = re.search(r"Selected: (\d+)/(\d+)", output)
        tested = re.search(r"Tested: (\d+)", output)
        assert selected and tested, report
        assert tested.group(1) == selected.group(1), report
        assert "/api/v1/uploads" in document["paths"] and "/api/v1/videos/{video_id}" in document["paths"]
        if identity == "signed-in":
            # The run was signed in to the end: what it left out could not end its session.
            assert client.get("/api/v1/me", headers=headers).status_code == 200, report
        print(f"schemathesis {identity} on {platform.shape}: {selected.group(1)} operations, {elapsed:.1f} s")
