"""Template steps are checked when saved: a syntax error or an AI block is a 400 with the
position; a merge field no prospect fills is a warning with a did-you-mean and blocks
launch; a bare custom field name (`%industry%`) resolves from the prospect's custom fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.campaigns import create_campaign, create_sender


async def put_email(
    api: httpx.AsyncClient, campaign: dict[str, Any], **content: str
) -> httpx.Response:
    node = campaign["sequence_nodes"][0]
    return await api.put(
        f"/api/campaigns/{campaign['id']}/sequence/nodes/{node['id']}", json=content
    )


@pytest.mark.parametrize(
    ("content", "field", "message", "position"),
    [
        ({"body": "Hi &&open"}, "body", "unclosed AI block '&&'", (1, 4)),
        (
            {"subject": "Hi", "body": "Hi %first_name%,\n\n&&A line on their team&&"},
            "body",
            "an AI block ('&&') has no writer in a template step; use an AI node",
            (3, 1),
        ),
    ],
)
async def test_a_broken_template_is_refused_with_its_position(
    api: httpx.AsyncClient,
    content: dict[str, str],
    field: str,
    message: str,
    position: tuple[int, int],
) -> None:
    campaign = await create_campaign(api)
    response = await put_email(api, campaign, **content)
    assert response.status_code == 400
    error = response.json()["error"]
    line, column = position
    assert error["message"] == f"{field}: line {line}, column {column}: {message}"
    assert error["details"] == [
        {"field": field, "message": message, "line": line, "column": column}
    ]


async def test_unknown_fields_are_warnings_until_a_prospect_has_them(
    api: httpx.AsyncClient,
) -> None:
    sender = await create_sender(api)
    campaign = await create_campaign(api, sender_account_ids=[sender["id"]])
    saved = await put_email(
        api, campaign, subject="Teams in %industry%", body="Hi %frist_name%, a note.\n\nSam"
    )
    assert saved.status_code == 200, saved.text
    warnings = {w["name"]: w for w in saved.json()["warnings"]}
    assert set(warnings) == {"industry", "frist_name"}
    assert warnings["frist_name"]["suggestion"] == "%first_name%"
    assert warnings["frist_name"]["message"] == (
        "unknown merge field %frist_name% at line 1, column 4 (no prospect has it); "
        "did you mean %first_name%?"
    )
    lead = {
        "email": "ada@acme.example",
        "first_name": "Ada",
        "custom_fields": {"industry": "fintech"},
    }
    await api.post(f"/api/campaigns/{campaign['id']}/leads", json={"prospects": [lead]})
    launch = await api.post(f"/api/campaigns/{campaign['id']}/launch")
    assert launch.status_code == 400
    details = launch.json()["error"]["details"]
    blocking = [d for d in details if d["field"] == "sequence_nodes[0].body"]
    assert len(blocking) == 1, details
    assert "%frist_name%" in blocking[0]["message"]

    fixed = await put_email(api, campaign, body="Hi %first_name%, a note.\n\nSam")
    assert fixed.json()["warnings"] == []  # %industry% now resolves: Ada has it
    path = f"/api/campaigns/{campaign['id']}/generate-messages"
    resolved = (await api.post(path, json={"action": "resolve"})).json()
    assert resolved["messages"][0]["subject"] == "Teams in fintech"
    assert (await api.post(f"/api/campaigns/{campaign['id']}/launch")).status_code == 200
