"""The judge as a service: lint a skeleton as the account's judge sees it.

The judge context itself (thresholds + the workspace's house rules) is built by
`coldcraft.context.judge`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.context.judge import judge_context
from coldcraft.context.service import context_service
from coldcraft.lint.schemas import LintRequest, LintResponse, RenderedPreview
from coldcraft.skeletons.judge import JudgeContext, judge_skeleton
from coldcraft.skeletons.schema import Lead, passed
from coldcraft.skeletons.template import render
from coldcraft.store.models import User


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
        return judge_context(
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
