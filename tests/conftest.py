"""Loads every fixture module under tests/fixtures/ so any tier can use any real backend."""

import os
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _cinemesh_environment_restored() -> Iterator[None]:
    """What a test's code sets in CINEMESH_* (the CLI writes the generated secret and the port
    into os.environ for its workers) must not reach the next test in the same process: a later
    `Settings()` would read it and, say, see a secret the test did not configure."""
    saved = {key: value for key, value in os.environ.items() if key.startswith("CINEMESH_")}
    yield
    for key in [key for key in os.environ if key.startswith("CINEMESH_") and key not in saved]:
        del os.environ[key]
    os.environ.update(saved)
