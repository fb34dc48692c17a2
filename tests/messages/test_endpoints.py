"""GET/PATCH generate-messages, the CSV export, and launch gating."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
from sqlalchemy import update

from coldcraft.store.models import CampaignProspectMessage
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.campaigns import create_campaign
from tests.fixtures.factories import Account
from tests.fixtures.messages import (
    OutboxCampaign,
    add_prospects,
    example_for,
    list_prospects,
    outbox_campaign,
    prospect,
    set_examples,
)

MESSAGE_FIELDS = {
    "id",
    "campaign_id",
    "prospect_id",
    "node_id",
    "subject",
    "body_text",
    "status",
    "manually_edited",
    "missing_fields",
    "created_at",
    "updated_at",
    "source",
    "model",
    "quality",
    "error",
    "sources",
    "flagged",
    "original_subject",
    "original_body",
    "edited_by",
    "edited_at",
    "review_state",
    "reviewed_by",
    "reviewed_at",
    "review_note",
}


async def _resolved(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, *, prospects: int = 3
) -> tuple[OutboxCampaign, list[dict[str, Any]]]:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=prospects)
    leads = await list_prospects(api, box.id)
    await set_examples(sessionmaker, box.session_id, [example_for(lead) for lead in leads])
    response = await api.post(box.path, json={"action": "resolve"})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return box, messages


async def _set_status(sessionmaker: SessionMaker, message_id: str, status: str) -> None:
    async with unit_of_work(sessionmaker) as session:
        stmt = update(CampaignProspectMessage).where(
            CampaignProspectMessage.id == uuid.UUID(message_id)
        )
        await session.execute(stmt.values(status=status))


# ---- GET ---------------------------------------------------------------------------------


async def test_list_returns_drafts_in_prospect_then_sequence_order(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, _ = await _resolved(api, sessionmaker, account)
    body = (await api.get(box.path)).json()
    assert (body["total"], body["page"], body["limit"]) == (6, 1, 1000)
    assert set(body["messages"][0]) == MESSAGE_FIELDS
    nodes = [m["node_id"] for m in body["messages"]]
    assert nodes == [box.ai_node_id, box.template_id] * 3


async def test_list_filters_by_status_and_prospect(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    await _set_status(sessionmaker, messages[0]["id"], "sent")
    drafts = (await api.get(box.path)).json()
    sent = (await api.get(box.path, params={"status": "sent"})).json()
    everything = (await api.get(box.path, params={"status": "all"})).json()
    assert (drafts["total"], sent["total"], everything["total"]) == (5, 1, 6)
    one = messages[2]["prospect_id"]
    mine = (await api.get(box.path, params={"prospect_id": one})).json()
    assert {m["prospect_id"] for m in mine["messages"]} == {one}
    assert mine["total"] == 2


async def test_list_pages(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    page2 = (await api.get(box.path, params={"page": 2, "limit": 4})).json()
    assert [m["id"] for m in page2["messages"]] == [m["id"] for m in messages[4:]]
    bad = await api.get(box.path, params={"limit": 1001})
    assert bad.status_code == 400
    assert (await api.get(box.path, params={"status": "queued"})).status_code == 400


async def test_a_page_beyond_the_sql_offset_range_is_400_not_500(api: httpx.AsyncClient) -> None:
    # Found by tests/api/test_fuzz.py: (page - 1) * limit overflowed the SQL OFFSET.
    path = f"/api/campaigns/{(await create_campaign(api))['id']}/generate-messages"
    last = await api.get(path, params={"page": 1_000_000})
    assert (last.status_code, last.json()["messages"]) == (200, [])
    response = await api.get(path, params={"page": 10**35})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


# ---- PATCH -------------------------------------------------------------------------------


async def test_edit_sets_manually_edited(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    response = await api.patch(
        box.path,
        json={"message_id": messages[1]["id"], "subject": "New subject", "body_text": "New body"},
    )
    assert response.status_code == 200
    message = response.json()["message"]
    assert (message["subject"], message["body_text"], message["manually_edited"]) == (
        "New subject",
        "New body",
        True,
    )


async def test_edit_of_a_non_draft_message_is_wrong_status(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    await _set_status(sessionmaker, messages[0]["id"], "sent")
    response = await api.patch(box.path, json={"message_id": messages[0]["id"], "body_text": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_status",
        "message": "Message is sent — only unsent messages can be edited",
    }


async def test_edit_needs_a_field_and_a_known_message(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    empty = await api.patch(box.path, json={"message_id": messages[0]["id"]})
    assert empty.status_code == 400
    unknown = await api.patch(box.path, json={"message_id": str(uuid.uuid4()), "body_text": "x"})
    assert unknown.status_code == 404
    server_owned = await api.patch(
        box.path, json={"message_id": messages[0]["id"], "status": "sent"}
    )
    assert server_owned.status_code == 400


async def test_edit_of_another_accounts_message_is_404(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, other_account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    response = await api.patch(
        box.path,
        json={"message_id": messages[0]["id"], "body_text": "x"},
        headers=other_account.headers,
    )
    assert response.status_code == 404


# ---- export ------------------------------------------------------------------------------


async def test_export_is_rfc4180_csv_with_identity_columns(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    response = await api.get(box.path + "/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="coldcraft-messages-{box.id}.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 6
    assert [r["message_id"] for r in rows] == [m["id"] for m in messages]
    follow_up = rows[1]
    assert (follow_up["email"], follow_up["first_name"], follow_up["company"]) == (
        "lead0@example0.com",
        "First0",
        "Company 0",
    )
    assert (follow_up["node_position"], follow_up["node_type"], follow_up["status"]) == (
        "1",
        "email",
        "draft",
    )
    assert follow_up["body"] == messages[1]["body_text"]  # multi-line body survives quoting


async def test_export_filters_by_status(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    await _set_status(sessionmaker, messages[3]["id"], "sent")
    sent = await api.get(box.path + "/export.csv", params={"status": "sent"})
    rows = list(csv.DictReader(io.StringIO(sent.content.decode("utf-8-sig"), newline="")))
    assert [r["message_id"] for r in rows] == [messages[3]["id"]]
    pending = await api.get(box.path + "/export.csv", params={"status": "pending"})
    assert pending.text.count("\r\n") == 1  # the header only


async def test_export_of_another_accounts_campaign_is_404(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, other_account: Account
) -> None:
    box, _ = await _resolved(api, sessionmaker, account, prospects=1)
    response = await api.get(box.path + "/export.csv", headers=other_account.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# ---- launch ------------------------------------------------------------------------------


async def test_launch_moves_drafts_to_pending(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, _ = await _resolved(api, sessionmaker, account)
    response = await api.post(f"/api/campaigns/{box.id}/launch")
    assert response.status_code == 200, response.text
    assert response.json()["campaign"]["status"] == "active"
    pending = (await api.get(box.path, params={"status": "pending"})).json()
    assert pending["total"] == 6
    assert (await api.get(box.path)).json()["total"] == 0


async def test_launch_resolves_first_and_reports_prospects_without_ai_drafts(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, _ = await _resolved(api, sessionmaker, account, prospects=2)
    await add_prospects(api, box.id, [prospect(50)])  # not resolved, no example
    response = await api.post(f"/api/campaigns/{box.id}/launch")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == (
        "Campaign cannot launch: ai node 0: 1 prospect(s) have no message (run generate_ai)"
    )
    assert error["details"] == [
        {"field": "sequence_nodes[0]", "message": error["message"].split(": ", 1)[1]}
    ]
    assert (await api.get(f"/api/campaigns/{box.id}")).json()["campaign"]["status"] == "draft"


async def test_launch_needs_a_skeleton_on_every_ai_node(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, _ = await _resolved(api, sessionmaker, account, prospects=1)
    await api.post(f"/api/campaigns/{box.id}/sequence/nodes", json={"type": "ai"})
    response = await api.post(f"/api/campaigns/{box.id}/launch")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Campaign cannot launch: ai node 2: no framework yet (chat first)"
    )


async def test_export_neutralises_formulas_and_has_a_wide_format(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box, messages = await _resolved(api, sessionmaker, account)
    formula = '=HYPERLINK("http://evil.example","Click")'
    edit = {"message_id": messages[1]["id"], "body_text": formula}
    assert (await api.patch(box.path, json=edit)).status_code == 200

    long = await api.get(box.path + "/export.csv")
    rows = list(csv.DictReader(io.StringIO(long.content.decode("utf-8-sig"), newline="")))
    edited = next(r for r in rows if r["message_id"] == messages[1]["id"])
    assert edited["body"] == "'" + formula  # shown as text, never run
    assert {r["review_state"] for r in rows} == {"unreviewed"}

    wide = await api.get(box.path + "/export.csv", params={"format": "wide"})
    table = list(csv.reader(io.StringIO(wide.content.decode("utf-8-sig"), newline="")))
    header, first = table[0], dict(zip(table[0], table[1], strict=True))
    assert header[:5] == ["email", "linkedin_url", "first_name", "last_name", "company"]
    assert header[5:13] == [
        "step1_subject", "step1_body", "step1_delay_days", "step1_review_state",
        "step2_subject", "step2_body", "step2_delay_days", "step2_review_state",
    ]  # fmt: skip
    assert len(table) == 1 + 3  # one row per prospect
    assert first["step2_body"] == "'" + formula
    assert first["prospect_id"] == messages[1]["prospect_id"]
