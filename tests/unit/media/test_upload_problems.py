"""The upload's domain errors answer as the tus problems clients know: status, type, title, the
field they name and the tus headers (where the upload stands, when to come back)."""

from __future__ import annotations

from typing import Any

import pytest

from cinemesh.media.domain import uploads as rules
from cinemesh.media.http.problems import ERROR_STATUSES
from cinemesh.media.http.tus.problems import tus_problem
from cinemesh.platform.errors import DomainError
from cinemesh.platform.problems import domain_problem

TUS = {"Tus-Resumable": "1.0.0"}

CASES: list[tuple[DomainError, int, str, dict[str, str], dict[str, Any]]] = [
    (rules.MissingTitleError("d", field="title_id"), 400, "Bad Request", TUS, {"field": "title_id"}),
    (rules.UploadTooLargeError("d", field="Upload-Length"), 413, "Content Too Large", TUS, {}),
    (rules.ConcurrentPatchError(), 409, "Conflict", TUS, {}),
    (
        rules.InsufficientStorageError("d"),
        507,
        "Insufficient Storage",
        {"Retry-After": "60", **TUS},
        {},
    ),
    (rules.StorageUnavailableError("d"), 503, "Service Unavailable", {"Retry-After": "5", **TUS}, {}),
    (rules.UploadExpiredError("d"), 410, "Error", TUS, {}),
    (rules.OffsetMismatchError("d", offset=7), 409, "Conflict", {"Upload-Offset": "7", **TUS}, {}),
    (rules.UploadCompleteError("d"), 409, "Conflict", TUS, {}),
    (rules.ChecksumMismatchError("d"), 460, "Checksum Mismatch", TUS, {}),
    (rules.OnAnotherInstanceError("d", spool_id="s"), 409, "Conflict", TUS, {"spool_id": "s"}),
    (rules.TitleArchivedError("d", field="title_id"), 409, "Conflict", TUS, {"field": "title_id"}),
]


@pytest.mark.parametrize(("error", "status", "title", "headers", "members"), CASES)
def test_an_upload_error_is_a_tus_problem(
    error: DomainError, status: int, title: str, headers: dict[str, str], members: dict[str, Any]
) -> None:
    problem = tus_problem(error)
    body = problem.to_dict()
    assert (problem.status, body["title"], problem.headers) == (status, title, headers)
    assert body["type"].endswith("/" + error.code)
    assert members.items() <= body.items()


def test_an_unknown_title_names_title_id_in_the_metadata() -> None:
    body = tus_problem(rules.TitleNotFoundError("No title t.", field="title_id")).to_dict()
    assert body["status"] == 404 and body["field"] == "title_id"
    assert body["errors"] == [
        {"field": "title_id", "in": "Upload-Metadata", "message": "No title t.", "type": "not_found"}
    ]


def test_a_video_nobody_may_see_is_a_plain_404() -> None:
    problem = domain_problem(rules.VideoNotFoundError("No video v."), ERROR_STATUSES)
    assert (problem.status, problem.code, problem.headers) == (404, "video-not-found", {})
