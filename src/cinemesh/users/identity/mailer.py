"""Sending mail: a port with an SMTP adapter (aiosmtplib) and a development adapter that logs.

Only links carrying single-use tokens are ever mailed; a password never is. The log adapter
logs the link (that is its purpose in dev mode) and refuses to run outside dev mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from cinemesh.platform.logging import get_logger
from cinemesh.users.settings import UsersSettings

log = get_logger("cinemesh.users.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    link: str  # the one action the mail offers


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class MailDeliveryError(Exception):
    """The mail could not be handed to the mail server."""


class LogMailer:
    """Development: the link goes to the log, where the developer clicks it."""

    async def send(self, mail: Mail) -> None:
        log.info("mail_not_sent_dev_mode", to=mail.to, subject=mail.subject, link=mail.link)


class SmtpMailer:
    def __init__(self, settings: UsersSettings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        settings = self._settings
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


def build_mailer(settings: UsersSettings, *, dev_mode: bool) -> Mailer:
    if settings.mailer == "smtp":
        return SmtpMailer(settings)
    if not dev_mode:
        raise ValueError("CINEMESH_USERS_MAILER=log only in dev mode; configure SMTP for production")
    return LogMailer()
