"""The judge as one account sees it: the configured thresholds plus the workspace's house rules.

Pure: settings and the stored workspace context in, judge settings out. No database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coldcraft.config import Settings
from coldcraft.skeletons.judge import JudgeContext, JudgeSettings
from coldcraft.skeletons.rules.settings import HOUSE_RULE_KEYS
from coldcraft.skeletons.schema import Lead


def judge_settings(
    settings: Settings, workspace_context: Mapping[str, Any] | None
) -> JudgeSettings:
    """Thresholds from settings, overridden by the workspace context's house rules: the
    keys under `house_rules`, and rule keys written at the top of the context too
    (`{"banned_words": [...]}`, as people write it); `house_rules` wins where both say."""
    context = workspace_context or {}
    nested = context.get("house_rules")
    rules = {k: v for k, v in context.items() if k in HOUSE_RULE_KEYS}
    rules |= dict(nested) if isinstance(nested, Mapping) else {}
    return settings.judge.with_house_rules(rules or None)


def judge_context(
    settings: Settings,
    workspace_context: Mapping[str, Any] | None,
    *,
    sequence_position: int = 0,
    sample_lead: Lead | None = None,
) -> JudgeContext:
    """The judge as one account sees it, for one position in the sequence."""
    return JudgeContext(
        sequence_position=sequence_position,
        settings=judge_settings(settings, workspace_context),
        sample_lead=sample_lead,
    )
