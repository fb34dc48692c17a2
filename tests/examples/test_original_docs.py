"""A client of the original product works unchanged: the example bodies of its two public doc
pages (`../shared/spec/seeds/`), copied here verbatim, succeed with real ids; only values of
the wrong JSON type are refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from coldcraft.store.session import SessionMaker
from tests.fixtures.chat import chat_target
from tests.fixtures.examples import generate, leads
from tests.fixtures.runs import wait_for_run

# generate-examples.txt, the request body as the page shows it.
GENERATE_EXAMPLES_BODY = """
{
  "leads": [
    {
      "first_name": "<string>",
      "last_name": "<string>",
      "full_name": "<string>",
      "company": "<string>",
      "position": "<string>",
      "headline": "<string>",
      "linkedin_url": "<string>",
      "custom_fields": {}
    }
  ],
  "sequenceContext": {
    "position": 4503599627370495,
    "total_nodes": 4503599627370495,
    "prior_nodes": [
      {}
    ]
  },
  "isFirstBatch": true
}
"""

# generate-content.txt, with the page's node id replaced by a real one.
GENERATE_CONTENT_BODY = """
{
  "node_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "message": "<string>",
  "sample_leads": [
    {
      "first_name": "<string>",
      "last_name": "<string>",
      "email": "<string>",
      "company": "<string>",
      "position": "<string>",
      "custom_fields": {}
    }
  ],
  "sequence_context": {}
}
"""


async def test_the_generate_examples_doc_body_starts_a_run_that_completes(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    """Its sequenceContext numbers are far out of range: they are held to the real sequence
    (one touch here), not refused."""
    response = await generate(api, chat["id"], json.loads(GENERATE_EXAMPLES_BODY))
    assert response.status_code == 202, response.text
    run = await wait_for_run(sessionmaker, response.json()["runId"])
    assert run.status == "completed", run.error


async def test_the_generate_content_doc_body_answers_a_turn(api: httpx.AsyncClient) -> None:
    target = await chat_target(api)
    body = json.loads(GENERATE_CONTENT_BODY) | {"node_id": target.node_id}
    response = await api.post(f"/api/campaigns/{target.campaign_id}/generate-content", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["skeleton"]["body"]


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"prior_nodes": [{}]},
        {"position": 0},
        {"totalNodes": 3},
        {"position": -5, "total_nodes": 0},
        {"position": 10**30, "total_nodes": 10**30, "prior_nodes": []},
    ],
)
async def test_a_partial_or_out_of_range_sequence_context_is_accepted(
    api: httpx.AsyncClient, chat: dict[str, Any], context: dict[str, Any]
) -> None:
    body = {"leads": leads("Ada"), "sequenceContext": context}
    response = await generate(api, chat["id"], body)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"isFirstBatch": "yes"}, "isFirstBatch"),
        ({"isFirstBatch": 1}, "isFirstBatch"),
        ({"sequenceContext": {"position": "2"}}, "sequenceContext.position"),
        ({"sequenceContext": {"position": 1.5}}, "sequenceContext.position"),
        ({"sequenceContext": {"prior_nodes": "none"}}, "sequenceContext.prior_nodes"),
    ],
)
async def test_a_value_of_the_wrong_json_type_is_refused(
    api: httpx.AsyncClient, chat: dict[str, Any], extra: dict[str, Any], field: str
) -> None:
    response = await generate(api, chat["id"], {"leads": leads("Ada"), **extra})
    assert response.status_code == 400, response.text
    details = response.json()["error"]["details"]
    assert any(d["field"].startswith(field) for d in details), details


@pytest.mark.parametrize(
    "body",
    [
        {"action": "approve", "filter": {"flagged": "false"}},
        {"action": "regenerate", "filter": {}, "include_edited": "yes"},
    ],
)
async def test_the_outbox_booleans_are_strict_too(
    api: httpx.AsyncClient, chat: dict[str, Any], body: dict[str, Any]
) -> None:
    path = f"/api/campaigns/{chat['campaign']['id']}/generate-messages"
    response = await api.post(path, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
