"""modelpromote: GitOps model versioning and promotion for LLM-backed products."""

__version__ = "0.1.0"
