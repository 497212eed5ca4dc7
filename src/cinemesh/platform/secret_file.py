"""The deployment secret of a platform started by the CLI, when none is configured.

The built-in development secret is published in this repository: a platform running on it
lets anyone mint access and stream tokens. So `cinemesh up | serve | worker` never runs on it:
without `CINEMESH_SECRET_KEY` they use a random secret generated on first start into the data
directory (`secret.key`, mode 0600), and every later start - and every process sharing the
data directory (`serve` per service, `worker`) - reads the same one. The built-in secret is
left to code that builds `Settings` directly (the tests), and to a data directory made before
secrets were generated: its stored keys (token signing, content keys) are encrypted under the
built-in secret, so it keeps that one, and the banner says so.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import MutableMapping
from pathlib import Path

from cinemesh.platform.settings import DEV_SECRET, Settings

SECRET_ENV = "CINEMESH_SECRET_KEY"  # noqa: S105 - a variable name, not a secret
SECRET_FILE_NAME = "secret.key"  # noqa: S105 - a file name


def secret_file(data_dir: Path) -> Path:
    return data_dir / SECRET_FILE_NAME


def _read(path: Path) -> str:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)  # copied around with a looser mode: only the owner may read it
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holds no usable secret (under 32 characters); delete it to make a new one")
    return secret


def read_or_create(path: Path) -> str:
    """The secret in `path`, generated first if missing. Safe when several processes start at
    once: the secret is written whole to a private temporary file and linked into place, so a
    process that loses the race reads the winner's complete file."""
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
    return _read(path)


def ensure_secret(settings: Settings, environ: MutableMapping[str, str] = os.environ) -> str:
    """When `settings` (read from the environment and .env) hold no secret of their own, puts
    the data directory's into `environ`, which the server processes inherit. Says where the
    secret comes from, for the banner."""
    if settings.secret_key.get_secret_value() != DEV_SECRET:
        return "CINEMESH_SECRET_KEY"
    path = secret_file(settings.data_dir)
    if not path.exists() and predates_generated_secrets(settings.data_dir):
        # Its signing and content keys are encrypted under the built-in secret: another one
        # would make them unreadable. It keeps running, and the banner says why that is unsafe.
        return describe_secret(settings)
    environ[SECRET_ENV] = read_or_create(path)
    return f"generated, kept in {path.resolve()} (mode 0600)"


def predates_generated_secrets(data_dir: Path) -> bool:
    """A data directory that already holds data but no secret file: made by a version that ran
    on the built-in secret."""
    if not data_dir.is_dir():
        return False
    return any(
        not entry.name.startswith(".") and entry.name != SECRET_FILE_NAME for entry in data_dir.iterdir()
    )


def describe_secret(settings: Settings) -> str:
    """Which secret `settings` hold, in words for a person (never the secret itself)."""
    value = settings.secret_key.get_secret_value()
    if value == DEV_SECRET:
        described = "the built-in development secret: for tests only, anyone can mint tokens"
        if predates_generated_secrets(settings.data_dir) and not secret_file(settings.data_dir).exists():
            described += (
                " (this data directory was made with it and its keys are encrypted under it;"
                " start on a new data directory to get a generated secret)"
            )
        return described
    path = secret_file(settings.data_dir)
    with contextlib.suppress(OSError, ValueError):
        if path.exists() and _read(path) == value:
            return f"generated, kept in {path.resolve()} (mode 0600)"
    return "CINEMESH_SECRET_KEY"


def describe_mode(settings: Settings) -> str:
    if settings.dev_mode:
        return "development (mail links are logged; CINEMESH_DEV_MODE=false for production)"
    return "production"
