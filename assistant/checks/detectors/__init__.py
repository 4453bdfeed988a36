"""Manifest detectors, each bound to the document kinds it reads (as kube-linter binds templates to object kinds).

A document detector reads one parsed document of the PR; `kinds` names the kinds it applies to, None meaning every
document (pod specs nest in many kinds, and Helm values files have no kind at all). A review detector reads the whole
PR at once (what it judges spans files: a PVC against the repo's backup schedules, a module against its tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.checks.context import Context
from assistant.checks.detectors import (
    backups,
    cloud,
    conventions,
    databases,
    dependants,
    exposure,
    injection,
    manual,
    modules,
    observability,
    overlaps,
    secrets,
    security,
    storage,
    versions,
    yaml_keys,
)
from assistant.inputs.manifests import Document
from assistant.models import Finding
from assistant.stack.view import Stack

DocumentCheck = Callable[[Context, Document, Stack], list[Finding]]
ReviewCheck = Callable[[Context, Stack], list[Finding]]


@dataclass(frozen=True)
class Detector:
    name: str  # named by its check's definition (checks/definitions/<category>.yaml `detectors:`)
    run: DocumentCheck
    kinds: frozenset[str] | None = None  # None: every document, values files included

    def applies(self, doc: Document) -> bool:
        return self.kinds is None or doc.kind in self.kinds


def _kinds(*names: str) -> frozenset[str]:
    return frozenset(names)


DOCUMENT_DETECTORS: list[Detector] = [
    Detector("committed-secret-values", secrets.committed_values, _kinds("Secret")),
    Detector("encrypted-secret", secrets.encrypted_in_git),
    Detector("ingress-not-route", exposure.ingress, _kinds("Ingress")),
    Detector("values-ingress-not-route", exposure.ingress_in_values, _kinds("", "HelmRelease")),
    Detector("service-type", exposure.service_type, _kinds("Service")),
    Detector("values-service-type", exposure.service_type_in_values, _kinds("", "HelmRelease")),
    Detector("host-network", exposure.host_network),
    Detector("public-raw-listener", exposure.public_raw_listener, _kinds("Gateway")),
    Detector("newly-public", exposure.newly_public, _kinds("HTTPRoute", "Ingress", "", "HelmRelease")),
    Detector("chart-version", versions.chart_version, _kinds("HelmRelease")),
    Detector("image-tag", versions.images),
    Detector("cnpg-single-instance", databases.single_instance, _kinds("Cluster")),
    Detector("cnpg-no-backup", databases.no_backup, _kinds("Cluster")),
    Detector("below-quorum", databases.below_quorum),
    Detector("hostpath-emptydir", storage.hostpath_and_emptydir),
    Detector("uncommitted-config", storage.uncommitted_config, _kinds("")),
    Detector("cloud-host", cloud.cloud_hosts),
    Detector("bundled-subchart", overlaps.bundled_subcharts),
    Detector("monitor-switched-off", observability.monitoring_switched_off),
    Detector("privileged-settings", security.privileged_settings),
    Detector("duplicate-keys", yaml_keys.duplicate_keys),
]

REVIEW_DETECTORS: list[tuple[str, ReviewCheck]] = [
    ("volume-outside-backups", backups.volumes_outside_backups),
    ("tool-overlap", overlaps.tool_overlaps),
    ("untested-module", modules.untested_modules),
    ("broken-convention", conventions.broken_conventions),
    ("removed-while-used", dependants.removed_while_used),
    ("literal-credential", secrets.literal_credentials),
    ("hand-steps", manual.hand_steps),
    ("instructions-to-the-reviewer", injection.instructions),
]


def detector_names() -> list[str]:
    return [d.name for d in DOCUMENT_DETECTORS] + [name for name, _ in REVIEW_DETECTORS]


def _is_new(ctx: Context, doc: Document) -> bool:
    """The change adds this whole document: a new file, or a document whose first line is an added one."""
    changed = ctx.file(doc.path)
    return changed is not None and (changed.status == "added" or doc.line in changed.added_lines)


def run_detectors(ctx: Context, stack: Stack) -> list[Finding]:
    found: list[Finding] = []
    for doc in ctx.docs:
        if not isinstance(doc.data, dict):
            continue
        new_doc = _is_new(ctx, doc)
        for detector in DOCUMENT_DETECTORS:
            if detector.applies(doc):
                # in a document the change only edits, what sits on no added line was there before the change
                found.extend(f for f in detector.run(ctx, doc, stack) if new_doc or f.location is not None)
    for _name, check in REVIEW_DETECTORS:
        found.extend(check(ctx, stack))
    return found
