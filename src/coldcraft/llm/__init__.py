"""The LLM layer: models from settings, the framework agent, the per-lead writer.

Pure: no database, no FastAPI. Services call `resolve_model`, `run_framework_turn` and
`write_email`; provider failures surface as `LLMError`.
"""

from coldcraft.llm.errors import LLMError
from coldcraft.llm.models import ModelDescription, ResolvedModel, describe_models, resolve_model
from coldcraft.llm.usage import Usage

__all__ = [
    "LLMError",
    "ModelDescription",
    "ResolvedModel",
    "Usage",
    "describe_models",
    "resolve_model",
]
