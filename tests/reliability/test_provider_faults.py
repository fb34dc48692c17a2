"""Provider faults on ~10% of requests in a 500-prospect generate_ai run: every prospect ends
with one outcome (a draft, or a failure that names its cause) after at most 3 attempts, and
400/401 are never retried.

The product path end to end: POST generate-messages `{"action": "generate_ai"}`, the app's
embedded engine (chunks, result writer), the real writer agent and judge, and a real
pydantic-ai provider model (OpenAI or Anthropic SDK, built by `resolve_model` from Settings
with the production retry policy) talking HTTP to a local fake provider. The fake injects a
fault plan decided per lead (read from the request's `<lead_data>`) and per attempt (counted
at the server): 429 with `retry-after` / `retry-after-ms`, 500, overloaded (Anthropic 529,
OpenAI 503), timeouts (the fake answers after the client's `llm_timeout_seconds`), 400, 401.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic_ai import models
from sqlalchemy import select

from coldcraft.config import Settings
from coldcraft.llm.context import read_section
from coldcraft.llm.models import ResolvedModel, Role, resolve_model, set_model_factory
from coldcraft.store.models import CampaignProspectMessage, Run, RunItem
from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.worker.config import CHUNK_WORKFLOW, FINISH_WORKFLOW
from tests.fixtures.factories import Account
from tests.fixtures.messages import OutboxCampaign, list_prospects, outbox_campaign
from tests.fixtures.runs import wait_for_finisher, wait_for_run
from tests.llm.fake_providers import (
    Action,
    Fail,
    FakeProvider,
    Kind,
    RecordedRequest,
    Reply,
    serve_fake,
)

log = logging.getLogger(__name__)

PROSPECTS = 500
MAX_ATTEMPTS = 3
TIMEOUT_SECONDS = 1.5  # the client's llm_timeout_seconds; a timeout fault answers 1 s later
MODELS: dict[Kind, str] = {
    "openai": "openai:gpt-4.1-mini",
    "anthropic": "anthropic:claude-haiku-4-5",
}
# One SDK per backend, not both on each: a 500-lead run costs 7-15 s whatever the SDK and
# the faults (the writer and the engine set its pace), and each SDK's mapping of statuses
# and timeouts is covered by tests/llm/test_wire_*.py. The pairing is arbitrary.
SDK_FOR_BACKEND: dict[str, Kind] = {"sqlite": "openai", "postgres": "anthropic"}
# The one AI block of the outbox fixture's skeleton: a text that passes the judge and guards.
BLOCK = (
    "Heads of operations at growing teams often lose hours each week chasing new hires "
    "through scattered onboarding steps."
)

# The faults a lead gets on its first attempts, in order, and how many leads get each script.
# Later attempts succeed, except for 400/401, which stay (the same request stays bad). 55
# faults in 545 requests (10.1%): 29 leads recover, 6 exhaust the budget, 4 are refused.
SCRIPTS: dict[tuple[str, ...], int] = {
    ("429-ms",): 6,
    ("429-s",): 4,
    ("500",): 6,
    ("overloaded",): 6,
    ("timeout",): 3,
    ("500", "429-ms"): 1,
    ("overloaded", "500"): 1,
    ("timeout", "overloaded"): 1,
    ("429-s", "timeout"): 1,
    ("429-ms", "429-s", "429-ms"): 1,
    ("500", "500", "500"): 1,
    ("overloaded", "overloaded", "overloaded"): 1,
    ("timeout", "timeout", "timeout"): 1,
    ("500", "overloaded", "timeout"): 1,
    ("429-s", "500", "overloaded"): 1,
    ("400",): 2,
    ("401",): 2,
}
NEVER_RETRIED = frozenset({"400", "401"})
CODES = {
    "429-s": "rate_limited",
    "429-ms": "rate_limited",
    "500": "upstream_error",
    "overloaded": "upstream_error",
    "timeout": "upstream_timeout",
    "400": "upstream_bad_request",
    "401": "upstream_auth",
}


@dataclass(frozen=True)
class LeadPlan:
    faults: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return bool(self.faults) and self.faults[0] in NEVER_RETRIED

    @property
    def fails(self) -> bool:
        return self.refused or len(self.faults) >= MAX_ATTEMPTS

    @property
    def attempts(self) -> int:
        return 1 if self.refused else min(len(self.faults) + 1, MAX_ATTEMPTS)

    @property
    def code(self) -> str:
        """The error code of a failing lead: its last fault's."""
        return CODES[self.faults[self.attempts - 1]]


def fault_plan(emails: list[str]) -> dict[str, LeadPlan]:
    """Every lead's plan: scripts go to the leads in the order of their emails' hashes."""
    ranked = sorted(emails, key=lambda e: hashlib.sha256(e.encode()).hexdigest())
    scripts = [script for script, leads in SCRIPTS.items() for _ in range(leads)]
    plan = {email: LeadPlan() for email in emails}
    plan.update({e: LeadPlan(s) for e, s in zip(ranked[: len(scripts)], scripts, strict=True)})
    return plan


class FaultInjector:
    """The fake provider's responder: counts attempts per lead and answers by the plan."""

    def __init__(self, kind: Kind, plan: dict[str, LeadPlan]) -> None:
        self.plan = plan
        self.overloaded = 529 if kind == "anthropic" else 503
        self.attempts: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Action:
        lead = read_section(request.user_text(), "lead_data") or {}
        email = str(lead.get("email"))
        with self._lock:
            self.attempts[email] += 1
            attempt = self.attempts[email]
        faults = self.plan[email].faults
        if faults[:1] and faults[0] in NEVER_RETRIED:
            fault = faults[0]
        elif attempt <= len(faults):
            fault = faults[attempt - 1]
        else:
            return Reply.output({"blocks": [BLOCK]})
        with self._lock:
            self.injected[fault] += 1
        return self._fault(fault, f"injected {fault} for {email}")

    def _fault(self, fault: str, message: str) -> Action:
        if fault == "timeout":  # a good answer that comes too late
            return Reply.output({"blocks": [BLOCK]}, delay=TIMEOUT_SECONDS + 1.0)
        if fault == "429-s":
            return Fail(429, message, retry_after="0")
        if fault == "429-ms":
            return Fail(429, message, retry_after_ms="5")
        if fault == "overloaded":
            return Fail(self.overloaded, message)
        return Fail(int(fault), message)


@dataclass
class Provider:
    kind: Kind
    fake: FakeProvider


@pytest.fixture
def provider(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    """A fake provider, and runs writing through the real SDK model pointed at it."""
    kind = SDK_FOR_BACKEND["sqlite" if settings.is_sqlite else "postgres"]
    with serve_fake(kind) as fake:
        monkeypatch.setenv(f"{kind.upper()}_API_KEY", "sk-test")
        monkeypatch.setenv(f"{kind.upper()}_BASE_URL", fake.base_url)
        monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)  # off in tests/llm
        writer_settings = settings.model_copy(
            update={
                "writer_model": MODELS[kind],
                "llm_max_attempts": MAX_ATTEMPTS,
                "llm_timeout_seconds": TIMEOUT_SECONDS,
                "llm_retry_base_delay_seconds": 0.01,
                "llm_retry_max_delay_seconds": 0.05,
            }
        )
        built: dict[Role, ResolvedModel] = {}

        def factory(role: Role, _settings: Settings) -> ResolvedModel:
            # One SDK client per role for the run, as the runtime's own cache does.
            if role not in built:
                built[role] = resolve_model(role, writer_settings)
            return built[role]

        set_model_factory(factory)
        try:
            yield Provider(kind, fake)
        finally:
            set_model_factory(None)


async def test_provider_faults_end_every_prospect_written_or_failed_with_its_reason(
    app: FastAPI,
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    provider: Provider,
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=PROSPECTS)
    email_of = {p["id"]: p["email"] for p in await list_prospects(api, box.id)}
    plan = fault_plan(list(email_of.values()))
    injector = FaultInjector(provider.kind, plan)
    provider.fake.responder = injector

    response = await api.post(box.path, json={"action": "generate_ai", "node_id": box.ai_node_id})
    assert response.status_code == 202, response.text
    assert response.json()["prospects"] == PROSPECTS
    run = await wait_for_run(sessionmaker, response.json()["runId"], timeout=240)

    failing = sum(p.fails for p in plan.values())
    assert run.status == "completed", run.error
    assert run.error is None
    assert (run.progress_total, run.progress_done, run.progress_failed) == (
        PROSPECTS,
        PROSPECTS - failing,
        failing,
    )
    rows, items = await _outcomes(sessionmaker, box, run)
    _check_one_outcome_each(rows, items, set(email_of))
    for prospect_id, email in email_of.items():
        _check_outcome(plan[email], rows[prospect_id][0], items[prospect_id][0])
    _check_attempts(injector, plan)
    _check_usage(run, [r[0] for r in rows.values()], PROSPECTS - failing)
    await _check_workflows_ended(app, run.id)
    _report(provider.kind, injector, plan)


async def _outcomes(
    sessionmaker: SessionMaker, box: OutboxCampaign, run: Run
) -> tuple[dict[str, list[CampaignProspectMessage]], dict[str, list[RunItem]]]:
    """The AI node's outbox rows and the run's items, grouped by prospect id."""
    rows: dict[str, list[CampaignProspectMessage]] = {}
    items: dict[str, list[RunItem]] = {}
    async with unit_of_work(sessionmaker) as session:
        found = await session.execute(
            select(CampaignProspectMessage).where(
                CampaignProspectMessage.campaign_id == uuid.UUID(box.id),
                CampaignProspectMessage.node_id == uuid.UUID(box.ai_node_id),
            )
        )
        for row in found.scalars():
            rows.setdefault(str(row.prospect_id), []).append(row)
        for item in (
            await session.execute(select(RunItem).where(RunItem.run_id == run.id))
        ).scalars():
            items.setdefault(item.item_key, []).append(item)
    return rows, items


def _check_one_outcome_each(
    rows: dict[str, list[CampaignProspectMessage]],
    items: dict[str, list[RunItem]],
    prospect_ids: set[str],
) -> None:
    assert set(rows) == prospect_ids
    assert set(items) == prospect_ids
    assert [k for k, v in rows.items() if len(v) != 1] == []
    assert [k for k, v in items.items() if len(v) != 1] == []


def _check_outcome(plan: LeadPlan, row: CampaignProspectMessage, item: RunItem) -> None:
    """A draft for a lead that (eventually) got an answer; else the failure and its cause."""
    assert row.source == "ai"
    assert item.ok is not plan.fails
    if not plan.fails:
        assert row.error is None, (plan, row.error)
        assert BLOCK in row.body_text
        assert row.quality == {"passed": True, "issues": []}
        return
    error: dict[str, Any] = item.result["error"]
    assert row.error == error
    assert row.body_text == ""
    assert error["code"] == plan.code, (plan, error)
    if plan.refused:
        assert "attempts" not in error["message"], error
    else:
        assert f"after {MAX_ATTEMPTS} attempts" in error["message"], error
    last = plan.faults[plan.attempts - 1]
    if last != "timeout":  # the provider's own message is kept
        assert f"injected {last}" in error["message"], error


def _check_attempts(injector: FaultInjector, plan: dict[str, LeadPlan]) -> None:
    """Requests seen by the provider, per lead: exactly what the plan allows."""
    faults = sum(p.attempts - (not p.fails) for p in plan.values())
    assert sum(injector.injected.values()) == faults
    assert 0.09 <= faults / sum(injector.attempts.values()) <= 0.11
    assert max(injector.attempts.values()) <= MAX_ATTEMPTS
    assert dict(injector.attempts) == {email: p.attempts for email, p in plan.items()}
    refused = [email for email, p in plan.items() if p.refused]
    assert len(refused) == SCRIPTS[("400",)] + SCRIPTS[("401",)]
    assert all(injector.attempts[email] == 1 for email in refused)


def _check_usage(run: Run, rows: list[CampaignProspectMessage], written: int) -> None:
    """The run's usage is the sum of its drafts' (failures cost nothing): one request each."""
    usages = [row.usage or {} for row in rows]
    assert run.usage["requests"] == written
    assert run.usage["input_tokens"] == sum(u.get("input_tokens", 0) for u in usages)
    assert run.usage["output_tokens"] == sum(u.get("output_tokens", 0) for u in usages)
    assert run.usage["input_tokens"] == written * Reply().input_tokens
    total_cost = sum(float(u.get("cost_usd", 0.0)) for u in usages)
    assert run.usage["cost_usd"] == pytest.approx(total_cost, abs=1e-6)


async def _check_workflows_ended(app: FastAPI, run_id: str) -> None:
    """Every workflow of the run ended well: no chunk failed (an item's provider failure
    is an outcome, not a crash), and the finisher is done before the next test."""
    client = app.state.run_engine.client

    await wait_for_finisher(client, run_id, timeout=30)
    children = await client.list_workflows_async(
        parent_workflow_id=run_id, load_input=False, load_output=False
    )
    names = Counter(w.name for w in children)
    assert names[CHUNK_WORKFLOW] >= 1
    assert set(names) == {CHUNK_WORKFLOW, FINISH_WORKFLOW}
    assert {w.status for w in children} == {"SUCCESS"}


def _report(kind: str, injector: FaultInjector, plan: dict[str, LeadPlan]) -> None:
    """Figures for docs/reliability.md (shown with `--log-cli-level=INFO`)."""
    requests = sum(injector.attempts.values())
    faults = sum(injector.injected.values())
    histogram = sorted(Counter(injector.attempts.values()).items())
    failed = Counter(p.code for p in plan.values() if p.fails)
    log.info(
        f"[{kind}] leads={len(plan)} requests={requests} faults={faults} "
        f"({faults / requests:.1%}) by kind={dict(sorted(injector.injected.items()))} "
        f"attempts histogram={histogram} failed by code={dict(sorted(failed.items()))}"
    )
