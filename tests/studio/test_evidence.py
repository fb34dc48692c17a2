"""The draft page shows what each AI block rests on, as text, with safe links only."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import update

from coldcraft.llm.sources import BlockSources, Source
from coldcraft.store.models import CampaignProspectMessage
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.studio.conftest import import_csv

FACT = Source(
    type="fact",
    id="f1",
    text="<b>Acme</b> ships to 400 retailers",
    url="https://acme.test/about",
    quote="About us: Acme ships to 400 retailers.",
)
TRAP = Source(type="fact", id="f2", text="A trap", url="javascript:alert(1)", quote="")
FIELD = Source(type="lead_field", field="company", value="Acme")


async def draft_url(studio: httpx.AsyncClient) -> tuple[str, uuid.UUID]:
    csrf = studio.csrf  # type: ignore[attr-defined]
    url = (await studio.post("/campaigns", data={"name": "E", "csrf_token": csrf})).headers[
        "location"
    ]
    await studio.post(
        url + "/senders/new",
        data={"first_name": "Sam", "email_address": "sam@example.com", "csrf_token": csrf},
    )
    csv = b"Email,First Name\np@example.com,Pat\n"
    await import_csv(studio, url, csv, ["Email", "First Name"], ["email", "first_name"])
    await studio.post(url + "/resolve", data={"csrf_token": csrf})
    queue = await studio.get(url + "/review/queue")
    found = re.search(r"/drafts/([0-9a-f-]{36})", queue.text)
    assert found
    return url, uuid.UUID(found.group(1))


async def test_the_draft_page_shows_each_blocks_evidence(
    studio: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    url, message_id = await draft_url(studio)
    blocks = [
        BlockSources(block=1, section="Opener", text="Saw Acme ships widely.", sources=[FACT]),
        BlockSources(block=2, section="Ask", text="Worth a chat?", sources=[FIELD, TRAP]),
        BlockSources(block=3, section="Close", text="Thanks.", sources=[]),
    ]
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            update(CampaignProspectMessage)
            .where(CampaignProspectMessage.id == message_id)
            .values(sources=[b.model_dump(mode="json") for b in blocks])
        )
    page = (await studio.get(f"{url}/drafts/{message_id}")).text
    evidence = page[page.index("<h2>Evidence</h2>") :]
    assert "Block 1 · Opener" in evidence
    assert "&lt;b&gt;Acme&lt;/b&gt; ships to 400 retailers" in evidence  # text, not markup
    assert "<blockquote>About us: Acme ships to 400 retailers.</blockquote>" in evidence
    assert '<a href="https://acme.test/about" rel="noopener noreferrer nofollow"' in evidence
    assert "javascript:" not in page  # an unsafe source URL is no link
    assert "Lead field <code>company</code>: Acme" in evidence
    assert "No lead field or fact named" in evidence  # block 3


async def test_a_template_draft_has_no_evidence_panel(
    studio: httpx.AsyncClient, account: Account
) -> None:
    url, message_id = await draft_url(studio)
    page = (await studio.get(f"{url}/drafts/{message_id}")).text
    assert "<h2>Evidence</h2>" not in page
