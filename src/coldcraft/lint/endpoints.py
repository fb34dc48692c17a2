from __future__ import annotations

from fastapi import APIRouter

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession
from coldcraft.api.responses import errors
from coldcraft.lint.schemas import LintRequest, LintResponse
from coldcraft.lint.service import lint_service

router = APIRouter(prefix="/api", tags=["skeletons"])


@router.post("/skeletons/lint", response_model=LintResponse, responses=errors(400, 401, 413))
async def lint_skeleton(
    body: LintRequest, session: DBSession, user: CurrentUser, settings: AppSettings
) -> LintResponse:
    """Judge a skeleton and preview it for a sample lead. No LLM call."""
    return await lint_service.lint(session, user, settings, body)
