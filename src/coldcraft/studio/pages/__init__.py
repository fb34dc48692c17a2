"""The studio's page routers, and `install` (what app.py calls): routes plus static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from coldcraft.studio.deps import HERE
from coldcraft.studio.pages import account, campaign, campaigns, chat, launch, review, runs

ROUTERS = (
    account.router,
    campaigns.router,
    campaign.router,
    chat.router,
    review.router,
    launch.router,
    runs.router,
)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static/studio", StaticFiles(directory=HERE / "static"), name="studio-static")
