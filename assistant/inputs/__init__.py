"""Inputs: proposal text, diffs and manifests, turned into artifacts the checks read."""
