"""Each kustomize target rendered once per test process, kept in memory and on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.deploy.manifests import TARGETS, Rendered, load, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendered]:
    return {name: load(name, render(path)) for name, path in TARGETS.items()}


@pytest.fixture(scope="session")
def rendered_dir(rendered: dict[str, Rendered], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The overlays as files (what an operator would `kubectl apply`), for the CLI checkers."""
    folder = tmp_path_factory.mktemp("k8s-rendered")
    for name, manifests in rendered.items():
        if name != "base":
            (folder / f"{name}.yaml").write_text(manifests.text)
    return folder
