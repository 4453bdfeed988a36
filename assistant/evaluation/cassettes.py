"""LLM-mode evals against recorded cassettes (vcrpy): replay in CI with the network closed, re-record on demand.

A cassette folder holds one cassette per case and `settings.json`, the model settings they were recorded with
(the request body names the model and its limits, and requests are matched on method, path and body)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.config import Settings

RERECORD = "re-record with `make eval-record` (it starts ../shared/tools/local-llm)"
RECORDED_KEYS = ("openai_base_url", "model", "structured_output", "max_tokens", "temperature")


def cassette_name(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", case_id) + ".yaml"


def settings_for_cassettes(settings: Settings, folder: Path, record: bool) -> Settings:
    """Recording: the configured LLM (its settings are saved). Replaying: the saved settings, offline network."""
    meta = folder / "settings.json"
    if record:
        if not settings.llm_configured:
            from assistant.errors import AssistantError

            raise AssistantError(
                "recording needs an LLM", "set OPENAI_BASE_URL (e.g. `../shared/tools/local-llm start`)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({k: getattr(settings, k) for k in RECORDED_KEYS}, indent=2) + "\n")
        return settings.model_copy(update={"max_retries": 0})
    if not meta.is_file():
        from assistant.errors import AssistantError

        raise AssistantError(f"no recorded cassettes in {folder}", RERECORD)
    saved: dict[str, Any] = json.loads(meta.read_text())
    return settings.model_copy(update={**saved, "llm": "auto", "openai_api_key": "replay", "max_retries": 0})


def _redact_body(text: str) -> str:
    """A JSON body is redacted string by string (a prompt inside a JSON string is read as the text it is, not as
    one quoted value); anything else as text. Unchanged bodies keep their exact bytes, so matching is unaffected."""
    from assistant.redaction import redact_data, redact_text

    try:
        data = json.loads(text)
    except ValueError:
        return redact_text(text)
    clean = redact_data(data)
    return text if clean == data else json.dumps(clean, separators=(",", ":"), ensure_ascii=False)


def redact_request(request: Any) -> Any:
    """vcrpy's before_record_request: a request body is saved (and matched) redacted. Prompts are redacted when
    rendered, so this changes nothing unless something bypassed that; it is the cassette's own boundary."""
    body = request.body
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        clean = _redact_body(text)
        if clean != text:
            request.body = clean.encode("utf-8") if isinstance(body, bytes) else clean
    return request


def redact_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy's before_record_response: a secret a model echoes back is not saved either."""
    body = response.get("body", {})
    raw = body.get("string")
    if raw:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        clean = _redact_body(text)
        if clean != text:
            body["string"] = clean.encode("utf-8") if isinstance(raw, bytes) else clean
    return response


def recorder(folder: Path, record: bool) -> Any:
    """vcrpy set up the one way this project records: matched on method, path and body, secrets filtered (headers
    dropped, bodies redacted), and in replay (record mode `none`) an unrecorded request fails instead of reaching
    the network."""
    import vcr

    return vcr.VCR(
        before_record_request=redact_request,
        before_record_response=redact_response,
        cassette_library_dir=str(folder),
        record_mode="all" if record else "none",
        match_on=["method", "path", "body"],
        filter_headers=["authorization", "api-key", "x-api-key", "openai-organization", "cookie", "set-cookie"],
        decode_compressed_response=True,
    )


@contextmanager
def cassette(folder: Path, case_id: str, record: bool) -> Iterator[Any]:
    with recorder(folder, record).use_cassette(cassette_name(case_id)) as cas:
        yield cas
