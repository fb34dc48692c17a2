"""The checks that change nothing: judge an email, the judge's rules, the launch gate's
dry run (all open to a `read` key)."""

from __future__ import annotations

import httpx

from coldcraft.skeletons.judge import RULES
from tests.fixtures.campaigns import add_prospect, create_campaign, create_sender, fill_email_node

GOOD = {
    "subject": "Ops hand-offs at Brightpath",
    "body": "Hi Ada,\n\nTeams like yours lose hours a week moving requests between tools by "
    "hand. Relay routes them for you, and most teams are live within a week.\n\n"
    "Would a short call next week be useful?\n\nSid",
}


async def test_judge_email_passes_a_good_email_and_names_the_rules_broken(
    api: httpx.AsyncClient,
) -> None:
    good = (await api.post("/api/emails/judge", json=GOOD)).json()
    assert good["passed"] is True, good
    shouting = {**GOOD, "subject": "FREE MONEY — ACT NOW!!!"}
    bad = (await api.post("/api/emails/judge", json=shouting)).json()
    assert bad["passed"] is False
    assert {"em_dash", "shouting"} <= {issue["rule"] for issue in bad["issues"]}


async def test_judge_email_applies_the_house_rules(api: httpx.AsyncClient) -> None:
    house = {"context": {"house_rules": {"banned_words": ["relay"]}}}
    assert (await api.put("/api/context", json=house)).status_code == 200
    verdict = (await api.post("/api/emails/judge", json=GOOD)).json()
    assert verdict["passed"] is False


async def test_judge_email_rejects_unknown_fields(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/emails/judge", json={**GOOD, "model": "x"})
    assert response.status_code == 400


async def test_rules_list_every_rule_and_this_accounts_thresholds(api: httpx.AsyncClient) -> None:
    house = {"context": {"house_rules": {"subject_max_chars": 40}}}
    assert (await api.put("/api/context", json=house)).status_code == 200
    body = (await api.get("/api/skeletons/rules")).json()
    assert [rule["rule"] for rule in body["rules"]] == list(RULES)
    assert body["thresholds"]["subject_max_chars"] == 40


async def test_launch_check_reports_the_gate_and_changes_nothing(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    path = f"/api/campaigns/{campaign['id']}"
    empty = (await api.post(f"{path}/launch-check")).json()
    assert empty["can_launch"] is False
    assert any("prospect" in p["message"] for p in empty["problems"])

    await fill_email_node(api, campaign)
    await add_prospect(api, campaign["id"])
    sender = await create_sender(api)
    body = {"sender_account_ids": [sender["id"]], "review_policy": "none"}
    assert (await api.patch(path, json=body)).status_code == 200
    ready = (await api.post(f"{path}/launch-check")).json()
    assert ready == {
        "campaign_id": campaign["id"],
        "status": "draft",
        "can_launch": True,
        "problems": [],
    }
    # Like launch, the check resolves the drafts (idempotent); it launches nothing.
    assert (await api.get(f"{path}/generate-messages")).json()["total"] == 1
    assert (await api.get(path)).json()["campaign"]["status"] == "draft"
