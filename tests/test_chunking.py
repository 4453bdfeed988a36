from assistant.knowledge_base.chunking import chunk_file

MARKDOWN = """# Resizing Volumes

Intro line.

## Indication

The volume is full.

```bash
# not a heading
kubectl get pvc
```

## Remediation

Grow the PVC.
"""


def test_markdown_is_chunked_by_heading_with_stable_ids_and_lines() -> None:
    outline, *chunks = chunk_file(MARKDOWN, "docs/runbooks/resize.md").chunks
    assert outline.id == "repo:docs/runbooks/resize.md#outline"  # the document's headings, for whole-doc questions
    assert outline.text.startswith("Resizing Volumes\n  Indication\n  Remediation")
    assert [c.id for c in chunks] == [
        "repo:docs/runbooks/resize.md#resizing-volumes",
        "repo:docs/runbooks/resize.md#indication",
        "repo:docs/runbooks/resize.md#remediation",
    ]
    assert chunks[1].section == "Resizing Volumes > Indication"
    assert chunks[1].lines == (5, 13) and "kubectl get pvc" in chunks[1].text
    assert [c.id for c in chunk_file(MARKDOWN, "docs/runbooks/resize.md").chunks][1:] == [c.id for c in chunks]


def test_multi_document_yaml_is_split_by_resource() -> None:
    text = """apiVersion: v1
kind: Namespace
metadata:
  name: paperless
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: paperless-db
  namespace: paperless
spec: {}
"""
    result = chunk_file(text, "kubernetes/apps/paperless/app.yaml")
    assert not result.malformed
    ids = [c.id for c in result.chunks]
    assert ids == [
        "repo:kubernetes/apps/paperless/app.yaml#namespace/paperless",
        "repo:kubernetes/apps/paperless/app.yaml#externalsecret/paperless-db",
    ]
    assert result.chunks[1].lines == (6, 11)
    assert result.chunks[1].extra == {
        "k8s_kind": "ExternalSecret",
        "k8s_name": "paperless-db",
        "k8s_namespace": "paperless",
        "api_version": "external-secrets.io/v1",
    }


def test_malformed_yaml_is_indexed_as_text_and_flagged() -> None:
    result = chunk_file("key: [unclosed\n  - x: : :\n", "broken.yaml")
    assert result.malformed and len(result.chunks) == 1 and "unclosed" in result.chunks[0].text


def test_hcl_is_chunked_by_block() -> None:
    text = 'variable "name" {\n  type = string\n}\n\nresource "aws_ssm_parameter" "this" {\n  name = var.name\n}\n'
    chunks = chunk_file(text, "infrastructure/modules/ssm/main.tf").chunks
    assert [c.section for c in chunks] == ["variable.name", "resource.aws_ssm_parameter.this"]
    assert chunks[1].lines == (5, 7)


def _long_rule_file(alerts: int) -> str:
    head = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: garage-alerts\n"
    head += "  namespace: garage\nspec:\n  groups:\n    - name: garage\n      rules:\n"
    rule = (
        "        - alert: GarageAlert{n}\n"
        "          expr: garage_metric_{n} > {n}\n"
        "          for: 10m\n"
        "          labels:\n"
        "            severity: warning\n"
        "          annotations:\n"
        "            summary: Garage condition number {n} held for ten minutes on a storage node\n"
    )
    return head + "".join(rule.format(n=n) for n in range(alerts))


def test_a_long_yaml_resource_is_split_into_parts_at_list_items() -> None:
    text = _long_rule_file(60)
    path = "kubernetes/platform/config/garage/prometheus-rules.yaml"
    chunks = chunk_file(text, path).chunks
    assert len(chunks) >= 5
    assert chunks[0].id == f"repo:{path}#prometheusrule/garage-alerts"
    assert [c.id for c in chunks[1:3]] == [
        f"repo:{path}#prometheusrule/garage-alerts~part2",
        f"repo:{path}#prometheusrule/garage-alerts~part3",
    ]
    lines = text.split("\n")
    for chunk in chunks:
        assert chunk.extra["k8s_kind"] == "PrometheusRule" and chunk.section == "PrometheusRule garage/garage-alerts"
        assert len(chunk.text) < 2400 + 300
        first, last = chunk.lines
        assert chunk.text == "\n".join(lines[first - 1 : last]).strip()  # the line range is the part's own
    assert all(c.text.startswith("- alert: GarageAlert") for c in chunks[1:])  # cut where a rule opens
    assert [c.lines[0] for c in chunks[1:]] == [c.lines[1] + 1 for c in chunks[:-1]]  # no line lost or repeated
    assert chunks[-1].lines[1] == len(text.rstrip("\n").split("\n"))
    assert [c.id for c in chunk_file(text, path).chunks] == [c.id for c in chunks]  # stable


def test_a_short_yaml_resource_stays_whole() -> None:
    chunks = chunk_file(_long_rule_file(3), "rules.yaml").chunks
    assert [c.id for c in chunks] == ["repo:rules.yaml#prometheusrule/garage-alerts"]
