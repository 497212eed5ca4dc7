"""The CLI never runs on the published development secret (issue 20.3): without a configured
one it generates a random secret into the data directory, private to its owner, and keeps it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from cinemesh.platform.secret_file import (
    SECRET_ENV,
    describe_mode,
    describe_secret,
    ensure_secret,
    read_or_create,
    secret_file,
)
from cinemesh.platform.settings import DEV_SECRET, Settings


def test_first_start_generates_a_private_secret_and_later_starts_reuse_it(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    source = ensure_secret(Settings(data_dir=tmp_path), environ)
    path = secret_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = environ[SECRET_ENV]
    assert secret != DEV_SECRET and len(secret) >= 60 and path.read_text().strip() == secret
    assert "generated" in source and str(path.resolve()) in source
    again: dict[str, str] = {}
    ensure_secret(Settings(data_dir=tmp_path), again)
    assert again[SECRET_ENV] == secret
    elsewhere: dict[str, str] = {}
    ensure_secret(Settings(data_dir=tmp_path / "other"), elsewhere)
    assert elsewhere[SECRET_ENV] != secret
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_a_configured_secret_is_used_as_is_and_no_file_is_made(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    configured = Settings(data_dir=tmp_path, secret_key=SecretStr("c" * 40))
    assert ensure_secret(configured, environ) == "CINEMESH_SECRET_KEY"
    assert environ == {} and not secret_file(tmp_path).exists()
    assert describe_secret(configured) == "CINEMESH_SECRET_KEY"


def test_a_loosened_file_is_made_private_again_and_a_broken_one_refused(tmp_path: Path) -> None:
    path = secret_file(tmp_path)
    secret = read_or_create(path)
    path.chmod(0o644)
    assert read_or_create(path) == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("short\n")
    with pytest.raises(ValueError, match="no usable secret"):
        read_or_create(path)


def test_the_banner_says_which_secret_and_mode_are_in_force(tmp_path: Path) -> None:
    built_in = Settings(data_dir=tmp_path)
    assert "built-in development secret" in describe_secret(built_in)
    assert describe_mode(built_in).startswith("development")
    environ: dict[str, str] = {}
    ensure_secret(built_in, environ)
    generated = Settings(data_dir=tmp_path, secret_key=SecretStr(environ[SECRET_ENV]), dev_mode=False)
    assert describe_secret(generated).startswith("generated, kept in")
    assert describe_mode(generated) == "production"


def test_a_data_directory_made_on_the_built_in_secret_keeps_it_and_the_banner_warns(tmp_path: Path) -> None:
    (tmp_path / "users.db").write_bytes(b"signing keys encrypted under the built-in secret")
    environ: dict[str, str] = {}
    source = ensure_secret(Settings(data_dir=tmp_path), environ)
    assert environ == {} and not secret_file(tmp_path).exists()
    assert "anyone can mint tokens" in source and "start on a new data directory" in source
