"""The review queue: flagged drafts first, then the rest, paged by offset without gaps or
repeats across the boundary."""

from __future__ import annotations

import re
import uuid

import httpx

from coldcraft.messages.schemas import MessageFilter
from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.studio import queries
from tests.fixtures.factories import Account
from tests.studio.conftest import import_csv


async def test_flagged_first_paging(
    studio: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    csrf = studio.csrf  # type: ignore[attr-defined]
    url = (await studio.post("/campaigns", data={"name": "Q", "csrf_token": csrf})).headers[
        "location"
    ]
    await studio.post(
        url + "/senders/new",
        data={"first_name": "Sam", "email_address": "sam@example.com", "csrf_token": csrf},
    )
    step = re.search(r'/steps/([0-9a-f-]{36})">Edit template', (await studio.get(url)).text)
    assert step
    body = "Hi %first_name|there%,\n\nHow is the %custom_fields.team% team doing?\n\nSam"
    await studio.post(
        f"{url}/steps/{step.group(1)}", data={"subject": "Hi", "body": body, "csrf_token": csrf}
    )
    rows = [f"p{i}@example.com,P{i},{'Ops' if i % 3 else ''}" for i in range(7)]
    csv = ("Email,First Name,Team\n" + "\n".join(rows) + "\n").encode()
    header, target = ["Email", "First Name", "Team"], ["email", "first_name", "custom_fields.team"]
    assert "7 imported" in (await import_csv(studio, url, csv, header, target)).text
    await studio.post(url + "/resolve", data={"csrf_token": csrf})

    campaign_id = uuid.UUID(url.rsplit("/", 1)[1])
    drafts = MessageFilter(status="draft")
    async with unit_of_work(sessionmaker) as session:
        whole = await queries.queue_page(
            session, account.user, campaign_id, drafts, offset=0, limit=50
        )
        paged = []
        for offset in range(0, 8, 2):
            page = await queries.queue_page(
                session, account.user, campaign_id, drafts, offset=offset, limit=2
            )
            assert page.total == 7
            paged += [row.message.id for row in page.rows]
    flags = [row.message.flagged for row in whole.rows]
    assert flags == [True, True, True, False, False, False, False]  # i % 3 == 0 lack a team
    assert paged == [row.message.id for row in whole.rows]
