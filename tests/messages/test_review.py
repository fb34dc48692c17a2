"""Review: every hand edit is judged and keeps the original, approve / reject / restore by
ids or by filter, the review policy and the launch gate (issue: nothing wrong reaches a
prospect)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.fixtures.campaigns import create_campaign, create_sender, fill_email_node
from tests.fixtures.factories import Account

BAD_EDIT = "Hi %first_name%, revolutionary synergy — guaranteed!!! http://bit.ly/x {{company}}"
PEOPLE = [
    {"email": "ada@acme.example", "first_name": "Ada", "last_name": "L", "company": "Acme"},
    {"email": "bob@globex.example", "first_name": "Bob", "last_name": "M", "company": "Globex"},
    {"email": "cy@initech.example", "last_name": "N", "company": "Initech"},  # no first name
]


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def resolved_campaign(api: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """An email campaign with a sender, one templated email ("Hi %first_name%, ..."), three
    prospects (one without a first name: a missing field) and its drafts resolved."""
    sender = await create_sender(api)
    campaign = await create_campaign(api, sender_account_ids=[sender["id"]], **fields)
    await fill_email_node(api, campaign)
    await ok(await api.post(f"/api/campaigns/{campaign['id']}/leads", json={"prospects": PEOPLE}))
    await ok(await api.post(outbox(campaign), json={"action": "resolve"}))
    return campaign


def outbox(campaign: dict[str, Any]) -> str:
    return f"/api/campaigns/{campaign['id']}/generate-messages"


async def messages(api: httpx.AsyncClient, campaign: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The campaign's messages by the prospect's email-less key: the rendered greeting."""
    listed = await ok(await api.get(outbox(campaign), params={"status": "all"}))
    return {m["body_text"].split(",")[0]: m for m in listed["messages"]}


async def edit(
    api: httpx.AsyncClient, campaign: dict[str, Any], message: dict[str, Any], body: str
) -> dict[str, Any]:
    sent = {"message_id": message["id"], "body_text": body}
    edited: dict[str, Any] = (await ok(await api.patch(outbox(campaign), json=sent)))["message"]
    return edited


async def act(
    api: httpx.AsyncClient, campaign: dict[str, Any], action: str, *messages: dict[str, Any]
) -> httpx.Response:
    body = {"action": action, "message_ids": [m["id"] for m in messages]}
    return await api.post(outbox(campaign), json=body)


async def launch(api: httpx.AsyncClient, campaign: dict[str, Any]) -> httpx.Response:
    return await api.post(f"/api/campaigns/{campaign['id']}/launch")


async def test_a_hand_edit_is_judged_and_keeps_the_original(
    api: httpx.AsyncClient, account: Account
) -> None:
    campaign = await resolved_campaign(api)
    before = (await messages(api, campaign))["Hi Ada"]
    assert (before["flagged"], before["review_state"]) == (False, "unreviewed")

    edited = await edit(api, campaign, before, BAD_EDIT)
    assert edited["quality"]["passed"] is False
    rules = {issue["rule"] for issue in edited["quality"]["issues"]}
    assert {"em_dash", "unresolved_placeholder", "example_rendered"} <= rules
    assert edited["missing_fields"] == ["first_name", "company"]
    assert edited["flagged"] is True
    assert (edited["original_subject"], edited["original_body"]) == (
        before["subject"],
        before["body_text"],
    )
    assert edited["edited_by"] == account.user.email
    assert edited["edited_at"] is not None

    # A second edit that passes clears the flag; the original stays the machine's.
    fine = "Hi Ada,\n\nA short note on onboarding at Acme. Would a call next week help?\n\nSam"
    again = (
        await ok(
            await api.patch(outbox(campaign), json={"message_id": before["id"], "body_text": fine})
        )
    )["message"]
    assert again["original_body"] == before["body_text"]
    assert again["missing_fields"] == []


async def test_restore_brings_back_the_machine_text_and_its_verdict(
    api: httpx.AsyncClient,
) -> None:
    campaign = await resolved_campaign(api)
    before = (await messages(api, campaign))["Hi Ada"]
    await ok(
        await api.patch(outbox(campaign), json={"message_id": before["id"], "body_text": BAD_EDIT})
    )
    await ok(
        await api.post(outbox(campaign), json={"action": "approve", "message_ids": [before["id"]]})
    )
    result = await ok(
        await api.post(outbox(campaign), json={"action": "restore", "message_ids": [before["id"]]})
    )
    assert (result["matched"], result["changed"]) == (1, 1)
    after = (await messages(api, campaign))["Hi Ada"]
    assert (after["body_text"], after["subject"]) == (before["body_text"], before["subject"])
    assert (after["quality"], after["missing_fields"]) == (before["quality"], [])
    assert (after["manually_edited"], after["flagged"]) == (False, False)
    assert (after["original_body"], after["edited_by"]) == (None, None)
    assert after["review_state"] == "unreviewed"


async def test_a_campaign_with_a_bad_edit_does_not_launch(api: httpx.AsyncClient) -> None:
    """The edit that once launched with `quality: passed` now blocks, with the reasons."""
    campaign = await resolved_campaign(api, review_policy="none")
    ada = (await messages(api, campaign))["Hi Ada"]
    await ok(
        await api.patch(outbox(campaign), json={"message_id": ada["id"], "body_text": BAD_EDIT})
    )
    refused = await launch(api, campaign)
    assert refused.status_code == 400
    [tokens] = refused.json()["error"]["details"]
    assert tokens["field"] == "messages.unresolved_token"
    assert (tokens["count"], tokens["message_ids"]) == (1, [ada["id"]])
    # Rejecting it is the other way out: a rejected message is never sent.
    await ok(
        await api.post(outbox(campaign), json={"action": "reject", "message_ids": [ada["id"]]})
    )
    await ok(await launch(api, campaign))
    after = await messages(api, campaign)
    assert after[BAD_EDIT.split(",")[0]]["status"] == "draft"  # skipped: never pending
    assert after["Hi Bob"]["status"] == "pending"


async def test_missing_fields_block_launch_until_reviewed(
    api: httpx.AsyncClient, account: Account
) -> None:
    campaign = await resolved_campaign(api)
    found = await messages(api, campaign)
    cy = found["Hi"]  # "Hi %first_name%," with no first name renders "Hi,"
    assert (cy["missing_fields"], cy["flagged"]) == (["first_name"], True)
    refused = await launch(api, campaign)
    assert refused.status_code == 400
    [review] = refused.json()["error"]["details"]
    assert review == {
        "field": "messages.review",
        "message": (
            "1 flagged message(s) await review (review_policy flagged: fix, approve or reject them)"
        ),
        "count": 1,
        "message_ids": [cy["id"]],
    }
    approve = {"action": "approve", "filter": {"flagged": True}, "note": "Cy prefers no name"}
    result = await ok(await api.post(outbox(campaign), json=approve))
    assert (result["matched"], result["changed"]) == (1, 1)
    again = await ok(await api.post(outbox(campaign), json=approve))
    assert (again["matched"], again["changed"]) == (1, 0)  # nothing new
    approved = (await messages(api, campaign))["Hi"]
    assert (approved["review_state"], approved["reviewed_by"]) == ("approved", account.user.email)
    assert approved["review_note"] == "Cy prefers no name"
    await ok(await launch(api, campaign))


async def test_policy_all_needs_every_draft_reviewed_and_none_needs_none(
    api: httpx.AsyncClient,
) -> None:
    campaign = await resolved_campaign(api, review_policy="all")
    assert campaign["review_policy"] == "all"
    refused = await launch(api, campaign)
    assert [d["count"] for d in refused.json()["error"]["details"]] == [3]
    ids = [m["id"] for m in (await messages(api, campaign)).values()]
    await ok(await api.post(outbox(campaign), json={"action": "approve", "message_ids": ids[:2]}))
    refused = await launch(api, campaign)
    assert [d["count"] for d in refused.json()["error"]["details"]] == [1]
    patched = await ok(
        await api.patch(f"/api/campaigns/{campaign['id']}", json={"review_policy": "none"})
    )
    assert patched["campaign"]["review_policy"] == "none"
    await ok(await launch(api, campaign))


async def test_a_paused_campaign_can_be_reviewed_and_resume_re_runs_the_gate(
    api: httpx.AsyncClient,
) -> None:
    campaign = await resolved_campaign(api, review_policy="none")
    await ok(await launch(api, campaign))
    await ok(await api.post(f"/api/campaigns/{campaign['id']}/pause"))
    bob = (await messages(api, campaign))["Hi Bob"]
    assert bob["status"] == "pending"
    await ok(
        await api.patch(outbox(campaign), json={"message_id": bob["id"], "body_text": BAD_EDIT})
    )
    refused = await api.post(f"/api/campaigns/{campaign['id']}/resume")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("Campaign cannot resume: 1 message(s)")
    await ok(
        await api.post(outbox(campaign), json={"action": "reject", "message_ids": [bob["id"]]})
    )
    rejected = next(m for m in (await messages(api, campaign)).values() if m["id"] == bob["id"])
    assert (rejected["status"], rejected["review_state"]) == ("draft", "rejected")
    resumed = await ok(await api.post(f"/api/campaigns/{campaign['id']}/resume"))
    assert resumed["campaign"]["status"] == "active"
    active = await ok(
        await api.post(outbox(campaign), json={"action": "approve", "message_ids": [bob["id"]]}),
        400,
    )
    assert active["error"]["code"] == "wrong_status"


async def test_a_selection_is_ids_or_a_filter(api: httpx.AsyncClient) -> None:
    campaign = await resolved_campaign(api)
    both = {"action": "approve", "message_ids": [], "filter": {}}
    assert (await api.post(outbox(campaign), json=both)).status_code == 400
    neither = {"action": "reject"}
    assert (await api.post(outbox(campaign), json=neither)).status_code == 400
    unknown = {"action": "approve", "filter": {"colour": "red"}}
    assert (await api.post(outbox(campaign), json=unknown)).status_code == 400


async def test_ids_of_another_account_select_nothing_and_change_nothing(
    api: httpx.AsyncClient, app: FastAPI, other_account: Account
) -> None:
    campaign = await resolved_campaign(api)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=other_account.headers
    ) as other:
        theirs = await resolved_campaign(other)
        their_messages = await messages(other, theirs)
        one = next(iter(their_messages.values()))
        selections: list[dict[str, Any]] = [
            {"filter": {"node_id": one["node_id"]}},
            {"filter": {"prospect_id": one["prospect_id"]}},
            {"message_ids": [one["id"]]},
        ]
        for selection in selections:
            body = {"action": "reject", **selection}
            answer = await ok(await api.post(outbox(campaign), json=body))
            assert (answer["matched"], answer["changed"]) == (0, 0)
        assert await messages(other, theirs) == their_messages


async def test_the_summary_and_the_filters_agree(api: httpx.AsyncClient) -> None:
    campaign = await resolved_campaign(api)
    bob = (await messages(api, campaign))["Hi Bob"]
    await edit(api, campaign, bob, BAD_EDIT)

    summary = await ok(await api.get(outbox(campaign) + "/summary"))
    assert (summary["total"], summary["flagged"], summary["edited"]) == (3, 2, 1)
    assert (summary["awaiting_review"], summary["review_policy"]) == (2, "flagged")
    assert summary["by_status"] == {"draft": 3}
    assert summary["by_review"] == {"unreviewed": 3}
    assert summary["by_source"] == {"template": 3}
    assert summary["by_missing_field"] == {"first_name": 2, "company": 1}
    assert summary["by_rule"]["em_dash"] == 1
    assert summary["by_rule"]["unresolved_placeholder"] == 1

    async def listed(**params: str) -> list[str]:
        page = await ok(await api.get(outbox(campaign), params={"status": "all", **params}))
        return sorted(m["id"] for m in page["messages"])

    assert await listed(rule="em_dash") == [bob["id"]]
    assert await listed(missing_field="company") == [bob["id"]]
    assert len(await listed(missing_field="first_name")) == 2
    # A name matches whole elements only, never a part of a longer one.
    assert await listed(missing_field="name") == []
    assert await listed(missing_field="first") == []
    assert await listed(rule="em") == []
    assert len(await listed(flagged="true")) == 2
    assert await listed(edited="true") == [bob["id"]]
    assert await listed(rule="no_such_rule") == []

    approve = {"action": "approve", "filter": {"rule": "em_dash"}}
    assert (await ok(await api.post(outbox(campaign), json=approve)))["changed"] == 1
    assert await listed(review="approved") == [bob["id"]]
    summary = await ok(await api.get(outbox(campaign) + "/summary", params={"flagged": "true"}))
    assert (summary["total"], summary["by_review"]) == (2, {"approved": 1, "unreviewed": 1})
    assert summary["awaiting_review"] == 1
