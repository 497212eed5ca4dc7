"""The SMTP adapter against a real SMTP server (aiosmtpd), and through registration."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from cinemesh.platform.settings import Settings
from cinemesh.users.bootstrap import build_app
from cinemesh.users.identity.mailer import Mail, MailDeliveryError, SmtpMailer, build_mailer
from cinemesh.users.settings import UsersSettings
from tests.fixtures._net import free_port
from tests.fixtures.smtp import SmtpServer
from tests.integration.users.harness import BASE_URL, FAST_PASSWORDS, PASSWORD


async def test_the_smtp_adapter_delivers_to_a_real_server(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(UsersSettings(mailer="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port))
    await mailer.send(
        Mail(to="ada@example.com", subject="Hello", text="Click https://x.test/a", link="https://x.test/a")
    )
    [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
    assert mail.recipients == ["ada@example.com"]
    assert mail.message["Subject"] == "Hello" and "no-reply@cinemesh.localhost" in mail.message["From"]
    assert "https://x.test/a" in mail.message.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_an_unreachable_server_is_a_delivery_error() -> None:
    mailer = SmtpMailer(UsersSettings(mailer="smtp", smtp_port=free_port(), smtp_timeout_seconds=2))
    with pytest.raises(MailDeliveryError):
        await mailer.send(Mail(to="a@example.com", subject="s", text="t", link="https://x.test"))


def test_the_log_mailer_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ValueError, match="dev mode"):
        build_mailer(UsersSettings(mailer="log"), dev_mode=False)


async def test_registration_mails_a_working_verification_link(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build_app(
        Settings(data_dir=tmp_path, public_url=BASE_URL),
        passwords=FAST_PASSWORDS,
        users_settings=UsersSettings(mailer="smtp", smtp_host=smtp_server.host, smtp_port=smtp_server.port),
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        body = {"email": "grace@example.com", "username": "grace", "password": PASSWORD, "country": "US"}
        assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
        [mail] = await asyncio.to_thread(smtp_server.wait_for, 1)
        text = mail.message.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert PASSWORD not in text
        token = text.split("token=", 1)[1].split()[0]
        assert (await client.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 204
