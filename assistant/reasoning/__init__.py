"""Reasoning: the offline engine, the LLM chain, prompts, and the guardrails between them."""
