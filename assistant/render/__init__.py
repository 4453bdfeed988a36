"""Renderers of a Verdict: text (Rich), Markdown, JSON (the contract)."""
