"""Loads every fixture module under tests/fixtures/ so any tier can use any real backend."""

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if not path.name.startswith("_")
)


def pytest_configure() -> None:
    # Plain tracebacks: the default rich renderer spends seconds formatting locals.
    from cinemesh.platform.logging import configure_logging

    configure_logging(level="WARNING")
