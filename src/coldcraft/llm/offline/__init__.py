"""The offline model: a deterministic, rule-based stand-in for a provider (see model.py).

- model.py: the `FunctionModel` and its dispatch (framework agent or writer);
- framework.py: composing and editing a skeleton from the brief;
- draft.py: the recipes a skeleton is drafted from;
- writer.py: writing each AI block for a lead.
"""

from coldcraft.llm.offline.model import offline_model, respond, user_text

__all__ = ["offline_model", "respond", "user_text"]
