"""Signing in (an API key, or a one-time link) and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from coldcraft.accounts.service import account_service
from coldcraft.api.deps import DBSession, Sessions
from coldcraft.store.models import User
from coldcraft.store.session import unit_of_work
from coldcraft.studio import auth
from coldcraft.studio.deps import ActingUser, StudioRoute, render, secret_of
from coldcraft.studio.links import redeem_link

router = APIRouter(route_class=StudioRoute, include_in_schema=False)


def _signed_in(request: Request, user: User, next_url: str | None) -> Response:
    response = RedirectResponse(auth.safe_next(next_url), status_code=303)
    response.set_cookie(
        auth.COOKIE_NAME,
        auth.sign_session(secret_of(request), user.id),
        max_age=auth.SESSION_MAX_AGE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": auth.safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    session: DBSession,
    api_key: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Sign in with an API key: the key is checked, never stored nor shown again."""
    user = await account_service.authenticate(session, api_key.strip())
    if user is None:
        context = {"next": auth.safe_next(next), "error": "That API key is not valid."}
        return render(request, "login.html", context, status=401)
    return _signed_in(request, user, next)


@router.get("/login/link")
async def login_link(
    request: Request, sessions: Sessions, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The one-time link `coldcraft serve` prints: signs in once, then it is spent. (A GET
    that writes: it owns its unit of work, since a GET's request session only reads.)"""
    user = None
    if token:
        async with unit_of_work(sessions) as session:
            user_id = await redeem_link(session, token)
            if user_id is not None:
                user = await account_service.get_user(session, user_id)
    if user is None:
        error = "This sign-in link has been used or has expired. Sign in with an API key."
        return render(request, "login.html", {"next": "/", "error": error}, status=401)
    return _signed_in(request, user, "/")


@router.post("/logout")
async def logout(user: ActingUser) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/")
    return response
