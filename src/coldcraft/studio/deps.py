"""The studio's request plumbing: templates, the signed-in user, CSRF, errors as pages.

Pages call the domain services with the signed-in user and the request's database session
(`api.deps.DBSession`), exactly as the API's endpoints do with the API key's user: one set
of rules, one ownership check (another account's campaign is a 404 here too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import BaseModel, ValidationError

from coldcraft.accounts.service import account_service
from coldcraft.api.deps import DBSession, get_sessionmaker, get_settings
from coldcraft.errors import AppError, InvalidRequest
from coldcraft.store.models import User
from coldcraft.store.session import reading
from coldcraft.studio import auth, views

log = logging.getLogger("coldcraft.studio")

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(views.FILTERS)
templates.env.globals.update(views.GLOBALS)
FLASH_COOKIE = "coldcraft_flash"
M = TypeVar("M", bound=BaseModel)
# Every page: our own scripts and styles only (no inline script can run, whatever a lead is
# named), no framing, and no Referer carrying a URL out.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """No valid session: a page redirects to the sign-in form, a fetch gets 401."""


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token."""


def secret_of(request: Request) -> str:
    secret: str | None = getattr(request.app.state, "studio_secret", None)
    if secret is None:
        secret = get_settings(request).resolved_secret_key()
        request.app.state.studio_secret = secret
    return secret


def current_session(request: Request) -> auth.StudioSession | None:
    return auth.read_session(secret_of(request), request.cookies.get(auth.COOKIE_NAME))


async def get_studio_user(request: Request, session: DBSession) -> User:
    studio = current_session(request)
    user = None if studio is None else await account_service.get_user(session, studio.user_id)
    if studio is None or user is None:
        raise SignInRequired
    request.state.studio = studio
    request.state.user = user
    return user


async def get_detached_studio_user(request: Request) -> User:
    """The signed-in user, read in a short read of its own that is over before the page
    runs: for pages whose service commits in chunks (resolve, launch, bulk review), which
    must not wait behind a request transaction of their own (SQLite's write lock)."""
    studio = current_session(request)
    user = None
    if studio is not None:
        async with reading(get_sessionmaker(request)) as session:
            user = await account_service.get_user(session, studio.user_id)
    if studio is None or user is None:
        raise SignInRequired
    request.state.studio = studio
    request.state.user = user
    return user


async def check_csrf(request: Request, user: Annotated[User, Depends(get_studio_user)]) -> User:
    """The signed-in user, after checking the form's (or the fetch header's) CSRF token."""
    await _require_csrf(request)
    return user


async def check_csrf_detached(
    request: Request, user: Annotated[User, Depends(get_detached_studio_user)]
) -> User:
    await _require_csrf(request)
    return user


async def _require_csrf(request: Request) -> None:
    token = request.headers.get(auth.CSRF_HEADER)
    if token is None and _is_form(request):
        token = str((await request.form()).get(auth.CSRF_FIELD) or "")
    if not auth.csrf_valid(secret_of(request), request.state.studio, token):
        raise CsrfRefused


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


StudioUser = Annotated[User, Depends(get_studio_user)]
ActingUser = Annotated[User, Depends(check_csrf)]  # every route that changes something
# ... and the routes whose service opens its own units of work (no request transaction)
DetachedActingUser = Annotated[User, Depends(check_csrf_detached)]


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A page: the template with the user, the CSRF token and any flash message."""
    studio: auth.StudioSession | None = getattr(request.state, "studio", None)
    values: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": auth.csrf_token(secret_of(request), studio) if studio else "",
        "flash": request.cookies.get(FLASH_COOKIE),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, values, status_code=status)
    if values["flash"]:
        response.delete_cookie(FLASH_COOKIE, path="/")
    response.headers.update(PAGE_HEADERS)
    return response


def redirect(url: str, *, flash: str | None = None) -> RedirectResponse:
    """303 to `url` (after a form POST), with an optional one-shot message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, flash[:300], path="/", httponly=True, samesite="lax")
    return response


def quote_page(
    request: Request, quote: Any, *, what: str, fields: dict[str, Any], back: str
) -> HTMLResponse:
    """The quote before an action that spends: confirming re-posts `fields` to this URL
    with `confirmed=true`."""
    context = {"quote": quote, "what": what, "action": request.url.path, "fields": fields}
    return render(request, "quote.html", context | {"back": back})


def csrf_field(token: str) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(auth.CSRF_FIELD, token)


class StudioRoute(APIRoute):
    """Errors as the studio shows them: domain errors and refusals become pages (or JSON for
    a fetch); without a session a page redirects to the sign-in form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def studio_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                if wants_json(request):
                    return JSONResponse({"error": "Sign in first"}, status_code=401)
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET":  # a form posted after the session ended
                    target = "/"
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except CsrfRefused:
                return _error(request, 403, "This form has expired or did not come from here.")
            except AppError as exc:
                return _error(request, exc.status_code, exc.message, exc.details)

        return studio_handler


def _error(
    request: Request, status: int, message: str, details: list[dict[str, Any]] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message, "details": details or []}, status_code=status)
    context = {"status": status, "message": message, "details": details or []}
    return render(request, "error.html", context, status=status)


def parse(model: type[M], **data: Any) -> M:
    """A request model from form fields; its validation errors become a 400 page."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidRequest(problems) from None


templates.env.globals["csrf_field"] = csrf_field
