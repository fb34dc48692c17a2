from __future__ import annotations

import uuid

from fastapi import APIRouter

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession, DetachedUser, Sessions
from coldcraft.api.responses import errors
from coldcraft.lint.schemas import (
    JudgeEmailRequest,
    JudgeEmailResponse,
    LaunchCheck,
    LintRequest,
    LintResponse,
    RulesResponse,
)
from coldcraft.lint.service import lint_service

router = APIRouter(prefix="/api", tags=["skeletons"])


@router.post("/skeletons/lint", response_model=LintResponse, responses=errors(400, 401, 413))
async def lint_skeleton(
    body: LintRequest, session: DBSession, user: CurrentUser, settings: AppSettings
) -> LintResponse:
    """Judge a skeleton and preview it for a sample lead. No LLM call."""
    return await lint_service.lint(session, user, settings, body)


@router.post("/emails/judge", response_model=JudgeEmailResponse, responses=errors(400, 401, 413))
async def judge_email(
    body: JudgeEmailRequest, session: DBSession, user: CurrentUser, settings: AppSettings
) -> JudgeEmailResponse:
    """Judge a written email (subject and body) with this account's house rules. No LLM call."""
    return await lint_service.judge_email(session, user, settings, body)


@router.get("/skeletons/rules", response_model=RulesResponse, responses=errors(400, 401))
async def judge_rules(
    session: DBSession, user: CurrentUser, settings: AppSettings
) -> RulesResponse:
    """The judge's rules (ids, what each checks, severity) and this account's thresholds."""
    return await lint_service.rules(session, user, settings)


@router.post(
    "/campaigns/{campaign_id}/launch-check",
    response_model=LaunchCheck,
    responses=errors(400, 401, 404),
)
async def launch_check(
    campaign_id: uuid.UUID, sessions: Sessions, user: DetachedUser
) -> LaunchCheck:
    """What launching would say now, without launching: the drafts are resolved as launch
    resolves them (in chunks), then every check runs."""
    return await lint_service.launch_check(sessions, user, campaign_id)
