"""Proposals worded as a need ("a password manager for the family") meet the repo's incumbent; the framework's
examples are said in this repo's terms or left out. Real reviews on small repos written to a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings, data_dir
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Verdict
from assistant.pipeline import review_text
from assistant.stack.catalog import load_catalog
from assistant.stack.needs import NeedLexicon
from tests.conftest import discovered, write_tree

CATALOG_PATH = data_dir("knowledge") / "roles.yaml"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("We need a shared password manager for the family.", "password-manager"),
        ("Somewhere to keep our container images close to the cluster.", "registry"),
        ("Every app's volume should be backed up each night.", "backup"),
        ("I want to know when one of the sites stops answering.", "uptime"),
        ("One place that collects all the blog feeds I follow.", "rss-reader"),
        ("Put a central login with single sign-on in front of the apps.", "identity"),
    ],
)
def test_need_words_reach_their_role(text: str, role: str) -> None:
    lexicon = NeedLexicon.of(load_catalog(CATALOG_PATH))
    assert [n.role for n in lexicon.find(text)][:1] == [role]


def test_a_need_already_met_or_denied_is_no_need() -> None:
    lexicon = NeedLexicon.of(load_catalog(CATALOG_PATH))
    assert lexicon.find("Keep using our existing backups for it.") == []
    assert lexicon.find("It has no password manager integration.") == []


COMPOSE = "services:\n  vaultwarden:\n    image: vaultwarden/server:1.32.0\n"


def _review(root: Path, files: dict[str, str], proposal: str) -> Verdict:
    inventory = discovered(write_tree(root, files))
    settings = Settings(index_dir=root / ".none", repo=root, llm="off")
    return review_text(proposal, settings, ref="t", knowledge=Knowledge(settings, inventory=inventory))


def _overlaps(v: Verdict) -> list[str]:
    return [f.message for f in v.findings if f.category == "overlap"]


def test_a_need_meets_the_incumbent_and_only_it(tmp_path: Path) -> None:
    need = "We need a shared password manager for the family, with browser extensions."
    found = _overlaps(_review(tmp_path / "a", {"vaultwarden/compose.yaml": COMPOSE}, need))
    assert len(found) == 1 and "Vaultwarden (vaultwarden/compose.yaml:3)" in found[0] and "password manager" in found[0]
    # the need met by the incumbent, by name: reuse
    reuse = need + " Add the family's accounts to Vaultwarden."
    assert _overlaps(_review(tmp_path / "b", {"vaultwarden/compose.yaml": COMPOSE}, reuse)) == []
    # a repo that runs no password manager has no incumbent to name
    nginx = {"other/compose.yaml": "services:\n  x:\n    image: nginx:1\n"}
    assert _overlaps(_review(tmp_path / "c", nginx, need)) == []
    # a proposal that names the tool it adds is judged by that tool's roles, not by its need words
    named = "Deploy Immich for the family photos and a password manager later."
    assert all("password" not in m for m in _overlaps(_review(tmp_path / "d", {"v/compose.yaml": COMPOSE}, named)))


def test_framework_examples_name_only_this_repos_tools(tmp_path: Path) -> None:
    proposal = "Add a small service that converts uploads; it runs one replica and keeps no data."
    verdict = _review(tmp_path / "a", {"vaultwarden/compose.yaml": COMPOSE}, proposal)
    said = " ".join(verdict.questions + verdict.challenges)
    assert "Dragonfly" not in said and "Redis" not in said  # the framework's example names tools never run here
    dragonfly = "services:\n  cache:\n    image: docker.dragonflydb.io/dragonflydb/dragonfly:v1.21\n"
    verdict = _review(tmp_path / "b", {"cache/compose.yaml": dragonfly}, proposal)
    assert any("Dragonfly" in q for q in verdict.questions)  # where Dragonfly runs, the example is about this repo


def test_a_self_hosted_connector_makes_its_service_the_house_choice(tmp_path: Path) -> None:
    proposal = "New app: its database password comes from 1Password through an ExternalSecret, like the other apps."
    connect = "services:\n  connect:\n    image: 1password/connect-api:1.7.3\n"
    with_connector = _review(tmp_path / "a", {"op/compose.yaml": connect}, proposal)
    assert not [f for f in with_connector.findings if f.category == "cloud-only"]
    without = _review(tmp_path / "b", {"other/compose.yaml": COMPOSE}, proposal)
    assert [f.component for f in without.findings if f.category == "cloud-only"]


def test_a_tool_added_is_not_assumed_to_fill_its_conditional_roles(tmp_path: Path) -> None:
    garage = "services:\n  garage:\n    image: dxflrs/garage:v1.0.1\n"
    verdict = _review(tmp_path, {"s3/compose.yaml": garage}, "Deploy Rook-Ceph for replicated block volumes.")
    assert not [m for m in _overlaps(verdict) if "Garage" in m]  # Rook-Ceph is S3 only with a CephObjectStore


def test_the_repos_own_entry_path_is_the_house_pattern(tmp_path: Path) -> None:
    proposal = "Deploy Vaultwarden on srv-prod-1 behind Traefik with a Let's Encrypt certificate."
    traefik = {"proxy/compose.yaml": "services:\n  traefik:\n    image: traefik:v3.1\n"}
    verdict = _review(tmp_path / "a", traefik, proposal)
    assert not [f for f in verdict.findings if f.category == "network-exposure"]
    envoy = {"gw/helmrelease.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: eg\n"
             "spec:\n  chart:\n    spec:\n      chart: gateway-helm\n"}  # fmt: skip
    verdict = _review(tmp_path / "b", envoy, proposal)
    assert [f for f in verdict.findings if f.category == "network-exposure"]  # Traefik is no entry path there


def test_a_control_plane_vip_is_no_overlap_with_the_service_load_balancer(tmp_path: Path) -> None:
    pool = "apiVersion: cilium.io/v2alpha1\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: lb\n"
    cilium = {"net/cilium.yaml": pool}
    proposal = "Add kube-vip as a static pod on the control-plane nodes to give the API server a floating VIP."
    assert not [m for m in _overlaps(_review(tmp_path, cilium, proposal)) if "Cilium" in m]


def test_a_questions_need_words_name_the_repos_tool_for_the_search(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"vaultwarden/compose.yaml": COMPOSE})
    settings = Settings(index_dir=tmp_path / ".none", repo=root, llm="off")
    knowledge = Knowledge(settings, inventory=discovered(root))
    # a two-word need ("password vault") adds the incumbent's name; the question is kept as written before it
    question = "Which database does the team password vault keep its data in?"
    assert knowledge.expand(question) == f"{question} Vaultwarden"
    # one word names a role too loosely; a question that already names the tool is left alone
    assert knowledge.expand("Where are the passwords?") == "Where are the passwords?"
    assert knowledge.expand("Does the Vaultwarden password vault have backups?").count("Vaultwarden") == 1
    # with no index the repo is searched by keyword: the incumbent's name the need adds finds its compose file,
    # which the question's own words do not
    assert knowledge.retrieval == "keyword"
    assert knowledge.search(question, sources={"repo"}) == []
    hits = knowledge.search_question(question, sources={"repo"})
    assert [h.chunk.path for h in hits] == ["vaultwarden/compose.yaml"]
