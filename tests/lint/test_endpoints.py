from __future__ import annotations

import httpx

from coldcraft.skeletons.seed import SEED_SKELETON


async def test_seed_skeleton_passes_and_renders_for_the_sample_lead(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        "/api/skeletons/lint",
        json={"skeleton": SEED_SKELETON, "sample_lead": {"first_name": "Ana", "company": "Acme"}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["passed"] is True
    assert [i for i in body["issues"] if i["severity"] == "error"] == []
    assert body["rendered"]["subject"] == "Quick thought on Acme's onboarding"
    assert body["rendered"]["body"].startswith("Hi Ana,\n\n[AI: 2-sentence pain hook")


async def test_em_dash_fails_with_its_rule_id(api: httpx.AsyncClient) -> None:
    skeleton = {**SEED_SKELETON, "exampleBody": SEED_SKELETON["exampleBody"] + " \u2014 really"}
    response = await api.post("/api/skeletons/lint", json={"skeleton": skeleton})
    assert response.status_code == 200
    assert response.json()["passed"] is False
    assert "em_dash" in {i["rule"] for i in response.json()["issues"]}


async def test_house_rules_add_banned_words(api: httpx.AsyncClient) -> None:
    await api.put("/api/context", json={"context": {"house_rules": {"banned_words": ["glue"]}}})
    response = await api.post("/api/skeletons/lint", json={"skeleton": SEED_SKELETON})
    assert response.json()["passed"] is False
    assert "banned_phrase" in {i["rule"] for i in response.json()["issues"]}


async def test_unknown_field_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/skeletons/lint", json={"skeleton": SEED_SKELETON, "x": 1})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "x"
