"""tus header parsing: metadata pairs, checksums, versions."""

from __future__ import annotations

import base64

import pytest

from cinemesh.media.http.tus.protocol import parse_checksum, parse_metadata, require_version
from cinemesh.platform.problems import Problem


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_metadata_pairs_decode_to_text_and_a_key_may_have_no_value() -> None:
    assert parse_metadata(f"title_id {b64('t-1')},filename {b64('été.mp4')},is_private") == {
        "title_id": "t-1",
        "filename": "été.mp4",
        "is_private": "",
    }


@pytest.mark.parametrize(
    "value", ["title_id !!!", f"bad key {b64('x')}", f"a {b64('1')},a {b64('2')}", "x " + "A" * 5000]
)
def test_malformed_metadata_is_a_400(value: str) -> None:
    with pytest.raises(Problem) as raised:
        parse_metadata(value)
    assert raised.value.status == 400


def test_checksum_header_names_a_supported_algorithm() -> None:
    parsed = parse_checksum(f"sha1 {base64.b64encode(b'x' * 20).decode()}")
    assert parsed is not None and parsed.algorithm == "sha1" and parsed.digest == b"x" * 20
    with pytest.raises(Problem):
        parse_checksum("crc32 AAAA")
    assert parse_checksum(None) is None


def test_only_tus_1_0_0_is_spoken() -> None:
    require_version("1.0.0")
    with pytest.raises(Problem) as raised:
        require_version("0.2.2")
    assert raised.value.status == 412 and raised.value.headers["Tus-Version"] == "1.0.0"
