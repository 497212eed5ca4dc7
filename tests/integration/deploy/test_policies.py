"""Our own rules for deploy/k8s, on what `kubectl kustomize` renders: every container probed,
bounded and unprivileged; every Service backed by a Deployment; every setting a real one."""

from __future__ import annotations

import importlib
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic_settings import BaseSettings

from cinemesh.composition import SERVICE_NAMES
from tests.integration.deploy.manifests import (
    OVERLAYS,
    Rendered,
    Resource,
    containers,
    pod_templates,
    selects,
)

ALL_TARGETS = ("base", *OVERLAYS)
# Services whose store takes one writing process (analytics' DuckDB file: docs/analytics.md).
SINGLE_WRITERS = ("analytics",)
# Every module that defines a settings class (BaseSettings subclasses are found from these).
SETTINGS_MODULES = [
    "cinemesh.platform.settings",
    *(f"cinemesh.{name}.settings" for name in ("users", "catalog", "media", "delivery", "history")),
    "cinemesh.billing.settings",
    "cinemesh.web.settings",
]


def _all_subclasses(cls: type[BaseSettings]) -> set[type[BaseSettings]]:
    found: set[type[BaseSettings]] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def known_settings() -> set[str]:
    """Every environment variable a cinemesh settings class reads."""
    for module in SETTINGS_MODULES:
        importlib.import_module(module)
    names: set[str] = set()
    for cls in _all_subclasses(BaseSettings):
        if not cls.__module__.startswith("cinemesh."):
            continue
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field_name, field in cls.model_fields.items():
            names.add(f"{prefix}{field_name}".upper())
            choices = getattr(field.validation_alias, "choices", None) or []
            names.update(str(choice).upper() for choice in choices if isinstance(choice, str))
    return names


def env_names(rendered: Rendered) -> set[str]:
    names = {key for cm in rendered.of_kind("ConfigMap") for key in cm.get("data", {})}
    for _, container in containers(rendered):
        names.update(entry["name"] for entry in container.get("env", []))
    return names


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_container_is_bounded_and_unprivileged(rendered: dict[str, Rendered], target: str) -> None:
    for deployment, template in pod_templates(rendered[target]):
        pod = template["spec"]
        name = deployment["metadata"]["name"]
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
    for where, container in containers(rendered[target]):
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) >= {"cpu", "memory"}, f"{where}: {bound}"
        security: dict[str, Any] = container["securityContext"]
        assert security["runAsNonRoot"] is True, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["capabilities"] == {"drop": ["ALL"]}, where
        assert security.get("privileged", False) is False, where
        # With a read-only root, what the process writes must be a mounted volume.
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {"/tmp", "/var/lib/cinemesh"} <= mounts, where


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_http_container_has_both_probes_and_only_the_worker_has_none(
    rendered: dict[str, Rendered], target: str
) -> None:
    unprobed = []
    for where, container in containers(rendered[target]):
        if not container.get("ports"):
            unprobed.append(where)
            assert "readinessProbe" not in container, where
            continue
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", where
    expected = [] if target == "embedded" else [f"{target}/worker/worker"]
    assert unprobed == expected


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_service_selects_a_deployments_pods_on_a_named_port(
    rendered: dict[str, Rendered], target: str
) -> None:
    manifests = rendered[target]
    for service in manifests.of_kind("Service"):
        selector = service["spec"]["selector"]
        matches = [d for d, t in pod_templates(manifests) if selects(selector, t["metadata"]["labels"])]
        assert len(matches) == 1, f"{service['metadata']['name']} selects {len(matches)} Deployments"
        port_names = {
            p["name"] for c in matches[0]["spec"]["template"]["spec"]["containers"] for p in c["ports"]
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, service["metadata"]["name"]


@pytest.mark.parametrize("target", ["base", "scaled"])
def test_each_service_the_gateway_and_the_worker_run_apart(
    rendered: dict[str, Rendered], target: str
) -> None:
    manifests = rendered[target]
    deployments = {d["metadata"]["name"]: d for d in manifests.of_kind("Deployment")}
    assert set(deployments) == {*SERVICE_NAMES, "gateway", "worker"}
    for name in (*SERVICE_NAMES, "gateway"):
        assert deployments[name]["spec"]["template"]["spec"]["containers"][0]["args"] == ["serve", name]
        manifests.named("Service", name)
    assert deployments["worker"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["worker"]
    worker_labels = deployments["worker"]["spec"]["template"]["metadata"]["labels"]
    assert not [s for s in manifests.of_kind("Service") if selects(s["spec"]["selector"], worker_labels)]
    for name in SINGLE_WRITERS:
        _runs_once_on_a_claim(manifests, deployments.pop(name))
    for name, deployment in deployments.items():
        assert deployment["spec"]["replicas"] >= 2, name
        budget = manifests.named("PodDisruptionBudget", name)
        assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        autoscaler = manifests.named("HorizontalPodAutoscaler", name)
        assert autoscaler["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        metrics = {m["type"]: m for m in autoscaler["spec"]["metrics"]}
        assert metrics["Resource"]["resource"]["name"] == "cpu", name
    worker_metrics = manifests.named("HorizontalPodAutoscaler", "worker")["spec"]["metrics"]
    assert [m["external"]["metric"]["name"] for m in worker_metrics if m["type"] == "External"] == [
        "cinemesh_consumer_lag"
    ]


def _runs_once_on_a_claim(manifests: Rendered, deployment: Resource) -> None:
    """A service whose store takes one writing process: never two pods at once, its file on a
    claim that outlives the pod, and nothing that would add a replica or block a drain."""
    name = deployment["metadata"]["name"]
    assert deployment["spec"]["replicas"] == 1, name
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}, name
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    claim = volumes["data"]["persistentVolumeClaim"]["claimName"]
    assert manifests.named("PersistentVolumeClaim", claim)["spec"]["accessModes"] == ["ReadWriteOnce"]
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert not [r for r in manifests.of_kind(kind) if r["metadata"]["name"] == name], (kind, name)


def test_the_embedded_overlay_is_one_pod_on_a_claim(rendered: dict[str, Rendered]) -> None:
    manifests = rendered["embedded"]
    (deployment,) = manifests.of_kind("Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"] == ["up", "--no-demo"]
    data = next(volume for volume in pod["volumes"] if volume["name"] == "data")
    claim = manifests.named("PersistentVolumeClaim", data["persistentVolumeClaim"]["claimName"])
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert not manifests.of_kind("HorizontalPodAutoscaler")


def test_the_scaled_overlay_names_every_datastore(rendered: dict[str, Rendered]) -> None:
    manifests = rendered["scaled"]
    datastores = manifests.named("ConfigMap", "cinemesh-datastores")["data"]
    assert datastores["CINEMESH_EVENT_BUS"] == "kafka"
    assert datastores["CINEMESH_OBJECT_STORE"] == "s3"
    assert datastores["CINEMESH_CACHE"] == "redis"
    # Database and Redis URLs carry credentials: they come from the Secret, never a ConfigMap.
    assert "CINEMESH_DATABASE_URL" not in datastores and "CINEMESH_REDIS_URL" not in datastores
    assert not manifests.of_kind("Secret"), "secrets are the operator's, never committed"
    for where, container in containers(manifests):
        sources = [next(iter(source.values()))["name"] for source in container["envFrom"]]
        assert sources == [
            "cinemesh-config",
            "cinemesh-secrets",
            "cinemesh-datastores",
            "cinemesh-datastores",
        ], where


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_cinemesh_variable_is_a_real_setting(rendered: dict[str, Rendered], target: str) -> None:
    named = {name for name in env_names(rendered[target]) if name.startswith("CINEMESH_")}
    assert named, target
    assert named - known_settings() == set()


def test_a_misspelt_setting_would_be_caught() -> None:
    known = known_settings()
    assert {
        "CINEMESH_UPSTREAMS",
        "CINEMESH_MEDIA_SPOOL_DIR",
        "CINEMESH_DEMO",
        "CINEMESH_WEB_DIST_DIR",
    } <= known
    assert "CINEMESH_UPSTREAM" not in known


@pytest.mark.parametrize("target", ["base", "scaled"])
def test_upstreams_name_every_service_at_its_service(rendered: dict[str, Rendered], target: str) -> None:
    manifests = rendered[target]
    upstreams = json.loads(manifests.named("ConfigMap", "cinemesh-config")["data"]["CINEMESH_UPSTREAMS"])
    assert set(upstreams) == set(SERVICE_NAMES)
    for name, url in upstreams.items():
        service = manifests.named("Service", urlsplit(url).hostname or "")
        assert service["spec"]["ports"][0]["port"] == (urlsplit(url).port or 80), name
        assert service["spec"]["selector"] == {"app.kubernetes.io/name": name}
