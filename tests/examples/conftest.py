from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from coldcraft.store.session import SessionMaker
from tests.fixtures.examples import ScriptedWriter, scripted_writer
from tests.fixtures.factories import Account
from tests.fixtures.runs import SEED_SKELETON, create_chat_session


@pytest.fixture
def writer() -> Iterator[ScriptedWriter]:
    with scripted_writer() as scripted:
        yield scripted


@pytest.fixture
async def chat(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> dict[str, Any]:
    """A session on a draft campaign whose skeleton is the seed's example (passes the judge)."""
    return await create_chat_session(api, sessionmaker, account, skeleton=SEED_SKELETON)
