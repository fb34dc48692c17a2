"""Resolve and the bulk review actions commit in bounded chunks: each chunk is its own short
transaction (SQLite's write lock is never held for a whole 10,000-prospect campaign), and a
run cut short midway is finished by running it again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from coldcraft.messages import repository as repository_module
from coldcraft.messages import service as service_module
from coldcraft.messages.review_service import ReviewService, review_service
from coldcraft.messages.schemas import ReviewRequest
from coldcraft.messages.service import MessageService, message_service
from coldcraft.store.session import SessionMaker, reading
from tests.fixtures.factories import Account
from tests.fixtures.messages import OutboxCampaign, outbox_campaign


class ChunkFault(RuntimeError):
    """The process dies in the middle of the work (after its first chunk committed)."""


def fail_after_first_chunk(method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    calls = 0

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ChunkFault("killed between chunks")
        return await method(*args, **kwargs)

    return wrapped


async def _drafts(
    api: httpx.AsyncClient, box: OutboxCampaign, **params: Any
) -> list[dict[str, Any]]:
    response = await api.get(box.path, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service_module, "BATCH", 2)
    monkeypatch.setattr(repository_module, "IN_CHUNK", 2)


@pytest.mark.usefixtures("small_chunks")
async def test_a_resolve_in_chunks_writes_every_draft_once(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=5)
    response = await api.post(box.path, json={"action": "resolve"})
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    assert (counts["prospects"], counts["written"]) == (5, 5)
    drafts = await _drafts(api, box, node_id=box.template_id)
    greetings = sorted(d["body_text"].split(",")[0] for d in drafts)
    assert greetings == sorted(["Hi First0", "Hi First1", "Hi First2", "Hi", "Hi First4"])


@pytest.mark.usefixtures("small_chunks")
async def test_a_resolve_cut_short_keeps_its_chunks_and_a_rerun_finishes_it(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=5)
    campaign_id = uuid.UUID(box.id)
    original = MessageService._resolve_chunk
    monkeypatch.setattr(MessageService, "_resolve_chunk", fail_after_first_chunk(original))
    with pytest.raises(ChunkFault):
        await message_service.resolve_in_chunks(sessionmaker, account.user, campaign_id)
    assert len(await _drafts(api, box, node_id=box.template_id)) == 2  # the first chunk

    monkeypatch.setattr(MessageService, "_resolve_chunk", original)
    outcome = await message_service.resolve_in_chunks(sessionmaker, account.user, campaign_id)
    assert (outcome.prospects, outcome.written) == (5, 3)  # only what was missing
    assert len(await _drafts(api, box, node_id=box.template_id)) == 5


@pytest.mark.usefixtures("small_chunks")
async def test_a_bulk_approve_cut_short_is_finished_by_sending_it_again(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=5)
    assert (await api.post(box.path, json={"action": "resolve"})).status_code == 200
    # Explicit ids are chunked on both databases (a filter only on SQLite).
    ids = [d["id"] for d in await _drafts(api, box, node_id=box.template_id)]
    request = ReviewRequest.model_validate({"action": "approve", "message_ids": ids})
    campaign_id = uuid.UUID(box.id)
    original = ReviewService._act_on
    monkeypatch.setattr(ReviewService, "_act_on", fail_after_first_chunk(original))
    with pytest.raises(ChunkFault):
        await review_service.act(sessionmaker, account.user, campaign_id, request)
    assert len(await _drafts(api, box, review="approved")) == 2

    monkeypatch.setattr(ReviewService, "_act_on", original)
    response = await api.post(box.path, json={"action": "approve", "message_ids": ids})
    assert response.status_code == 200, response.text
    assert response.json() | {"action": "approve"} == {
        "action": "approve",
        "matched": 5,
        "changed": 3,
    }
    assert len(await _drafts(api, box, review="approved")) == 5


@pytest.mark.usefixtures("small_chunks")
async def test_a_filtered_action_rechecks_its_filter_in_every_chunk(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    """The selection is read first; a message that left the filter before its chunk is
    written is not touched."""
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=4)
    assert (await api.post(box.path, json={"action": "resolve"})).status_code == 200
    drafts = await _drafts(api, box, node_id=box.template_id)
    response = await api.post(box.path, json={"action": "reject", "message_ids": [drafts[3]["id"]]})
    assert response.json()["changed"] == 1
    response = await api.post(
        box.path,
        json={"action": "approve", "filter": {"node_id": box.template_id, "review": "unreviewed"}},
    )
    assert (response.json()["matched"], response.json()["changed"]) == (3, 3)
    states = {d["id"]: d["review_state"] for d in await _drafts(api, box, node_id=box.template_id)}
    assert states[drafts[3]["id"]] == "rejected"


async def _analyze_count(sessionmaker: SessionMaker) -> int:
    async with reading(sessionmaker) as session:
        count = await session.scalar(
            text(
                "SELECT analyze_count FROM pg_stat_user_tables"
                " WHERE relname = 'campaign_prospect_messages'"
            )
        )
    return int(count or 0)


async def test_a_large_resolve_refreshes_postgres_planner_statistics(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Right after a 10,000-prospect resolve the planner must know the rows are there (the
    review summary is the next thing a person opens)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr(service_module, "ANALYZE_AFTER", 3)
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    before = await _analyze_count(sessionmaker)
    assert (await api.post(box.path, json={"action": "resolve"})).status_code == 200
    for _ in range(20):  # the statistics views are updated asynchronously
        if await _analyze_count(sessionmaker) > before:
            return
        await asyncio.sleep(0.1)
    pytest.fail("resolve did not ANALYZE the outbox")
