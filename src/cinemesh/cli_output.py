"""What the CLI shows a person: rich, short, and free of anything secret except on purpose."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from cinemesh.platform.secret_file import describe_mode, describe_secret
from cinemesh.platform.settings import Settings

console = Console(stderr=True)


def announce_ready(settings: Settings, admin: object | None) -> None:
    lines = [f"[bold green]cinemesh is up[/] at [link={settings.base_url}]{settings.base_url}[/link]"]
    lines.append(f"API docs: {settings.base_url}/docs   data: {settings.data_dir.resolve()}")
    lines.append(f"Secret: {describe_secret(settings)}")
    lines.append(f"Mode: {describe_mode(settings)}")
    email = getattr(admin, "email", None)
    password = getattr(admin, "password", None)
    if email:
        lines.append(f"First admin: [bold]{email}[/]")
    if password:
        # Shown once, on the terminal only (never logged); change it after the first login.
        lines.append(f"Generated admin password: [bold yellow]{password}[/]")
    console.print(Panel("\n".join(lines), title="cinemesh", expand=False))
