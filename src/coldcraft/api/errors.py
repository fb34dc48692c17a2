"""Render every error as `{"error": {"code", "message", "details"?}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from coldcraft.errors import AppError, InvalidRequest, ServiceUnavailable

log = logging.getLogger("coldcraft.api")

HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}
HTTP_MESSAGES = {404: "Not found", 405: "Method not allowed"}
DB_RETRY_AFTER_SECONDS = "5"
# SQLSTATE class 22 ("data exception") is a value the database refuses to store, not an outage;
# 22021/22P05 is PostgreSQL refusing a NUL character in text (SQLite stores it).
DATA_EXCEPTION_CLASS = "22"
NUL_SQLSTATES = ("22021", "22P05")
# Errors that say why the database cannot write (SQLite primary result codes; SQLSTATEs).
SQLITE_READONLY, SQLITE_FULL = 8, 13
PG_READ_ONLY_TRANSACTION, PG_DISK_FULL = "25006", "53100"
UNAVAILABLE_MESSAGE = "Database is unavailable; retry shortly"
READ_ONLY_MESSAGE = "The database is read-only; retry later"
DISK_FULL_MESSAGE = "The disk is full; retry later"


def error_response(error: AppError) -> JSONResponse:
    return JSONResponse(error.envelope(), status_code=error.status_code, headers=error.headers)


def _field_path(loc: tuple[Any, ...], body: Any = None) -> str:
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    if loc and loc[0] == "body":
        parts = _without_union_tags(parts, body)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _without_union_tags(parts: list[Any], body: Any) -> list[Any]:
    """Pydantic names the member of a union in the location (`resolve` in
    `body.resolve.node_id`); keep the steps that exist in the JSON sent, so `field` is a path
    into it. The last step stays even when absent: it may name a missing field."""
    kept, value = [], body
    for index, part in enumerate(parts):
        tag = isinstance(value, dict) and part not in value and index < len(parts) - 1
        if tag:
            continue
        kept.append(part)
        inside = isinstance(value, dict) and part in value
        inside = inside or (isinstance(value, list) and isinstance(part, int) and part < len(value))
        value = value[part] if inside else None
    return kept


def validation_details(exc: RequestValidationError) -> list[dict[str, str]]:
    details = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        field = _field_path(tuple(err.get("loc", ())), exc.body)
        details.append({"field": field, "message": message})
    return details


def _not_json(request: Request, exc: RequestValidationError) -> str | None:
    """What to do when the body was not read as JSON at all (a form, or JSON sent without
    its Content-Type): FastAPI then reports the whole body as 'not a dictionary'."""
    whole_body = any(tuple(err.get("loc", ())) == ("body",) for err in exc.errors())
    content_type = request.headers.get("content-type", "")
    if not whole_body or "json" in content_type:
        return None
    sent = f"'{content_type.split(';')[0]}'" if content_type else "no Content-Type"
    return (
        f"The body must be JSON sent with 'Content-Type: application/json' (got {sent}); "
        "with curl: -H 'Content-Type: application/json' -d '{...}'"
    )


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return error_response(InvalidRequest("Malformed JSON body"))
    not_json = _not_json(request, exc)
    if not_json is not None:
        return error_response(InvalidRequest(not_json))
    details = validation_details(exc)
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
    return error_response(InvalidRequest(f"Invalid request: {summary}", details=details))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    message = HTTP_MESSAGES.get(exc.status_code) or str(exc.detail)
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _data_error(exc: Exception) -> InvalidRequest | None:
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if not isinstance(sqlstate, str) or not sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return None
    if sqlstate in NUL_SQLSTATES:
        return InvalidRequest("Invalid request: text must not contain NUL (\\u0000) characters")
    return InvalidRequest("Invalid request: a value cannot be stored")


def _unavailable_message(exc: Exception) -> str:
    """Say what is wrong when the database says it (never its path or the statement)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None  # extended codes keep it low
    sqlstate = getattr(orig, "sqlstate", None)
    if primary == SQLITE_READONLY or sqlstate == PG_READ_ONLY_TRANSACTION:
        return READ_ONLY_MESSAGE
    if primary == SQLITE_FULL or sqlstate == PG_DISK_FULL:
        return DISK_FULL_MESSAGE
    return UNAVAILABLE_MESSAGE


def database_error(exc: Exception) -> AppError:
    """A database error as the client sees it: 400 for a value the database refuses to
    store, else 503 `unavailable` with Retry-After."""
    if (invalid := _data_error(exc)) is not None:
        return invalid
    message = _unavailable_message(exc)
    log.warning("database unavailable: %s (%s)", type(exc).__name__, message)
    return ServiceUnavailable(message, headers={"Retry-After": DB_RETRY_AFTER_SECONDS})


async def _database_error(_: Request, exc: Exception) -> JSONResponse:
    return error_response(database_error(exc))


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(
        {"error": {"code": "internal", "message": "Internal server error"}}, status_code=500
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _database_error)
    app.add_exception_handler(Exception, _unhandled)
