from __future__ import annotations

from fastapi import APIRouter

from coldcraft.accounts.schemas import MeResponse, UserOut
from coldcraft.api.deps import CurrentUser
from coldcraft.api.responses import AUTH_ERRORS

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me", response_model=MeResponse, responses=AUTH_ERRORS)
async def get_me(user: CurrentUser) -> MeResponse:
    return MeResponse(user=UserOut.model_validate(user))
