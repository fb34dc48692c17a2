"""Resources: the judge's rules, a campaign, a skeleton, an export. Each reads the API as the
caller (templates, so the reading function gets the caller's context)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from mcp.server.mcpserver import Context, MCPServer

from coldcraft.campaigns.schemas import CampaignDetail
from coldcraft.chat.schemas import SessionResponse
from coldcraft.lint.schemas import RulesResponse
from coldcraft.mcp_server.client import ApiFactory

EXPORT = "coldcraft://campaigns/{campaign_id}/drafts.csv{?status}"


def export_uri(campaign_id: uuid.UUID, status: str) -> str:
    return f"coldcraft://campaigns/{campaign_id}/drafts.csv?status={status}"


def register(server: MCPServer[Any], api_for: ApiFactory) -> None:
    # A template (the optional `?rule=<id>`): only templates are handed the caller's
    # context, and the thresholds are the caller's workspace's.
    @server.resource(
        "coldcraft://judge/rules{?rule}",
        name="judge_rules",
        description="The judge's rules (ids, what each checks, severity, default threshold) "
        "and the thresholds this workspace's judge applies (house rules included); "
        "`?rule=<id>` for one rule.",
        mime_type="application/json",
    )
    async def judge_rules(ctx: Context[Any, Any], rule: str = "") -> str:
        async with api_for(ctx) as api:
            rules = RulesResponse.model_validate(await api.get("/api/skeletons/rules"))
        if rule:
            rules.rules = [r for r in rules.rules if r.rule == rule]
        return rules.model_dump_json(indent=1)

    @server.resource(
        "coldcraft://campaigns/{campaign_id}",
        name="campaign",
        description="A campaign with its sequence steps and prospects by status.",
        mime_type="application/json",
    )
    async def campaign(ctx: Context[Any, Any], campaign_id: str) -> str:
        async with api_for(ctx) as api:
            detail = CampaignDetail.model_validate(await api.get(f"/api/campaigns/{campaign_id}"))
        return detail.model_dump_json(indent=1)

    @server.resource(
        "coldcraft://sessions/{session_id}/skeleton",
        name="skeleton",
        description="The framework (skeleton) of a chat session: subject, body, AI blocks.",
        mime_type="application/json",
    )
    async def skeleton(ctx: Context[Any, Any], session_id: str) -> str:
        async with api_for(ctx) as api:
            chat = SessionResponse.model_validate(
                await api.get(f"/api/campaigns/ai-chat-sessions/{session_id}")
            ).session
        return json.dumps(chat.skeleton, indent=1)

    @server.resource(
        EXPORT,
        name="drafts_export",
        description="A campaign's messages as CSV (status: draft, pending, sent or all).",
        mime_type="text/csv",
    )
    async def drafts_export(ctx: Context[Any, Any], campaign_id: str, status: str = "all") -> str:
        async with api_for(ctx) as api:
            return await api.get_text(
                f"/api/campaigns/{campaign_id}/generate-messages/export.csv", {"status": status}
            )
