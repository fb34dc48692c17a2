"""All routes, one router per domain."""

from __future__ import annotations

from fastapi import APIRouter

from coldcraft.accounts.endpoints import router as accounts_router
from coldcraft.api.health import router as health_router

api_router = APIRouter()
for router in (health_router, accounts_router):
    api_router.include_router(router)
