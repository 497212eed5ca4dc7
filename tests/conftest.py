"""Loads every fixture module under tests/fixtures/ so any tier can use any real backend."""

from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if not path.name.startswith("_")
)


def pytest_configure() -> None:
    # Plain tracebacks: the default rich renderer spends seconds formatting locals.
    from cinemesh.platform.logging import configure_logging

    configure_logging(level="WARNING")


_TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's tier is its folder (tests/unit, tests/integration, tests/e2e): marked here, so
    `-m unit` selects the fast tier without each module remembering to say so."""
    for item in items:
        parts = item.path.relative_to(Path(__file__).parent).parts
        if parts and parts[0] in _TIERS:
            item.add_marker(parts[0])
