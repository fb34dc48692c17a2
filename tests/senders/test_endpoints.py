from __future__ import annotations

import httpx
import pytest

from tests.fixtures.campaigns import create_sender
from tests.fixtures.factories import Account


async def test_create_email_sender_returns_201(api: httpx.AsyncClient, account: Account) -> None:
    response = await api.post(
        "/api/senders",
        json={
            "type": "email",
            "first_name": " Sam ",
            "email_address": "sam@seller.example",
            "signature": "Sam, Seller Inc.",
        },
    )
    assert response.status_code == 201
    sender = response.json()["sender"]
    assert sender["first_name"] == "Sam"
    assert sender["user_id"] == str(account.user.id)
    assert sender["email_address"] == "sam@seller.example"
    assert sender["last_name"] is None
    assert set(sender) == {
        "id", "user_id", "type", "first_name", "last_name", "email_address",
        "display_name", "signature", "created_at", "updated_at",
    }  # fmt: skip


async def test_linkedin_sender_needs_no_email(api: httpx.AsyncClient) -> None:
    sender = await create_sender(api, type="linkedin")
    assert sender["type"] == "linkedin"
    assert sender["email_address"] is None


async def test_email_sender_without_address_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/senders", json={"type": "email", "first_name": "Sam"})
    assert response.status_code == 400
    assert "email_address is required" in response.json()["error"]["message"]


@pytest.mark.parametrize("address", ["sam", "sam@", "@seller.example", "sam@seller", "a b@c.de"])
async def test_malformed_email_address_is_400(api: httpx.AsyncClient, address: str) -> None:
    response = await api.post(
        "/api/senders", json={"type": "email", "first_name": "Sam", "email_address": address}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "email_address"


@pytest.mark.parametrize(
    "body",
    [
        {"type": "fax", "first_name": "Sam"},
        {"type": "linkedin"},
        {"type": "linkedin", "first_name": "   "},
        {"type": "linkedin", "first_name": "x" * 201},
        {"type": "linkedin", "first_name": "Sam", "signature": "x" * 5001},
        {"type": "linkedin", "first_name": "Sam", "user_id": "me"},
    ],
)
async def test_invalid_sender_is_400(api: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await api.post("/api/senders", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_list_filters_by_type(api: httpx.AsyncClient) -> None:
    email = await create_sender(api, type="email")
    linkedin = await create_sender(api, type="linkedin")
    everything = (await api.get("/api/senders")).json()["senders"]
    assert [s["id"] for s in everything] == [email["id"], linkedin["id"]]
    only = (await api.get("/api/senders", params={"type": "linkedin"})).json()["senders"]
    assert [s["id"] for s in only] == [linkedin["id"]]


async def test_unknown_type_filter_is_400(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/senders", params={"type": "fax"})
    assert response.status_code == 400


async def test_senders_are_per_account(api: httpx.AsyncClient, other_account: Account) -> None:
    await create_sender(api)
    response = await api.get("/api/senders", headers=other_account.headers)
    assert response.json() == {"senders": []}
