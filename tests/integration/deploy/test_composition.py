"""Each pod's process, built from exactly the environment its manifests give it: a setting that
a service refuses outside dev mode (say, the log-only mailer) fails here, not in a cluster.
The apps are built, not started: no datastore is contacted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cinemesh.composition import build_platform, build_service_apps, build_single_service
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings
from tests.integration.deploy.manifests import Rendered, Resource

# What the operator's Secrets hold (docs/deploy.md), with placeholder values.
SECRETS = {
    "cinemesh-secrets": {"CINEMESH_SECRET_KEY": "placeholder-secret-key-of-forty-characters"},
    "cinemesh-datastores": {
        "CINEMESH_DATABASE_URL": "postgresql+asyncpg://cinemesh:pw@postgres.invalid:5432/cinemesh_{service}",
        "CINEMESH_REDIS_URL": "redis://:pw@redis.invalid:6379/0",
        "CINEMESH_S3_ACCESS_KEY_ID": "placeholder",
        "CINEMESH_S3_SECRET_ACCESS_KEY": "placeholder",
    },
}


def pod_environment(manifests: Rendered, deployment: Resource, volumes: Path) -> dict[str, str]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    config_maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in manifests.of_kind("ConfigMap")}
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]])
        else:
            env.update(SECRETS[source["secretRef"]["name"]])
    env.update({entry["name"]: entry["value"] for entry in container.get("env", [])})
    # Mounted volumes become folders of this test's own.
    return {
        k: v.replace("/var/lib/", f"{volumes}/") if v.startswith("/var/lib/") else v for k, v in env.items()
    }


def _use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name in [name for name in os.environ if name.startswith("CINEMESH_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.dev_mode is False
    return settings


def test_every_scaled_pod_builds_from_its_rendered_environment(
    rendered: dict[str, Rendered], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manifests = rendered["scaled"]
    for deployment in manifests.of_kind("Deployment"):
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        with monkeypatch.context() as patch:
            settings = _use(patch, pod_environment(manifests, deployment, tmp_path))
            if args[0] == "serve":
                app = build_single_service(settings, args[1])
                assert app.state.service_name == args[1]
            else:
                assert args == ["worker"]
                assert set(build_service_apps(settings, bus=build_event_bus(settings))) >= {"users", "media"}


def test_the_embedded_pod_builds_from_its_rendered_environment(
    rendered: dict[str, Rendered], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manifests = rendered["embedded"]
    (deployment,) = manifests.of_kind("Deployment")
    settings = _use(monkeypatch, pod_environment(manifests, deployment, tmp_path))
    assert set(build_platform(settings).state.service_apps) >= {"users", "catalog", "media"}


def test_the_log_only_mailer_is_refused_outside_dev_mode(
    rendered: dict[str, Rendered], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The check above can fail: without the SMTP settings, the users pod would not start."""
    manifests = rendered["scaled"]
    env = pod_environment(manifests, manifests.named("Deployment", "users"), tmp_path)
    env = {k: v for k, v in env.items() if not k.startswith("CINEMESH_USERS_")}
    settings = _use(monkeypatch, env)
    with pytest.raises(ValueError, match="CINEMESH_USERS_MAILER=log only in dev mode"):
        build_single_service(settings, "users")
