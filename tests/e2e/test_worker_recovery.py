"""A worker killed with -9 mid-run: its run resumes, nothing lost, nothing paid twice."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from coldcraft.accounts.service import account_service
from coldcraft.llm.context import read_section
from coldcraft.store.engine import create_engine
from coldcraft.store.models import AIChatSession
from coldcraft.store.session import create_sessionmaker, unit_of_work
from tests.e2e.conftest import Processes, start_api, writer_env
from tests.fixtures.runs import SEED_SKELETON
from tests.llm.fake_providers import RecordedRequest, Reply, fake_openai

pytestmark = pytest.mark.slow

BLOCKS = [
    "Most teams we talk to lose hours every week on manual onboarding work, and it slows "
    "every new hire down.",
    "We helped a team like yours cut that time in half with simple checklists and reminders.",
]
LEADS = [
    {"first_name": f"Lead{i:02d}", "last_name": "Example", "company": "Acme"} for i in range(24)
]


class WriterServer:
    """Answers every writer request with the same two blocks; counts requests per lead."""

    def __init__(self) -> None:
        self.per_lead: Counter[str] = Counter()

    def __call__(self, request: RecordedRequest) -> Reply:
        lead = read_section(request.user_text(), "lead_data") or {}
        self.per_lead[str(lead.get("first_name"))] += 1
        return Reply.output({"blocks": BLOCKS})


async def setup_session(db_url: str) -> tuple[str, Any]:
    engine = create_engine(db_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            _user, key = await account_service.create_key(session, email="e2e@example.com")
    finally:
        await engine.dispose()
    return key, None


async def insert_session(db_url: str, user_key: str, campaign: dict[str, Any], node_id: str) -> str:
    engine = create_engine(db_url)
    session_id = uuid.uuid4()
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            user = await account_service.authenticate(session, user_key)
            assert user is not None
            session.add(
                AIChatSession(
                    id=session_id,
                    user_id=user.id,
                    campaign_id=uuid.UUID(campaign["id"]),
                    node_id=uuid.UUID(node_id),
                    skeleton=SEED_SKELETON,
                )
            )
    finally:
        await engine.dispose()
    return str(session_id)


async def written_leads(db_url: str, run_id: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT item_key FROM run_items WHERE run_id = :r"), {"r": run_id}
            )
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


async def read_examples(db_url: str, session_id: str) -> list[dict[str, Any]]:
    engine = create_engine(db_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            stmt = select(AIChatSession).where(AIChatSession.id == uuid.UUID(session_id))
            chat = (await session.execute(stmt)).scalar_one()
            assert chat.task_status is None
            return list(chat.generated_examples or [])
    finally:
        await engine.dispose()


async def start_run(base: str, key: str, db_url: str) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
        campaign = (await api.post("/api/campaigns", json={"type": "email", "name": "e2e"})).json()
        campaign = campaign["campaign"]
        nodes = await api.post(
            f"/api/campaigns/{campaign['id']}/sequence/nodes", json={"type": "ai", "position": 0}
        )
        node = next(n for n in nodes.json()["sequence_nodes"] if n["type"] == "ai")
        session_id = await insert_session(db_url, key, campaign, node["id"])
        url = f"/api/campaigns/ai-chat-sessions/{session_id}/generate-examples"
        response = await api.post(url, json={"leads": LEADS})
        assert response.status_code == 202, response.text
        return response.json()["runId"], session_id


async def run_status(base: str, key: str, run_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
        run: dict[str, Any] = (await api.get(f"/api/runs/{run_id}")).json()["run"]
        return run


async def wait_run(base: str, key: str, run_id: str, done: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = await run_status(base, key, run_id)
        if run["progress"]["done"] >= done or run["status"] in ("completed", "failed", "cancelled"):
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not reach {done} items: {run}")


async def test_a_killed_worker_restarted_finishes_its_run_exactly_once(
    e2e_db: str, processes: Processes
) -> None:
    writer = WriterServer()
    with fake_openai() as fake:
        fake.latency = 0.3
        fake.responder = writer
        processes.env |= writer_env(e2e_db, fake.base_url, COLDCRAFT_RUN_CONCURRENCY="4")
        base = await asyncio.to_thread(start_api, processes, COLDCRAFT_EXECUTOR="none")
        processes.start("worker", "worker", "--id", "e2e-worker-1")
        key, _ = await setup_session(e2e_db)
        run_id, session_id = await start_run(base, key, e2e_db)

        await wait_run(base, key, run_id, done=6, timeout=60)
        processes.kill("worker")
        before_kill = set(await written_leads(e2e_db, run_id))
        assert 0 < len(before_kill) < len(LEADS)

        processes.start("worker", "worker", "--id", "e2e-worker-1")
        run = await wait_run(base, key, run_id, done=len(LEADS), timeout=90)
        run = await wait_run(base, key, run_id, done=10**6, timeout=30)
        assert run["status"] == "completed", processes.log("worker")
        assert run["progress"] == {"total": len(LEADS), "done": len(LEADS), "failed": 0}

    written = await written_leads(e2e_db, run_id)
    assert sorted(written) == sorted(set(written))
    assert len(written) == len(LEADS)
    examples = await read_examples(e2e_db, session_id)
    assert [e["lead"]["first_name"] for e in examples] == [lead["first_name"] for lead in LEADS]
    name_of = {f"name:{lead['first_name'].lower()} example": lead["first_name"] for lead in LEADS}
    for name in (name_of[key] for key in before_kill):
        assert writer.per_lead[name] == 1, (name, writer.per_lead)
    assert set(writer.per_lead) == {lead["first_name"] for lead in LEADS}


async def test_the_sweep_of_a_live_worker_takes_over_a_dead_workers_runs(
    e2e_db: str, processes: Processes
) -> None:
    writer = WriterServer()
    with fake_openai() as fake:
        fake.latency = 0.3
        fake.responder = writer
        processes.env |= writer_env(
            e2e_db,
            fake.base_url,
            COLDCRAFT_RUN_CONCURRENCY="4",
            COLDCRAFT_RUN_SWEEP_INTERVAL_SECONDS="1",
        )
        base = await asyncio.to_thread(start_api, processes, COLDCRAFT_EXECUTOR="none")
        processes.start("worker-a", "worker", "--id", "e2e-worker-a")
        key, _ = await setup_session(e2e_db)
        run_id, _session_id = await start_run(base, key, e2e_db)
        await wait_run(base, key, run_id, done=4, timeout=60)
        processes.start("worker-b", "worker", "--id", "e2e-worker-b")
        processes.kill("worker-a")  # gone for good: never restarted

        run = await wait_run(base, key, run_id, done=10**6, timeout=120)
        assert run["status"] == "completed", processes.log("worker-b")
        assert run["progress"]["done"] == len(LEADS)
    assert "e2e-worker-a" in processes.log("worker-b")
    written = await written_leads(e2e_db, run_id)
    assert len(written) == len(set(written)) == len(LEADS)
