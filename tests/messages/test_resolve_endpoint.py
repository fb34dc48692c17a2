"""POST generate-messages {"action": "resolve"}: templates, examples, idempotency."""

from __future__ import annotations

from typing import Any

import httpx

from coldcraft.store.session import SessionMaker
from tests.fixtures.campaigns import add_node, create_campaign
from tests.fixtures.factories import Account
from tests.fixtures.messages import (
    OutboxCampaign,
    add_prospects,
    example_for,
    insert_ai_rows,
    list_prospects,
    outbox_campaign,
    prospect,
    set_examples,
)

RESOLVE = {"action": "resolve"}


async def _resolve(api: httpx.AsyncClient, box: OutboxCampaign) -> dict[str, Any]:
    response = await api.post(box.path, json=RESOLVE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _by_node(messages: list[dict[str, Any]], node_id: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["node_id"] == node_id]


async def test_resolve_renders_the_template_node_for_every_prospect(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=10)
    body = await _resolve(api, box)
    follow_ups = _by_node(body["messages"], box.template_id)
    assert len(follow_ups) == 10
    first = follow_ups[0]  # prospect 0: first name, custom field "project"
    assert first["subject"] == "Re: Company 0"
    assert first["body_text"] == (
        "Hi First0,\n\nFollowing up on my note about Project 0. Worth a look?\n\nSam, Seller Inc"
    )
    assert first["missing_fields"] == []
    assert (first["status"], first["manually_edited"], first["source"]) == (
        "draft",
        False,
        "template",
    )


async def test_a_missing_field_without_fallback_is_tidied_and_listed(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=4)
    body = await _resolve(api, box)
    no_first_name = _by_node(body["messages"], box.template_id)[3]  # prospect 3
    assert no_first_name["body_text"].startswith("Hi,\n\nFollowing up on my note about onboarding.")
    assert no_first_name["missing_fields"] == ["first_name"]


async def test_resolve_response_has_counts_and_the_drafts(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    body = await _resolve(api, box)
    assert body["total"] == 3
    assert body["truncated"] is False
    counts = body["counts"]
    assert (counts["prospects"], counts["written"], counts["unchanged"]) == (3, 3, 0)
    nodes = {n["type"]: (n["position"], n["messages"], n["missing"]) for n in counts["nodes"]}
    assert nodes == {"ai": (0, 0, 3), "email": (1, 3, 0)}


async def test_resolve_twice_changes_nothing(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=5)
    first = await _resolve(api, box)
    second = await _resolve(api, box)
    assert second["counts"]["written"] == 0
    assert second["counts"]["unchanged"] == 5
    assert second["messages"] == first["messages"]  # same ids, same updated_at


async def test_template_changes_reach_unedited_drafts_but_never_edited_ones(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    messages = (await _resolve(api, box))["messages"]
    edited = messages[0]
    patch = await api.patch(
        box.path, json={"message_id": edited["id"], "body_text": "My own words."}
    )
    assert patch.status_code == 200
    await api.put(
        f"/api/campaigns/{box.id}/sequence/nodes/{box.template_id}",
        json={"body": "Hello %first_name|friend%, one more thing."},
    )
    body = await _resolve(api, box)
    assert body["counts"]["written"] == 2
    texts = [m["body_text"] for m in body["messages"]]
    assert texts == [
        "My own words.",
        "Hello First1, one more thing.",
        "Hello First2, one more thing.",
    ]
    assert body["messages"][0]["manually_edited"] is True


async def test_examples_are_copied_by_prospect_id(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    leads = await list_prospects(api, box.id)
    await set_examples(sessionmaker, box.session_id, [example_for(leads[1])])
    body = await _resolve(api, box)
    ai = _by_node(body["messages"], box.ai_node_id)
    assert [m["prospect_id"] for m in ai] == [leads[1]["id"]]
    assert ai[0]["subject"] == "Example for First1 Last1"
    assert (ai[0]["source"], ai[0]["model"]) == ("example", "offline")
    assert ai[0]["quality"] == {"passed": True, "issues": []}
    assert body["unmatched_examples"] == []


async def test_examples_fall_back_to_the_normalised_name_and_company(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    person = prospect(0, first_name="José", last_name="García", company="Åcme  Corp")
    await add_prospects(api, box.id, [person])
    example = example_for(
        {"first_name": "  jose ", "last_name": "GARCIA", "company": "acme corp"},
        lead_id="name:jose garcia",
    )
    await set_examples(sessionmaker, box.session_id, [example])
    body = await _resolve(api, box)
    assert len(_by_node(body["messages"], box.ai_node_id)) == 1
    assert body["unmatched_examples"] == []


async def test_prospects_sharing_a_name_and_company_each_get_their_own_row(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    twins = [prospect(i, first_name="Ada", last_name="Lovelace", company="Acme") for i in range(2)]
    await add_prospects(api, box.id, twins)
    lead = {"first_name": "Ada", "last_name": "Lovelace", "company": "Acme"}
    await set_examples(
        sessionmaker, box.session_id, [example_for(lead, lead_id="name:ada lovelace")]
    )
    body = await _resolve(api, box)
    ai = _by_node(body["messages"], box.ai_node_id)
    assert len({m["prospect_id"] for m in ai}) == 2
    assert len({m["id"] for m in ai}) == 2


async def test_an_example_bound_to_a_prospect_id_is_not_given_to_a_namesake(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    twins = [prospect(i, first_name="Ada", last_name="Lovelace") for i in range(2)]
    await add_prospects(api, box.id, twins)
    leads = await list_prospects(api, box.id)
    await set_examples(sessionmaker, box.session_id, [example_for(leads[1])])
    ai = _by_node((await _resolve(api, box))["messages"], box.ai_node_id)
    assert [m["prospect_id"] for m in ai] == [leads[1]["id"]]


async def test_unmatched_and_failed_examples_are_reported_not_dropped(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=2)
    stranger = example_for(
        {"first_name": "Nobody", "last_name": "Here"}, lead_id="name:nobody here"
    )
    leads = await list_prospects(api, box.id)
    failed = {
        **example_for(leads[0]),
        "body": None,
        "error": {"code": "upstream_error", "message": "boom"},
    }
    await set_examples(sessionmaker, box.session_id, [stranger, failed])
    body = await _resolve(api, box)
    assert body["unmatched_examples"] == [
        {
            "lead_id": "name:nobody here",
            "name": "Nobody Here",
            "company": None,
            "reason": "the example's lead has no company, and a name alone never matches",
            "error": None,
        }
    ]
    assert [e["lead_id"] for e in body["skipped_examples"]] == [leads[0]["id"]]
    assert body["skipped_examples"][0]["error"]["code"] == "upstream_error"
    assert _by_node(body["messages"], box.ai_node_id) == []


async def test_an_example_fills_a_failed_ai_draft_but_never_replaces_a_good_one(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=2)
    leads = await list_prospects(api, box.id)
    await insert_ai_rows(sessionmaker, box, leads[:1])
    failed = {"body_text": "", "error": {"code": "upstream_error", "message": "x"}}
    await insert_ai_rows(sessionmaker, box, leads[1:], **failed)
    await set_examples(sessionmaker, box.session_id, [example_for(lead) for lead in leads])
    ai = _by_node((await _resolve(api, box))["messages"], box.ai_node_id)
    assert [(m["source"], m["error"]) for m in ai] == [("ai", None), ("example", None)]
    assert ai[0]["body_text"].startswith("Earlier draft")


async def test_resolve_needs_a_draft_campaign(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=1)
    leads = await list_prospects(api, box.id)
    await set_examples(sessionmaker, box.session_id, [example_for(leads[0])])
    assert (await api.post(f"/api/campaigns/{box.id}/launch")).status_code == 200
    response = await api.post(box.path, json=RESOLVE)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_status",
        "message": "Campaign is active — must be draft to generate messages",
    }


async def test_another_accounts_campaign_is_404(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, other_account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    response = await api.post(box.path, json=RESOLVE, headers=other_account.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_unknown_action_or_field_is_400(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    for body in ({"action": "send"}, {"action": "resolve", "extra": 1}, {}):
        response = await api.post(box.path, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_request"


async def test_linkedin_nodes_render_without_a_subject(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api, type="linkedin", name="LinkedIn outbox")
    first = campaign["sequence_nodes"][0]["id"]
    url = f"/api/campaigns/{campaign['id']}"
    await api.put(f"{url}/sequence/nodes/{first}", json={"body": "Hi %first_name|there%!"})
    await add_node(api, campaign["id"], type="message", body="Thanks, %first_name|friend%.")
    lead = {"linkedin_url": "https://www.linkedin.com/in/ada/", "first_name": "Ada"}
    await api.post(
        f"{url}/leads", json={"prospects": [lead, {"linkedin_url": "linkedin.com/in/x"}]}
    )
    body = (await api.post(f"{url}/generate-messages", json=RESOLVE)).json()
    shapes = [(m["subject"], m["body_text"]) for m in body["messages"]]
    assert shapes == [
        (None, "Hi Ada!"),
        (None, "Thanks, Ada."),
        (None, "Hi there!"),
        (None, "Thanks, friend."),
    ]


async def test_an_example_for_one_sarah_lee_is_not_copied_onto_another_companys(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    """Two prospects named Sarah Lee (Globex, CFO; Acme, Head of Ops), one example for the
    Sarah Lee at Acme: only the Acme prospect gets it. With only the Globex one, nobody does,
    and the report says where the namesake works."""
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    sarahs = [
        prospect(0, first_name="Sarah", last_name="Lee", company="Globex", position="CFO"),
        prospect(1, first_name="Sarah", last_name="Lee", company="Acme", position="Head of Ops"),
    ]
    await add_prospects(api, box.id, sarahs)
    lead = {"first_name": "Sarah", "last_name": "Lee", "company": "Acme"}
    await set_examples(sessionmaker, box.session_id, [example_for(lead, lead_id="name:sarah lee")])
    leads = {p["company"]: p["id"] for p in await list_prospects(api, box.id)}
    body = await _resolve(api, box)
    assert [m["prospect_id"] for m in _by_node(body["messages"], box.ai_node_id)] == [leads["Acme"]]

    deleted = await api.request(
        "DELETE", f"/api/campaigns/{box.id}/leads", json={"prospect_ids": [leads["Acme"]]}
    )
    assert deleted.status_code == 200, deleted.text
    body = await _resolve(api, box)
    assert _by_node(body["messages"], box.ai_node_id) == []
    [report] = body["unmatched_examples"]
    assert report["reason"] == "no Sarah Lee at Acme: the prospects with that name are at Globex"
