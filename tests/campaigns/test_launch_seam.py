"""The launch seam other domains extend: every check runs, problems are reported together,
hooks run after the checks pass and before the campaign leaves draft."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns import service as campaigns
from coldcraft.campaigns.service import LaunchProblem
from coldcraft.store.models import Campaign, SequenceNode
from tests.fixtures.campaigns import add_prospect, create_campaign, fill_email_node


async def _always_missing(
    session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode]
) -> list[LaunchProblem]:
    return [LaunchProblem("extra", f"extra check saw {len(nodes)} nodes")]


async def test_an_added_check_blocks_launch_with_the_built_in_ones(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(campaigns, "launch_checks", [*campaigns.launch_checks, _always_missing])
    campaign = await create_campaign(api)
    response = await api.post(f"/api/campaigns/{campaign['id']}/launch")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details[0] == {"field": "prospects", "message": "add at least one prospect"}
    assert details[-1] == {"field": "extra", "message": "extra check saw 2 nodes"}


async def test_hooks_run_while_the_campaign_is_still_draft(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def record(session: AsyncSession, campaign: Campaign) -> None:
        seen.append(campaign.status)

    # Only the two built-in checks (prospects, node content): other domains append theirs.
    monkeypatch.setattr(campaigns, "launch_checks", campaigns.launch_checks[:2])
    monkeypatch.setattr(campaigns, "launch_hooks", [record])
    campaign = await create_campaign(api)
    await fill_email_node(api, campaign)
    await add_prospect(api, campaign["id"])
    response = await api.post(f"/api/campaigns/{campaign['id']}/launch")
    assert response.status_code == 200
    assert seen == ["draft"]
    assert response.json()["campaign"]["status"] == "active"


async def test_hooks_do_not_run_when_a_check_fails(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def record(session: AsyncSession, campaign: Campaign) -> None:
        seen.append(campaign.status)

    monkeypatch.setattr(campaigns, "launch_hooks", [record])
    campaign = await create_campaign(api)
    assert (await api.post(f"/api/campaigns/{campaign['id']}/launch")).status_code == 400
    assert seen == []
