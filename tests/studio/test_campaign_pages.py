"""The campaign page: steps, the template editor's live check, CSV preview + import, search."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from coldcraft.store.session import SessionMaker
from tests.fixtures.factories import Account
from tests.fixtures.messages import outbox_campaign

HOSTILE = "<script>alert(1)</script>"


async def _campaign(studio: httpx.AsyncClient, name: str = "Spring") -> str:
    made = await studio.post("/campaigns", data={"name": name, "csrf_token": studio.csrf})  # type: ignore[attr-defined]
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


async def test_steps_and_live_check(studio: httpx.AsyncClient) -> None:
    url = await _campaign(studio)
    csrf = studio.csrf  # type: ignore[attr-defined]
    added = await studio.post(
        url + "/steps", data={"type": "delay", "position": 1, "csrf_token": csrf}
    )
    assert added.status_code == 303
    page = await studio.get(url)
    assert page.status_code == 200
    assert "wait 2 day(s)" in page.text
    email_step = re.search(r'/steps/([0-9a-f-]{36})">Edit template', page.text)
    assert email_step
    step_url = f"{url}/steps/{email_step.group(1)}"
    assert (await studio.get(step_url)).status_code == 200
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    syntax = await studio.post(
        step_url + "/check",
        json={"subject": "Hi", "body": "Hi\n\nthere && friend"},
        headers=headers,
    )
    assert syntax.status_code == 200
    issues = syntax.json()["issues"]
    assert issues[0]["rule"] == "syntax"
    assert issues[0]["line"] == 3
    unknown = await studio.post(
        step_url + "/check", json={"subject": "Hi", "body": "Hi %frist_name%"}, headers=headers
    )
    assert unknown.json()["issues"][0]["rule"] == "merge_field_unknown"
    assert "first_name" in unknown.json()["issues"][0]["message"]
    judged = await studio.post(
        step_url + "/check",
        json={"subject": "Hi %first_name%", "body": "Hi %first_name%, short."},
        headers=headers,
    )
    assert any(i["rule"] == "body_length" for i in judged.json()["issues"])
    no_csrf = await studio.post(
        step_url + "/check", json={"body": "x"}, headers={"Accept": "application/json"}
    )
    assert no_csrf.status_code == 403
    saved = await studio.post(
        step_url,
        data={
            "subject": "Hello %first_name%",
            "body": "Hi %first_name%,\n\nA note.",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 303


async def test_csv_preview_import_skipped_rows_and_search(studio: httpx.AsyncClient) -> None:
    url = await _campaign(studio)
    csrf = studio.csrf  # type: ignore[attr-defined]
    csv = (
        "Email,First Name,Company,Team Size\n"
        f"ada@example.com,{HOSTILE},Analytical,12\n"
        "not-an-email,Bob,Builders,3\n"
        "grace@example.com,Grace,Navy,40\n"
    ).encode()
    preview = await studio.post(
        url + "/prospects/preview",
        data={"csrf_token": csrf},
        files={"file": ("leads.csv", csv, "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    assert "3 row(s)" in preview.text
    assert HOSTILE not in preview.text
    assert "&lt;script&gt;" in preview.text
    assert 'value="custom_fields.team_size" selected' in preview.text
    data = re.search(r'name="data" value="([^"]+)"', preview.text)
    assert data
    form = {"csrf_token": csrf, "data": data.group(1)}
    headers = ["Email", "First Name", "Company", "Team Size"]
    targets = ["email", "first_name", "company", "custom_fields.team_size"]
    body = {**form, "header": headers, "target": targets}
    result = await studio.post(url + "/prospects/import", data=body)
    assert result.status_code == 200, result.text
    assert "2 imported" in result.text
    assert '<td class="num">3</td>' in result.text  # the bad row's line number
    page = await studio.get(url)
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    found = await studio.get(url + "?q=navy")
    assert "grace@example.com" in found.text
    assert "ada@example.com" not in found.text


async def test_linkedin_campaign_steps(studio: httpx.AsyncClient) -> None:
    csrf = studio.csrf  # type: ignore[attr-defined]
    made = await studio.post(
        "/campaigns", data={"name": "LI", "type": "linkedin", "csrf_token": csrf}
    )
    url = made.headers["location"]
    page = await studio.get(url)
    assert page.status_code == 200
    assert 'value="connection_request"' in page.text
    step = re.search(r'/steps/([0-9a-f-]{36})">Edit template', page.text)
    assert step
    editor = await studio.get(f"{url}/steps/{step.group(1)}")
    assert 'id="subject"' not in editor.text  # a connection request has no subject
    checked = await studio.post(
        f"{url}/steps/{step.group(1)}/check",
        json={"subject": "ignored", "body": "Hi %first_name%, glad to connect."},
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
    )
    assert all(i["rule"] != "subject_length" for i in checked.json()["issues"])


async def test_research_is_switched_on_and_off_from_the_campaign_page(
    studio: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    csrf = studio.csrf  # type: ignore[attr-defined]
    url = (await studio.post("/campaigns", data={"name": "R", "csrf_token": csrf})).headers[
        "location"
    ]
    campaign_id = url.rsplit("/", 1)[1]
    page = await studio.post(f"{url}/research", data={"csrf_token": csrf, "research": "true"})
    assert page.status_code == 303
    assert (await api.get(f"/api/campaigns/{campaign_id}")).json()["campaign"]["research"]
    assert 'name="research" value="true" checked' in (await studio.get(url)).text
    await studio.post(f"{url}/research", data={"csrf_token": csrf})  # the box unchecked
    assert not (await api.get(f"/api/campaigns/{campaign_id}")).json()["campaign"]["research"]


async def test_the_quote_page_shows_researchs_model_requests_and_search_calls(
    studio: httpx.AsyncClient,
    api: httpx.AsyncClient,
    app: FastAPI,
    sessionmaker: SessionMaker,
    account: Account,
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    await api.patch(f"/api/campaigns/{box.id}", json={"research": True})
    usual = app.state.settings  # the app is the session's: restored below
    app.state.settings = usual.model_copy(
        update={"search_provider": "tavily", "search_api_key": SecretStr("tvly")}
    )
    try:
        page = (await studio.get(f"/campaigns/{box.id}/steps/{box.ai_node_id}/generate")).text
    finally:
        app.state.settings = usual

    research = page.split("Of which company research", 1)[1].split("</tr>", 1)[0]
    assert "$0.0240" in research  # 3 companies, a Tavily call each ($0.008), offline otherwise
    assert "0 model requests at most" in research
    assert "3 search calls at most" in research
