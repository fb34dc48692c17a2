"""The one module that knows every router (one per domain); app.py includes it."""

from __future__ import annotations

from fastapi import APIRouter

from coldcraft.accounts.endpoints import router as accounts_router
from coldcraft.api.health import router as health_router
from coldcraft.campaigns.endpoints import router as campaigns_router
from coldcraft.chat.endpoints import router as chat_router
from coldcraft.context.endpoints import router as context_router
from coldcraft.examples.endpoints import router as examples_router
from coldcraft.lint.endpoints import router as lint_router
from coldcraft.messages.endpoints import router as messages_router
from coldcraft.prospects.endpoints import router as prospects_router
from coldcraft.quotes.endpoints import router as quotes_router
from coldcraft.runs.endpoints import router as runs_router
from coldcraft.senders.endpoints import router as senders_router
from coldcraft.sequences.endpoints import router as sequences_router

api_router = APIRouter()
for router in (
    health_router,
    accounts_router,
    context_router,
    senders_router,
    # Fixed paths under /api/campaigns/ai-chat-sessions must be matched before /{id}.
    chat_router,
    examples_router,
    campaigns_router,
    sequences_router,
    prospects_router,
    messages_router,
    runs_router,
    lint_router,
    quotes_router,
):
    api_router.include_router(router)
