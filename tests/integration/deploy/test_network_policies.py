"""The NetworkPolicies, evaluated: which pod of the rendered overlay may open a connection to
which other pod's port, as a cluster enforcing them would decide (same namespace, pod
selectors, ports). Deny-all first, then exactly the paths docs/deploy.md lists."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cinemesh.composition import SERVICE_NAMES
from cinemesh.platform.client_address import TrustedProxies
from tests.integration.deploy.manifests import Rendered, pod_templates, selects

HTTP = 8080
Labels = dict[str, str]


def _peer_allows(peers: list[dict[str, Any]] | None, labels: Labels) -> bool:
    """A rule's `from`/`to` list: absent allows every peer; a peer with a namespaceSelector
    names pods of other namespaces, never a pod of ours."""
    if peers is None:
        return True
    return any(
        "podSelector" in peer
        and "namespaceSelector" not in peer
        and "ipBlock" not in peer
        and selects(peer["podSelector"].get("matchLabels", {}), labels)
        for peer in peers
    )


def _port_allows(ports: list[dict[str, Any]] | None, port: int) -> bool:
    return ports is None or any(p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports)


def _allowed(policies: list[dict[str, Any]], direction: str, pod: Labels, peer: Labels, port: int) -> bool:
    """Kubernetes' rule: a pod no policy of this direction selects is open; one that some
    policy selects is open only to what one of those policies' rules allows."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    applying = [
        p["spec"]
        for p in policies
        if direction in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"].get("matchLabels", {}), pod)
    ]
    if not applying:
        return True
    return any(
        _peer_allows(rule.get(peers_key), peer) and _port_allows(rule.get("ports"), port)
        for spec in applying
        for rule in spec.get(key, [])
    )


def reachable(manifests: Rendered, source: str, target: str, port: int = HTTP) -> bool:
    labels = {d["metadata"]["name"]: t["metadata"]["labels"] for d, t in pod_templates(manifests)}
    policies = manifests.of_kind("NetworkPolicy")
    return _allowed(policies, "Egress", labels[source], labels[target], port) and _allowed(
        policies, "Ingress", labels[target], labels[source], port
    )


@pytest.mark.parametrize("target", ["base", "scaled", "embedded"])
def test_everything_is_denied_first(rendered: dict[str, Rendered], target: str) -> None:
    deny = rendered[target].named("NetworkPolicy", "default-deny-all")["spec"]
    assert deny["podSelector"] == {}
    assert sorted(deny["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny and "egress" not in deny


def test_the_gateway_reaches_every_service_and_every_service_reaches_users(
    rendered: dict[str, Rendered],
) -> None:
    manifests = rendered["scaled"]
    for name in SERVICE_NAMES:
        assert reachable(manifests, "gateway", name), f"gateway -> {name}"
        if name != "users":
            assert reachable(manifests, name, "users"), f"{name} -> users (JWKS)"


def test_no_other_path_between_pods_is_open(rendered: dict[str, Rendered]) -> None:
    manifests = rendered["scaled"]
    names = [d["metadata"]["name"] for d in manifests.of_kind("Deployment")]
    allowed = {(s, t) for s in names for t in names if s != t and reachable(manifests, s, t)}
    expected = {("gateway", n) for n in SERVICE_NAMES} | {(n, "users") for n in SERVICE_NAMES if n != "users"}
    assert allowed == expected
    # Nothing reaches the worker, on any port it might open.
    for name in names:
        for port in (HTTP, 5432, 9092):
            assert name == "worker" or not reachable(manifests, name, "worker", port)


def test_without_its_policy_a_path_is_closed(rendered: dict[str, Rendered]) -> None:
    """The evaluator can say no: drop services -> users and catalog no longer reaches users."""
    manifests = rendered["scaled"]
    kept = [r for r in manifests.resources if r["metadata"]["name"] != "services-to-users"]
    assert len(kept) == len(manifests.resources) - 1
    assert not reachable(Rendered("scaled", "", kept), "catalog", "users")


def test_datastores_are_reachable_from_every_pod(rendered: dict[str, Rendered]) -> None:
    manifests = rendered["scaled"]
    policies = manifests.of_kind("NetworkPolicy")
    outside: Labels = {"app": "postgresql"}
    for deployment, template in pod_templates(manifests):
        for port in (5432, 9092, 6379, 443):
            assert _allowed(policies, "Egress", template["metadata"]["labels"], outside, port), (
                f"{deployment['metadata']['name']} -> :{port}"
            )
        assert not _allowed(policies, "Egress", template["metadata"]["labels"], outside, 22)


def test_the_edge_reaches_the_gateway_only(rendered: dict[str, Rendered]) -> None:
    for target, entry in (("scaled", "gateway"), ("embedded", "cinemesh")):
        manifests = rendered[target]
        policies = manifests.of_kind("NetworkPolicy")
        edge: Labels = {"app.kubernetes.io/component": "edge"}
        for deployment, template in pod_templates(manifests):
            name = deployment["metadata"]["name"]
            opened = _allowed(policies, "Ingress", template["metadata"]["labels"], edge, HTTP)
            assert opened == (name == entry), f"{target}: edge -> {name}"


def test_behind_the_edge_the_gateway_reads_the_client_from_x_forwarded_for(
    rendered: dict[str, Rendered],
) -> None:
    """Only the edge reaches the gateway (above), so the overlays trust the pod network's proxies:
    the client's own address counts in the rate limits, not the ingress controller's."""
    for target in ("scaled", "embedded"):
        config = rendered[target].named("ConfigMap", "cinemesh-config")["data"]
        proxies = TrustedProxies(json.loads(config["CINEMESH_GATEWAY_TRUSTED_PROXIES"]))
        scope = {"client": ("10.42.0.7", 51000), "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9")]}
        assert proxies.client(scope) == "203.0.113.9", target  # the hop the ingress appended
        assert proxies.client({"client": ("203.0.113.9", 1), "headers": scope["headers"]}) == "203.0.113.9"
