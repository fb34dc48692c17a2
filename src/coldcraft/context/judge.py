"""The judge as one account sees it: the configured thresholds plus the workspace's house rules.

Pure: settings and the stored workspace context in, judge settings out. No database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coldcraft.config import Settings
from coldcraft.skeletons.judge import JudgeContext, JudgeSettings
from coldcraft.skeletons.schema import Lead


def judge_settings(
    settings: Settings, workspace_context: Mapping[str, Any] | None
) -> JudgeSettings:
    """Thresholds from settings, overridden by the workspace context's `house_rules`."""
    house_rules = (workspace_context or {}).get("house_rules")
    return settings.judge.with_house_rules(
        house_rules if isinstance(house_rules, Mapping) else None
    )


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
