from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.fixtures.factories import Account


async def test_context_is_null_until_set(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/context")
    assert response.status_code == 200
    assert response.json() == {"context": None}


async def test_put_replaces_the_whole_context(api: httpx.AsyncClient) -> None:
    first = {"company": "Acme", "tone": "plain", "house_rules": {"subject_max_chars": 40}}
    assert (await api.put("/api/context", json={"context": first})).json() == {"context": first}
    second = {"product": "Widgets"}
    assert (await api.put("/api/context", json={"context": second})).status_code == 200
    assert (await api.get("/api/context")).json() == {"context": second}


async def test_put_null_clears_the_context(api: httpx.AsyncClient) -> None:
    await api.put("/api/context", json={"context": {"company": "Acme"}})
    assert (await api.put("/api/context", json={"context": None})).json() == {"context": None}
    assert (await api.get("/api/context")).json() == {"context": None}


async def test_context_is_per_account(api: httpx.AsyncClient, other_account: Account) -> None:
    await api.put("/api/context", json={"context": {"company": "Acme"}})
    response = await api.get("/api/context", headers=other_account.headers)
    assert response.json() == {"context": None}


async def test_context_over_64_kb_is_400(api: httpx.AsyncClient) -> None:
    response = await api.put("/api/context", json={"context": {"notes": "x" * (64 * 1024)}})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "context"
    assert (await api.get("/api/context")).json() == {"context": None}


async def test_context_must_be_an_object(api: httpx.AsyncClient) -> None:
    response = await api.put("/api/context", json={"context": ["not", "an", "object"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_unwrapped_context_body_is_400(api: httpx.AsyncClient) -> None:
    response = await api.put("/api/context", json={"company": "Acme"})
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"company", "context"} <= fields


async def test_concurrent_first_puts_do_not_collide(api: httpx.AsyncClient) -> None:
    bodies = [{"context": {"version": i}} for i in range(8)]
    responses = await asyncio.gather(*(api.put("/api/context", json=b) for b in bodies))
    assert {r.status_code for r in responses} == {200}
    assert (await api.get("/api/context")).json()["context"]["version"] in range(8)


async def test_banned_words_at_the_top_of_the_context_are_house_rules_too(
    api: httpx.AsyncClient,
) -> None:
    """As docs/cli.md wrote it; `house_rules` wins where both say."""
    context = {
        "company": "Acme",
        "banned_words": ["pineapple"],
        "house_rules": {"max_exclamations": 0},
    }
    assert (await api.put("/api/context", json={"context": context})).status_code == 200
    judged = await api.post(
        "/api/emails/judge",
        json={
            "subject": "A note",
            "body": "Hi Ana,\n\nOur pineapple helps your team. Worth a chat?",
        },
    )
    rules = {issue["rule"] for issue in judged.json()["issues"]}
    assert "banned_phrase" in rules


@pytest.mark.parametrize(
    ("context", "said"),
    [
        (
            {"house_rules": {"banned_word": ["x"]}},
            "house_rules.banned_word: not a house rule (did you mean 'banned_words'?)",
        ),
        ({"max_word": 90}, "max_word: not a house rule"),
    ],
)
async def test_an_unknown_rule_key_is_refused_with_a_suggestion(
    api: httpx.AsyncClient, context: dict[str, object], said: str
) -> None:
    response = await api.put("/api/context", json={"context": context})
    assert response.status_code == 400
    assert said in response.json()["error"]["message"]
    assert (await api.get("/api/context")).json()["context"] is None  # nothing stored
