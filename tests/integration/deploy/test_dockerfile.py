"""The Dockerfile says what the manifests rely on (no Docker engine runs here to build it:
checkov reads it in test_validate.py; these read what checkov does not know of cinemesh)."""

from __future__ import annotations

import re

from tests.integration.deploy.manifests import REPO, Rendered, containers

DOCKERFILE = (REPO / "Dockerfile").read_text()


def _instructions(keyword: str) -> list[str]:
    return re.findall(rf"^{keyword}\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)


def test_multi_stage_on_pinned_tags() -> None:
    stages = _instructions("FROM")
    assert len(stages) >= 3
    for stage in stages:
        image = stage.split()[0]
        assert ":" in image and not image.endswith(":latest"), image


def test_runs_as_the_user_the_manifests_name(rendered: dict[str, Rendered]) -> None:
    (user,) = _instructions("USER")
    assert user.strip() == "10001:10001"
    for name in ("scaled", "embedded"):
        for where, container in containers(rendered[name]):
            assert container["securityContext"]["runAsUser"] == 10001, where


def test_ffmpeg_comes_from_the_locked_wheel_and_nothing_writes_bytecode() -> None:
    # Dependencies at the lock's versions (imageio-ffmpeg carries the ffmpeg binary) ...
    assert "--constraint requirements.lock" in DOCKERFILE
    assert "imageio_ffmpeg.get_ffmpeg_exe()" in DOCKERFILE
    # ... and no other ffmpeg from a package manager.
    assert not re.search(r"apt-get install[^\n]*ffmpeg", DOCKERFILE)
    # A read-only root filesystem: bytecode compiled at build time, never written at run time.
    assert "PYTHONDONTWRITEBYTECODE=1" in DOCKERFILE
    assert "compileall" in DOCKERFILE
