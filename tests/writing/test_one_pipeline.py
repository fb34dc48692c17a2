"""Examples and campaign drafts are one writer pipeline: for the same lead, skeleton and
sequence position, a generate-examples item and a generate_ai draft send the model the same
request, byte for byte (instructions and user message)."""

from __future__ import annotations

from typing import Any

import httpx

from coldcraft.llm.context import read_section
from coldcraft.store.session import SessionMaker
from tests.fixtures.factories import Account
from tests.fixtures.messages import list_prospects, outbox_campaign, recording_writer
from tests.fixtures.runs import wait_for_run

# Lead fields of a prospect (its `name` is the lead's `full_name`).
LEAD_FIELDS = {
    "id": "id",
    "first_name": "first_name",
    "last_name": "last_name",
    "name": "full_name",
    "email": "email",
    "company": "company",
    "position": "position",
    "headline": "headline",
    "linkedin_url": "linkedin_url",
    "custom_fields": "custom_fields",
}


def as_example_lead(prospect: dict[str, Any]) -> dict[str, Any]:
    """The prospect as a client would send it to generate-examples."""
    return {lead: prospect[field] for field, lead in LEAD_FIELDS.items() if prospect.get(field)}


async def started_run(response: httpx.Response, sessionmaker: SessionMaker) -> None:
    assert response.status_code == 202, response.text
    run = await wait_for_run(sessionmaker, response.json()["runId"], timeout=60)
    assert run.status == "completed", run.error


async def test_an_example_and_a_draft_for_one_lead_send_byte_identical_requests(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    # A templated email first, the AI node second: the AI email is a follow-up that must
    # acknowledge the first touch as this lead received it.
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=6, ai_position=1)
    resolved = await api.post(box.path, json={"action": "resolve"})  # the first touch stored
    assert resolved.status_code == 200, resolved.text
    lead = next(p for p in await list_prospects(api, box.id) if p.get("custom_fields"))
    with recording_writer() as writer:
        draft = await api.post(
            box.path,
            json={"action": "generate_ai", "node_id": box.ai_node_id, "prospect_ids": [lead["id"]]},
        )
        await started_run(draft, sessionmaker)
        example = await api.post(
            f"/api/campaigns/ai-chat-sessions/{box.session_id}/generate-examples",
            json={"leads": [as_example_lead(lead)]},
        )
        await started_run(example, sessionmaker)

    draft_request, example_request = writer.prompts[lead["email"]]
    assert example_request == draft_request
    earlier = read_section(draft_request, "earlier_touches")
    first_touch = next(
        m
        for m in (await api.get(box.path, params={"status": "all"})).json()["messages"]
        if m["prospect_id"] == lead["id"] and m["node_id"] == box.template_id
    )
    assert earlier == [
        {"type": "email", "subject": first_touch["subject"], "body": first_touch["body_text"]}
    ]
    assert lead["custom_fields"]["project"] in first_touch["body_text"]  # rendered for this lead
