"""Deterministic evidence: each check's metadata is a YAML file in definitions/, its logic a small predicate."""

from assistant.checks.registry import CheckSpec, load_checks, run_checks

__all__ = ["CheckSpec", "load_checks", "run_checks"]
