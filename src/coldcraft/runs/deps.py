"""Who may read a run: its owner's API key, or the run's publicAccessToken.

The token comes as `Authorization: Bearer tr_pat_...` or as `?token=` (EventSource in a
browser cannot set headers). A token for another run is 404 (no existence leak); an
expired or forged token is 401. A run id that does not start with `run_` is 400.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from coldcraft.api.deps import AppSettings, BearerToken, DBSession, authenticate_key
from coldcraft.errors import InvalidRequest, Unauthorized
from coldcraft.runs.service import run_service
from coldcraft.runs.tokens import TOKEN_PREFIX, looks_like_run_id
from coldcraft.store.models import Run


def valid_run_id(
    run_id: Annotated[str, Path(description="Run id (`run_...`)", max_length=200)],
) -> str:
    if not looks_like_run_id(run_id):
        raise InvalidRequest("Invalid run id: expected 'run_' followed by the id")
    return run_id


RunId = Annotated[str, Depends(valid_run_id)]
QueryToken = Annotated[
    str | None, Query(alias="token", description="The run's publicAccessToken (for browsers)")
]


async def get_readable_run(
    request: Request,
    run_id: RunId,
    session: DBSession,
    settings: AppSettings,
    credentials: BearerToken,
    token: QueryToken = None,
) -> Run:
    bearer = credentials.credentials if credentials is not None else None
    if bearer is not None and not bearer.startswith(TOKEN_PREFIX):
        user = await authenticate_key(request, session, bearer)
        return await run_service.get_owned(session, user, run_id)
    run_token = bearer or token
    if run_token is None:
        raise Unauthorized("Send an API key or the run's publicAccessToken")
    return await run_service.get_with_token(session, settings, run_id, run_token)


ReadableRun = Annotated[Run, Depends(get_readable_run)]
