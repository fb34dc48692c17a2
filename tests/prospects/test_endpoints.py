"""POST/GET/PATCH/DELETE /api/campaigns/{id}/leads."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from coldcraft.store.models import Prospect
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.prospects import (
    add_leads,
    create_campaign,
    lead,
    list_leads,
    set_campaign_status,
)


def leads_url(campaign_id: str) -> str:
    return f"/api/campaigns/{campaign_id}/leads"


async def post_leads(api: httpx.AsyncClient, campaign_id: str, leads: list[Any]) -> httpx.Response:
    return await api.post(leads_url(campaign_id), json={"prospects": leads})


async def delete_leads(api: httpx.AsyncClient, campaign_id: str, body: Any) -> httpx.Response:
    return await api.request("DELETE", leads_url(campaign_id), json=body)


# ---- add ---------------------------------------------------------------------------


async def test_duplicates_in_the_batch_and_against_existing_rows_are_counted(
    api: httpx.AsyncClient,
) -> None:
    campaign_id = await create_campaign(api)
    first = await add_leads(api, campaign_id, [lead(1), lead(2), lead(1)])
    assert first == {"imported": 2, "duplicates": 1}
    second = await add_leads(api, campaign_id, [lead(2, email="LEAD2@Example.com "), lead(3)])
    assert second == {"imported": 1, "duplicates": 1}
    page = await list_leads(api, campaign_id)
    assert [p["email"] for p in page["prospects"]] == [
        "lead1@example.com",
        "lead2@example.com",
        "lead3@example.com",
    ]


async def test_the_first_of_duplicate_rows_in_a_batch_wins(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(1, company="First"), lead(1, company="Second")])
    (prospect,) = (await list_leads(api, campaign_id))["prospects"]
    assert prospect["company"] == "First"


async def test_prospect_has_the_documented_shape(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(1, custom_fields={"tier": "gold", "seats": 40})])
    (prospect,) = (await list_leads(api, campaign_id))["prospects"]
    assert set(prospect) == {
        "id",
        "campaign_id",
        "status",
        "email",
        "linkedin_url",
        "first_name",
        "last_name",
        "name",
        "company",
        "position",
        "headline",
        "custom_fields",
        "source",
        "created_at",
    }
    assert prospect["campaign_id"] == campaign_id
    assert (prospect["status"], prospect["source"]) == ("pending", "api")
    assert prospect["name"] == "First1 Last1"
    assert prospect["custom_fields"] == {"tier": "gold", "seats": 40}


async def test_name_is_kept_when_given_and_full_name_is_accepted(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(1, name="Dr. One"), lead(2, full_name="Mx. Two")])
    names = [p["name"] for p in (await list_leads(api, campaign_id))["prospects"]]
    assert names == ["Dr. One", "Mx. Two"]


@pytest.mark.parametrize(
    ("campaign_type", "row", "message"),
    [
        ("email", {"first_name": "No Email"}, "prospects[2]: email is required"),
        ("email", {"email": "   "}, "prospects[2]: email is required"),
        ("email", {"email": "not-an-email"}, "prospects[2]: email is not a valid email address"),
        ("linkedin", {"email": "a@x.io"}, "prospects[2]: linkedin_url is required"),
        ("linkedin", {"linkedin_url": "no url"}, "prospects[2]: linkedin_url is not a valid URL"),
    ],
)
async def test_a_bad_row_is_400_naming_its_index_and_nothing_is_written(
    api: httpx.AsyncClient, campaign_type: str, row: dict[str, Any], message: str
) -> None:
    campaign_id = await create_campaign(api, type=campaign_type)
    good = [
        {"email": f"g{i}@x.io", "linkedin_url": f"https://linkedin.com/in/g{i}"} for i in range(4)
    ]
    response = await post_leads(api, campaign_id, [good[0], good[1], row, good[3]])
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalid_request", message)
    assert error["details"][0]["field"].startswith("prospects[2].")
    assert (await list_leads(api, campaign_id))["total"] == 0


@pytest.mark.parametrize("count", [0, 1001])
async def test_batch_size_outside_1_to_1000_is_400(api: httpx.AsyncClient, count: int) -> None:
    campaign_id = await create_campaign(api)
    response = await post_leads(api, campaign_id, [lead(i) for i in range(count)])
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "prospects"


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"first_name": "x" * 201}, "prospects[0].first_name"),
        ({"name": "x" * 201}, "prospects[0].name"),
        ({"company": "x" * 501}, "prospects[0].company"),
        ({"headline": "x" * 501}, "prospects[0].headline"),
        ({"custom_fields": {f"k{i}": i for i in range(51)}}, "prospects[0].custom_fields"),
        ({"custom_fields": {"k" * 65: 1}}, "prospects[0].custom_fields"),
        ({"custom_fields": {"k": "v" * 1001}}, "prospects[0].custom_fields"),
        ({"custom_fields": {"k": {"nested": 1}}}, "prospects[0].custom_fields.k"),
        ({"status": "sent"}, "prospects[0].status"),
        ({"id": str(uuid.uuid4())}, "prospects[0].id"),
    ],
)
async def test_field_limits_and_unknown_fields_are_400(
    api: httpx.AsyncClient, fields: dict[str, Any], bad_field: str
) -> None:
    campaign_id = await create_campaign(api)
    response = await post_leads(api, campaign_id, [lead(0, **fields)])
    assert response.status_code == 400
    fields_named = [d["field"] for d in response.json()["error"]["details"]]
    assert any(f.startswith(bad_field) for f in fields_named), fields_named


async def test_values_at_the_limits_are_accepted(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    custom = {f"k{i:02d}" + "k" * 61: "v" * 1000 for i in range(50)}
    row = lead(0, first_name="x" * 200, company="c" * 500, custom_fields=custom)
    assert await add_leads(api, campaign_id, [row]) == {"imported": 1, "duplicates": 0}
    (prospect,) = (await list_leads(api, campaign_id))["prospects"]
    assert prospect["name"] == "x" * 200  # the derived name fits its column too


async def test_linkedin_campaign_dedups_on_the_normalised_url(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api, type="linkedin")
    rows = [
        {"linkedin_url": "https://www.linkedin.com/in/jane-doe/?trk=abc"},
        {"linkedin_url": "http://LinkedIn.com/in/Jane-Doe"},
        {"linkedin_url": "www.linkedin.com/in/jane-doe#top", "email": "jane@x.io"},
        {"linkedin_url": "https://www.linkedin.com/in/john"},
    ]
    assert await add_leads(api, campaign_id, rows) == {"imported": 2, "duplicates": 2}
    stored = [p["linkedin_url"] for p in (await list_leads(api, campaign_id))["prospects"]]
    assert stored == ["https://www.linkedin.com/in/jane-doe", "https://www.linkedin.com/in/john"]


async def test_a_thousand_leads_import_quickly(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    rows = [lead(i, custom_fields={"n": i}) for i in range(1000)]
    started = time.perf_counter()
    assert await add_leads(api, campaign_id, rows) == {"imported": 1000, "duplicates": 0}
    again = await add_leads(api, campaign_id, rows)
    assert time.perf_counter() - started < 5
    assert again == {"imported": 0, "duplicates": 1000}


async def test_concurrent_imports_of_the_same_leads_count_duplicates_honestly(
    api: httpx.AsyncClient,
) -> None:
    campaign_id = await create_campaign(api)
    rows = [lead(i) for i in range(200)]
    results = await asyncio.gather(*(post_leads(api, campaign_id, rows) for _ in range(3)))
    bodies = [r.json() for r in results]
    assert all(r.status_code == 200 for r in results), bodies
    assert sum(b["imported"] for b in bodies) == 200
    assert sum(b["duplicates"] for b in bodies) == 400
    assert (await list_leads(api, campaign_id))["total"] == 200


# ---- list --------------------------------------------------------------------------


async def test_paging_follows_import_order(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(i) for i in range(5)])
    page = await list_leads(api, campaign_id, page=2, limit=2)
    assert [p["email"] for p in page["prospects"]] == ["lead2@example.com", "lead3@example.com"]
    assert (page["total"], page["page"], page["limit"]) == (5, 2, 2)
    assert (await list_leads(api, campaign_id, page=4, limit=2))["prospects"] == []
    assert (await list_leads(api, campaign_id))["limit"] == 100


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"page": 0}, {"page": "x"}])
async def test_bad_paging_parameters_are_400(
    api: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    campaign_id = await create_campaign(api)
    response = await api.get(leads_url(campaign_id), params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_a_page_beyond_the_sql_offset_range_is_400_not_500(api: httpx.AsyncClient) -> None:
    # Found by tests/api/test_fuzz.py: (page - 1) * limit overflowed the SQL OFFSET.
    campaign_id = await create_campaign(api)
    assert (await list_leads(api, campaign_id, page=1_000_000))["prospects"] == []
    response = await api.get(leads_url(campaign_id), params={"page": 6169379353666238464})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_status_filter_returns_only_that_status(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(i) for i in range(3)])
    async with unit_of_work(sessionmaker) as session:
        stmt = update(Prospect).where(Prospect.email == "lead1@example.com").values(status="sent")
        await session.execute(stmt)
    sent = await list_leads(api, campaign_id, status="sent")
    assert [p["email"] for p in sent["prospects"]] == ["lead1@example.com"]
    assert sent["total"] == 1
    assert (await list_leads(api, campaign_id, status="pending"))["total"] == 2


# ---- patch -------------------------------------------------------------------------


async def _one_prospect(api: httpx.AsyncClient, campaign_id: str, n: int = 1) -> dict[str, Any]:
    await add_leads(api, campaign_id, [lead(n)])
    page = await list_leads(api, campaign_id)
    prospect: dict[str, Any] = next(
        p for p in page["prospects"] if p["email"] == f"lead{n}@example.com"
    )
    return prospect


async def patch(
    api: httpx.AsyncClient, campaign_id: str, prospect_id: str, updates: dict[str, Any]
) -> httpx.Response:
    body = {"prospect_id": prospect_id, "updates": updates}
    return await api.patch(leads_url(campaign_id), json=body)


async def test_patch_updates_fields_and_a_derived_name_follows(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id)
    updates = {"first_name": "Ann", "position": "CEO", "custom_fields": {"tier": "gold"}}
    response = await patch(api, campaign_id, prospect["id"], updates)
    assert response.status_code == 200, response.text
    updated = response.json()["prospect"]
    assert (updated["first_name"], updated["name"], updated["position"]) == (
        "Ann",
        "Ann Last1",
        "CEO",
    )
    assert updated["custom_fields"] == {"tier": "gold"}
    assert updated["email"] == "lead1@example.com"


async def test_patch_keeps_an_explicit_name(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id)
    await patch(api, campaign_id, prospect["id"], {"name": "The Boss"})
    response = await patch(api, campaign_id, prospect["id"], {"last_name": "Smith"})
    assert response.json()["prospect"]["name"] == "The Boss"


async def test_patch_changes_the_identity(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id)
    response = await patch(api, campaign_id, prospect["id"], {"email": "New@Example.com"})
    assert response.json()["prospect"]["email"] == "new@example.com"
    # The old address is free again, the new one is taken.
    assert await add_leads(api, campaign_id, [lead(1), lead(9, email="new@example.com")]) == {
        "imported": 1,
        "duplicates": 1,
    }


async def test_patch_to_an_identity_already_in_the_campaign_is_409(
    api: httpx.AsyncClient,
) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id, 1)
    await _one_prospect(api, campaign_id, 2)
    response = await patch(api, campaign_id, prospect["id"], {"email": "LEAD2@example.com"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("updates", "field"),
    [
        ({"status": "sent"}, "updates.status"),
        ({"source": "csv"}, "updates.source"),
        ({"nickname": "x"}, "updates.nickname"),
        ({"email": None}, "updates.email"),
        ({"email": "nope"}, "updates.email"),
        ({"company": "x" * 501}, "updates.company"),
    ],
)
async def test_patch_rejects_unknown_keys_and_bad_values(
    api: httpx.AsyncClient, updates: dict[str, Any], field: str
) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id)
    response = await patch(api, campaign_id, prospect["id"], updates)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == field


async def test_patch_of_another_campaigns_prospect_is_404(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    other_campaign = await create_campaign(api)
    prospect = await _one_prospect(api, other_campaign)
    response = await patch(api, campaign_id, prospect["id"], {"company": "X"})
    assert response.status_code == 404
    missing = await patch(api, campaign_id, str(uuid.uuid4()), {"company": "X"})
    assert missing.status_code == 404


# ---- delete ------------------------------------------------------------------------


async def test_delete_by_ids_counts_only_the_campaigns_own(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    other_campaign = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(i) for i in range(3)])
    foreign = await _one_prospect(api, other_campaign)
    ids = [p["id"] for p in (await list_leads(api, campaign_id))["prospects"]]
    response = await delete_leads(api, campaign_id, {"prospect_ids": [ids[0], foreign["id"]]})
    assert response.json() == {"deleted": 1}
    assert (await list_leads(api, campaign_id))["total"] == 2
    assert (await list_leads(api, other_campaign))["total"] == 1


async def test_delete_all_empties_the_campaign(api: httpx.AsyncClient) -> None:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(i) for i in range(3)])
    response = await delete_leads(api, campaign_id, {"all": True})
    assert response.json() == {"deleted": 3}
    assert (await list_leads(api, campaign_id))["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"prospect_ids": []},
        {"all": True, "prospect_ids": [str(uuid.uuid4())]},
        {"prospect_ids": ["not-a-uuid"]},
    ],
)
async def test_delete_needs_exactly_one_of_ids_or_all(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    campaign_id = await create_campaign(api)
    response = await delete_leads(api, campaign_id, body)
    assert response.status_code == 400


# ---- campaign rules ----------------------------------------------------------------


MUTATIONS = ["add", "patch", "delete", "csv"]


async def _mutate(api: httpx.AsyncClient, campaign_id: str, prospect_id: str, kind: str) -> Any:
    if kind == "add":
        return await post_leads(api, campaign_id, [lead(7)])
    if kind == "patch":
        return await patch(api, campaign_id, prospect_id, {"company": "X"})
    if kind == "delete":
        return await delete_leads(api, campaign_id, {"all": True})
    files = {"file": ("leads.csv", b"Email\nz@x.io\n", "text/csv")}
    return await api.post(f"{leads_url(campaign_id)}/import-csv", files=files)


@pytest.mark.parametrize("kind", MUTATIONS)
async def test_mutations_on_a_non_draft_campaign_are_wrong_status(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, kind: str
) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id)
    await set_campaign_status(sessionmaker, campaign_id, "active")
    response = await _mutate(api, campaign_id, prospect["id"], kind)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "wrong_status"
    assert error["message"].startswith("Campaign is active")
    page = await list_leads(api, campaign_id)  # reading stays allowed
    assert [p["company"] for p in page["prospects"]] == ["Company 1"]


@pytest.mark.parametrize("kind", [*MUTATIONS, "list"])
async def test_another_accounts_campaign_is_404(
    api: httpx.AsyncClient, client: httpx.AsyncClient, other_account: Account, kind: str
) -> None:
    campaign_id = await create_campaign(api)
    prospect = await _one_prospect(api, campaign_id)
    client.headers["Authorization"] = other_account.headers["Authorization"]
    if kind == "list":
        response = await client.get(leads_url(campaign_id))
    else:
        response = await _mutate(client, campaign_id, prospect["id"], kind)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_unknown_campaign_is_404_and_bad_id_is_400(api: httpx.AsyncClient) -> None:
    assert (await post_leads(api, str(uuid.uuid4()), [lead(1)])).status_code == 404
    assert (await api.get(leads_url("nope"))).status_code == 400
