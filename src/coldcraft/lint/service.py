"""The judge as a service: thresholds from settings + the workspace's house rules, and lint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.context.service import context_service
from coldcraft.lint.schemas import LintRequest, LintResponse, RenderedPreview
from coldcraft.skeletons.judge import JudgeContext, JudgeSettings, judge_skeleton
from coldcraft.skeletons.schema import Lead, passed
from coldcraft.skeletons.template import render
from coldcraft.store.models import User


def judge_settings(
    settings: Settings, workspace_context: Mapping[str, Any] | None
) -> JudgeSettings:
    """Thresholds from settings, overridden by the workspace context's `house_rules`."""
    base = JudgeSettings(
        subject_max_chars=settings.subject_max_chars,
        subject_warn_chars=settings.subject_warn_chars,
        first_touch_min_words=settings.first_touch_min_words,
        first_touch_max_words=settings.first_touch_max_words,
        first_touch_warn_words=settings.first_touch_warn_words,
        follow_up_min_words=settings.follow_up_min_words,
        follow_up_max_words=settings.follow_up_max_words,
        readability_min=settings.readability_min,
    )
    house_rules = (workspace_context or {}).get("house_rules")
    return base.with_house_rules(house_rules if isinstance(house_rules, Mapping) else None)


def judge_context_from(
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


class LintService:
    async def judge_context(
        self,
        session: AsyncSession,
        user: User,
        settings: Settings,
        *,
        sequence_position: int = 0,
        sample_lead: Lead | None = None,
    ) -> JudgeContext:
        """The judge as this account sees it (its house rules applied)."""
        workspace = await context_service.get_context(session, user)
        return judge_context_from(
            settings, workspace, sequence_position=sequence_position, sample_lead=sample_lead
        )

    async def lint(
        self, session: AsyncSession, user: User, settings: Settings, request: LintRequest
    ) -> LintResponse:
        ctx = await self.judge_context(
            session,
            user,
            settings,
            sequence_position=request.sequence_position,
            sample_lead=request.sample_lead,
        )
        issues = judge_skeleton(request.skeleton, ctx)
        return LintResponse(
            passed=passed(issues),
            issues=issues,
            rendered=RenderedPreview(
                subject=_preview(request.skeleton.subject, request.sample_lead),
                body=_preview(request.skeleton.body, request.sample_lead),
            ),
        )


def _preview(template: str, lead: Lead | None) -> str:
    """The template rendered for the sample lead, AI blocks shown as `[AI: instruction]`."""
    blocks = render(template, lead).ai_blocks
    return render(template, lead, ai_texts=[f"[AI: {b}]" for b in blocks]).text


lint_service = LintService()
