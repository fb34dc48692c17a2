"""`coldcraft db upgrade` and `coldcraft keys ...` against a fresh embedded database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coldcraft.accounts.service import account_service
from coldcraft.cli.main import app
from coldcraft.config import Settings, get_settings
from coldcraft.store.engine import create_engine
from coldcraft.store.session import create_sessionmaker

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COLDCRAFT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COLDCRAFT_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _authenticates(key: str) -> bool:
    async def check() -> bool:
        engine = create_engine(Settings().resolved_database_url())
        try:
            async with create_sessionmaker(engine)() as session:
                return await account_service.authenticate(session, key) is not None
        finally:
            await engine.dispose()

    return asyncio.run(check())


def test_db_upgrade_creates_the_embedded_database(data_dir: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "coldcraft.db").stat().st_size > 0


def test_keys_create_prints_only_a_working_key(data_dir: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--email", "A@Example.com", "--name", "ci"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("pk_live_")
    assert "\n" not in key
    assert _authenticates(key)


def test_keys_list_and_revoke(data_dir: Path) -> None:
    key = runner.invoke(app, ["keys", "create", "--email", "a@example.com"]).stdout.strip()
    listed = runner.invoke(app, ["keys", "list", "--email", "a@example.com"])
    assert key[:16] in listed.stdout
    assert "active" in listed.stdout
    assert runner.invoke(app, ["keys", "revoke", key]).exit_code == 0
    assert not _authenticates(key)
    assert "revoked" in runner.invoke(app, ["keys", "list", "--email", "a@example.com"]).stdout
    assert runner.invoke(app, ["keys", "revoke", key]).exit_code == 1


def test_keys_create_rejects_a_bad_email(data_dir: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--email", "not-an-email"])
    assert result.exit_code == 1
    assert "Not a valid email" in result.stderr
