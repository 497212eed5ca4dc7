"""Rendering deploy/k8s with `kubectl kustomize` and reading what it renders, for the tests here."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("embedded", "scaled")
# What renders on its own: the base (no datastores named yet) and each overlay.
TARGETS = {"base": K8S / "base", **{name: K8S / "overlays" / name for name in OVERLAYS}}

Resource = dict[str, Any]


def kubectl() -> str:
    found = shutil.which("kubectl")
    assert found, "kubectl is needed to render deploy/k8s (kubectl kustomize); install kubectl"
    return found


def render(target: Path) -> str:
    result = subprocess.run(
        [kubectl(), "kustomize", str(target)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {target} failed:\n{result.stderr}"
    return result.stdout


@dataclass(frozen=True)
class Rendered:
    name: str
    text: str
    resources: list[Resource]

    def of_kind(self, kind: str) -> list[Resource]:
        return [resource for resource in self.resources if resource["kind"] == kind]

    def named(self, kind: str, name: str) -> Resource:
        matches = [r for r in self.of_kind(kind) if r["metadata"]["name"] == name]
        assert len(matches) == 1, f"{self.name}: expected one {kind} {name}, found {len(matches)}"
        return matches[0]


def load(name: str, text: str) -> Rendered:
    return Rendered(name, text, [doc for doc in yaml.safe_load_all(text) if doc])


def pod_templates(rendered: Rendered) -> Iterator[tuple[Resource, Resource]]:
    """(Deployment, its pod template) of each Deployment."""
    for deployment in rendered.of_kind("Deployment"):
        yield deployment, deployment["spec"]["template"]


def containers(rendered: Rendered) -> Iterator[tuple[str, Resource]]:
    for deployment, template in pod_templates(rendered):
        spec = template["spec"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield f"{rendered.name}/{deployment['metadata']['name']}/{container['name']}", container


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())
