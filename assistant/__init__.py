"""Review Assistant: architecture reviews for GitOps homelabs, grounded in the operator's framework."""

__version__ = "0.1.0"
