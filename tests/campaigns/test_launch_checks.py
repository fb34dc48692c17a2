"""`campaigns.launch`: every precondition (campaigns' own and the outbox's) runs and all
problems come back together; the outbox's drafts move to pending only once every check
passed, while the campaign is still draft."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.messages.service import message_service
from coldcraft.store.models import Campaign
from tests.fixtures.campaigns import add_node, create_campaign, sendable_campaign


def _record_move_to_pending(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    move = message_service.move_to_pending

    async def record(session: AsyncSession, campaign: Campaign) -> None:
        seen.append(campaign.status)
        await move(session, campaign)

    monkeypatch.setattr(message_service, "move_to_pending", record)
    return seen


async def test_campaign_and_outbox_problems_are_reported_together(
    api: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(api)
    await add_node(api, campaign["id"], type="ai")  # no chat yet: no framework
    response = await api.post(f"/api/campaigns/{campaign['id']}/launch")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == (
        "Campaign cannot launch: add at least one prospect; email node 0: subject is empty; "
        "email node 0: body is empty; "
        "an email campaign needs a sender (its emails are signed and sent by one); "
        "ai node 1: no framework yet (chat first)"
    )
    assert error["details"] == [
        {"field": "prospects", "message": "add at least one prospect"},
        {"field": "sequence_nodes[0].subject", "message": "email node 0: subject is empty"},
        {"field": "sequence_nodes[0].body", "message": "email node 0: body is empty"},
        {
            "field": "sender_account_ids",
            "message": "an email campaign needs a sender (its emails are signed and sent by one)",
        },
        {"field": "sequence_nodes[1]", "message": "ai node 1: no framework yet (chat first)"},
    ]
    detail = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
    assert detail["campaign"]["status"] == "draft"


async def test_drafts_move_to_pending_while_the_campaign_is_still_draft(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _record_move_to_pending(monkeypatch)
    campaign = await sendable_campaign(api)
    response = await api.post(f"/api/campaigns/{campaign['id']}/launch")
    assert response.status_code == 200
    assert seen == ["draft"]
    assert response.json()["campaign"]["status"] == "active"


async def test_drafts_do_not_move_when_a_check_fails(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _record_move_to_pending(monkeypatch)
    campaign = await create_campaign(api)
    assert (await api.post(f"/api/campaigns/{campaign['id']}/launch")).status_code == 400
    assert seen == []
