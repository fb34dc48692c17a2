"""The judge as a service: lint a skeleton as the account's judge sees it.

The judge context itself (thresholds + the workspace's house rules) is built by
`coldcraft.context.judge`.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns import access as campaign_access
from coldcraft.campaigns.launch import launch_service
from coldcraft.config import Settings
from coldcraft.context.judge import judge_context
from coldcraft.context.service import context_service
from coldcraft.lint.schemas import (
    JudgeEmailRequest,
    JudgeEmailResponse,
    LaunchCheck,
    LaunchCheckProblem,
    LintRequest,
    LintResponse,
    RenderedPreview,
    RuleOut,
    RulesResponse,
)
from coldcraft.messages.service import message_service
from coldcraft.sequences.service import sequence_service
from coldcraft.skeletons.judge import RULES, JudgeContext, judge_email, judge_skeleton
from coldcraft.skeletons.schema import Lead, passed
from coldcraft.skeletons.template import render
from coldcraft.store.models import User
from coldcraft.store.session import SessionMaker, reading


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

    async def judge_email(
        self, session: AsyncSession, user: User, settings: Settings, request: JudgeEmailRequest
    ) -> JudgeEmailResponse:
        ctx = await self.judge_context(
            session, user, settings, sequence_position=request.sequence_position
        )
        issues = judge_email(request.subject, request.body, ctx)
        return JudgeEmailResponse(passed=passed(issues), issues=issues)

    async def rules(self, session: AsyncSession, user: User, settings: Settings) -> RulesResponse:
        ctx = await self.judge_context(session, user, settings)
        return RulesResponse(
            rules=[RuleOut.model_validate(dataclasses.asdict(info)) for info in RULES.values()],
            thresholds=dataclasses.asdict(ctx.settings),
        )

    async def launch_check(
        self, sessions: SessionMaker, user: User, campaign_id: uuid.UUID
    ) -> LaunchCheck:
        """The launch gate's verdict without launching: resolve the drafts as launch does
        (in chunks, idempotent: what `resolve` does), then every launch check, read only."""
        async with reading(sessions) as session:
            status = (await campaign_access.get_owned(session, user, campaign_id)).status
        problems = []
        if status == "draft":  # launch refuses any other status before its checks
            await message_service.resolve_in_chunks(
                sessions, user, campaign_id, action="check the launch"
            )
            async with reading(sessions) as session:
                campaign = await campaign_access.get_owned(session, user, campaign_id)
                nodes = await sequence_service.list_nodes(session, campaign.id)
                problems = await launch_service.problems(session, campaign, nodes)
        return LaunchCheck(
            campaign_id=campaign_id,
            status=status,
            can_launch=status == "draft" and not problems,
            problems=[LaunchCheckProblem.model_validate(p.detail()) for p in problems],
        )


def _preview(template: str, lead: Lead | None) -> str:
    """The template rendered for the sample lead, AI blocks shown as `[AI: instruction]`."""
    blocks = render(template, lead).ai_blocks
    return render(template, lead, ai_texts=[f"[AI: {b}]" for b in blocks]).text


lint_service = LintService()
