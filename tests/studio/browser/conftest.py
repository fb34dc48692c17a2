"""A live studio for the browser tests: uvicorn in a thread on a free loopback port (the
offline model, a temporary data directory and SQLite), driven by the OS's Chromium.

Playwright never downloads a browser here: it launches `/usr/bin/chromium`
(`COLDCRAFT_CHROMIUM` to use another). `COLDCRAFT_STUDIO_SCREENSHOTS=<dir>` saves the
screenshots the README shows (docs/studio/).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from coldcraft.accounts.service import account_service
from coldcraft.config import Settings
from coldcraft.demo.server import EmbeddedServer
from coldcraft.store.engine import create_engine
from coldcraft.store.session import create_sessionmaker, unit_of_work
from coldcraft.studio.links import issue_link, link_url

CHROMIUM = os.environ.get("COLDCRAFT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("COLDCRAFT_STUDIO_SCREENSHOTS")
VIEWPORT = {"width": 1100, "height": 800}


@dataclass
class Studio:
    url: str
    settings: Settings

    def account(self, email: str) -> tuple[str, str]:
        """A new account's API key and a one-time sign-in link for it."""

        async def work() -> tuple[str, str]:
            engine = create_engine(self.settings.resolved_database_url())
            try:
                async with unit_of_work(create_sessionmaker(engine)) as session:
                    user, key = await account_service.create_key(session, email=email)
                    token = await issue_link(session, user)
            finally:
                await engine.dispose()
            return key, link_url(self.url, token)

        # Playwright's sync API keeps an event loop in this thread: run ours in another.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, work()).result()


@pytest.fixture(scope="session")
def live_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"no Chromium at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("studio")
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'studio.db'}",
        secret_key="browser-test-secret",  # type: ignore[arg-type]
        chat_model="offline",
        writer_model="offline",
    )
    with EmbeddedServer(settings) as url:
        yield Studio(url, settings)


@pytest.fixture
def page(live_studio: Studio) -> Iterator[Page]:
    """A fresh browser per test: Playwright's sync API holds an event loop in this thread
    while it runs, so it must not outlive the test (the async tests need the thread's loop)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(20_000)
        yield context.new_page()
        context.close()
        browser.close()


def shot(page: Page, name: str) -> None:
    """Save a screenshot for the docs when asked to (never in a plain test run)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
