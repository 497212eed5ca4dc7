"""Signed media URLs: scope, expiry, IP binding, tampering."""

from __future__ import annotations

import pytest

from cinemesh.delivery.origin.signing import STREAM_PREFIX, TokenRefusedError, UrlSigner

SIGNER = UrlSigner(b"unit-test-secret")
SCOPE = "videos/v1/hls/720p/"
FUTURE = 4_000_000_000


def split(url: str) -> tuple[str, str]:
    token, _, path = url.removeprefix(STREAM_PREFIX).partition("/")
    return token, path


def code(token: str, path: str, **kwargs: object) -> str:
    with pytest.raises(TokenRefusedError) as refused:
        SIGNER.verify(token, path, **kwargs)  # type: ignore[arg-type]
    return refused.value.code


def test_a_token_opens_every_object_under_its_scope_and_nothing_else() -> None:
    token, path = split(SIGNER.url(SCOPE, SCOPE + "seg_00001.m4s", expires=FUTURE))
    assert SIGNER.verify(token, path, client_ip=None) == SCOPE
    assert SIGNER.verify(token, SCOPE + "init.mp4", client_ip=None) == SCOPE
    assert code(token, "videos/v1/hls/1080p/seg_00001.m4s", client_ip=None) == "url-token-invalid"
    assert code(token, "videos/v2/hls/720p/seg_00001.m4s", client_ip=None) == "url-token-invalid"
    assert code(token, "videos/v1/hls/720p", client_ip=None) == "url-token-scope"  # the scope itself


def test_tampering_with_any_part_is_refused() -> None:
    token, path = split(SIGNER.url(SCOPE, SCOPE + "a.m4s", expires=FUTURE))
    expires, segments, binding, mac = token.split(".")
    assert code(f"{int(expires) + 1}.{segments}.{binding}.{mac}", path, client_ip=None) == "url-token-invalid"
    assert code(f"{expires}.3.{binding}.{mac}", path, client_ip=None) == "url-token-invalid"
    assert code(f"{expires}.{segments}.i.{mac}", path, client_ip="1.2.3.4") == "url-token-invalid"
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert code(f"{expires}.{segments}.{binding}.{flipped}", path, client_ip=None) == "url-token-invalid"
    assert code("garbage", path, client_ip=None) == "url-token-malformed"
    assert UrlSigner(b"another-secret").url(SCOPE, SCOPE + "a.m4s", expires=FUTURE) != STREAM_PREFIX + token


def test_expired_tokens_are_refused() -> None:
    token, path = split(SIGNER.url(SCOPE, SCOPE + "a.m4s", expires=1000))
    assert SIGNER.verify(token, path, client_ip=None, now=999) == SCOPE
    assert code(token, path, client_ip=None, now=1001) == "url-token-expired"


def test_ip_bound_tokens_open_only_for_that_client() -> None:
    token, path = split(SIGNER.url(SCOPE, SCOPE + "a.m4s", expires=FUTURE, ip="10.0.0.7"))
    assert SIGNER.verify(token, path, client_ip="10.0.0.7") == SCOPE
    assert code(token, path, client_ip="10.0.0.8") == "url-token-invalid"


def test_scopes_must_be_relative_directories() -> None:
    for scope in ("videos/v1", "/videos/v1/", "videos//v1/"):
        with pytest.raises(ValueError, match="scope"):
            SIGNER.token(scope, expires=FUTURE)
    with pytest.raises(ValueError, match="outside"):
        SIGNER.url(SCOPE, "videos/v1/hls/1080p/a.m4s", expires=FUTURE)


def test_an_object_token_opens_that_object_alone() -> None:
    path = SCOPE + "init.mp4"
    token, signed_path = split(SIGNER.object_url(path, expires=FUTURE))
    assert signed_path == path and token.split(".")[1] == "0"
    assert SIGNER.verify(token, path, client_ip=None) == path
    # Its neighbours (the clear segments beside an init segment), its directory and longer
    # paths all fail the MAC.
    for other in (SCOPE + "seg_00000.m4s", SCOPE + "init.mp4/x", "videos/v1/hls/720p", SCOPE + "init.mp"):
        assert code(token, other, client_ip=None) == "url-token-invalid", other
    # A directory token cannot be turned into an object token for a path of the same length.
    directory_token, _ = split(SIGNER.url(SCOPE, path, expires=FUTURE))
    expires, _, binding, mac = directory_token.split(".")
    assert code(f"{expires}.0.{binding}.{mac}", path, client_ip=None) == "url-token-invalid"
    for bad in ("", "/videos/a.m4s", "videos/", "videos//a.m4s"):
        with pytest.raises(ValueError, match="object path"):
            SIGNER.object_token(bad, expires=FUTURE)
