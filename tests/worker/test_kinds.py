"""Run kinds are known by explicit registration: a misnamed one fails the engine's start, a
run of a kind the process does not know fails with a message naming it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coldcraft.config import Settings
from coldcraft.runs.kinds import RunKinds, UnknownRunKind
from coldcraft.store.session import SessionMaker
from coldcraft.worker.engine import RunEngine
from coldcraft.worker.kinds import BUILTIN_KINDS, run_kinds
from tests.fixtures.factories import Account
from tests.fixtures.runs import create_chat_session, read_chat_session, wait_for_run
from tests.worker.kinds import EchoKind
from tests.worker.test_engine import start_echo


class Misspelled(EchoKind):
    name = "test_echo"  # an underscore: not a kind name (lower-case words and dashes)


class Unnamed(EchoKind):
    name = ""


class Twin(EchoKind):
    """A different kind claiming the echo kind's name."""


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ([Misspelled()], "Run kind Misspelled has an invalid name 'test_echo'"),
        ([Unnamed()], "Run kind Unnamed has an invalid name ''"),
        ([EchoKind(), Twin()], "Two run kinds are named 'test-echo'"),
    ],
)
async def test_a_misnamed_kind_fails_the_engine_start(
    settings: Settings, kinds: list[Any], message: str
) -> None:
    engine = RunEngine(settings, None, kinds=lambda: RunKinds(kinds))  # type: ignore[arg-type]
    with pytest.raises(UnknownRunKind, match=message):
        await engine.start(execute=False)
    assert engine.client is None  # nothing was started


def test_every_builtin_kind_is_known_by_its_name() -> None:
    kinds = run_kinds()
    for kind in BUILTIN_KINDS:
        assert isinstance(kinds.get(kind.name), kind)
    with pytest.raises(UnknownRunKind, match=r"Unknown run kind 'generate-ai-mesages' \("):
        kinds.get("generate-ai-mesages")


async def test_a_run_of_an_unknown_kind_fails_naming_it_and_frees_the_chat(
    app: FastAPI,
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
) -> None:
    chat = await create_chat_session(api, sessionmaker, account)
    kind = "generate-ai-mesages"
    run_id = await start_echo(app, sessionmaker, account, settings, chat["id"], kind=kind)
    run = await wait_for_run(sessionmaker, run_id)
    assert run.status == "failed"
    assert run.error is not None
    assert run.error["message"].startswith("Unknown run kind 'generate-ai-mesages'")
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None
