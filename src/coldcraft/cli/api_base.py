"""Shared pieces of the API client's commands: connection options, errors, JSON/CSV input."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from coldcraft.cli.client import DEFAULT_API_URL, ApiClient, ApiConnectionError, ApiError
from coldcraft.cli.output import Format, print_error

P = ParamSpec("P")
R = TypeVar("R")

EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_RUN_NOT_COMPLETED = 4

ApiUrlOpt = Annotated[
    str,
    typer.Option("--api-url", envvar="COLDCRAFT_API_URL", help="API base URL.", show_default=True),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option("--api-key", envvar="COLDCRAFT_API_KEY", help="API key (pk_live_...)."),
]
FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-F",
        envvar="COLDCRAFT_FORMAT",
        help="json: the API's JSON verbatim; table: Rich tables.",
        case_sensitive=False,
    ),
]
IdempotencyOpt = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key", help="Idempotency-Key header: a retry with it replays the first run."
    ),
]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Wait for the run with a progress bar, then print it.")
]


@dataclass
class Connection:
    api_url: str = DEFAULT_API_URL
    api_key: str | None = None

    def client(self) -> ApiClient:
        return ApiClient(self.api_url, self.api_key)


def group(help_text: str) -> typer.Typer:
    """A command group whose callback takes --api-url/--api-key (or their env vars)."""
    app = typer.Typer(help=help_text, no_args_is_help=True)

    @app.callback()
    def connect(
        ctx: typer.Context,
        api_url: ApiUrlOpt = DEFAULT_API_URL,
        api_key: ApiKeyOpt = None,
    ) -> None:
        ctx.obj = Connection(api_url=api_url, api_key=api_key)

    return app


def client(ctx: typer.Context) -> ApiClient:
    connection = ctx.find_object(Connection) or Connection()
    return connection.client()


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print API/connection errors on stderr and exit non-zero instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        fmt = kwargs.get("fmt", Format.json)
        fmt = fmt if isinstance(fmt, Format) else Format.json
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            print_error(exc, fmt)
            raise typer.Exit(EXIT_API_ERROR) from exc
        except ApiConnectionError as exc:
            print_error(exc, fmt)
            raise typer.Exit(EXIT_UNREACHABLE) from exc

    return wrapper


def command(app: typer.Typer, name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`@command(app, "list")`: register a command with the shared error handling, taking
    --api-url/--api-key after the sub-command too."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        app.command(name)(with_connection_options(handles_errors(fn)))
        return fn

    return decorate


_LATE_URL, _LATE_KEY = "late_api_url", "late_api_key"
_LATE_OPTIONS = {
    _LATE_URL: Annotated[
        str | None, typer.Option("--api-url", help="API base URL (overrides the group's).")
    ],
    _LATE_KEY: Annotated[
        str | None, typer.Option("--api-key", help="API key (overrides the group's).")
    ],
}


def with_connection_options(fn: Callable[..., R]) -> Callable[..., R]:
    """`coldcraft campaigns list --api-key K` works like `coldcraft campaigns --api-key K
    list`: the command gets the two options too (typer reads the signature), and a value
    given there replaces the group's."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        url, key = kwargs.pop(_LATE_URL, None), kwargs.pop(_LATE_KEY, None)
        # The command's context (typer hands over its vendored click's class, not typer's).
        ctx = next((a for a in (*args, *kwargs.values()) if hasattr(a, "find_object")), None)
        if ctx is not None and (url is not None or key is not None):
            connection = ctx.find_object(Connection) or ctx.ensure_object(Connection)
            connection.api_url = url or connection.api_url
            connection.api_key = key or connection.api_key
        return fn(*args, **kwargs)

    signature = inspect.signature(fn, eval_str=True)  # typer reads the evaluated hints
    late = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=hint)
        for name, hint in _LATE_OPTIONS.items()
    ]
    params = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
    wrapper.__signature__ = signature.replace(parameters=[*params, *late])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {**getattr(fn, "__annotations__", {}), **_LATE_OPTIONS}
    return wrapper


# --- input -----------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A file's text; `-` reads stdin."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from exc


def parse_json(text: str, *, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"{source} is not valid JSON: {exc}") from exc


def json_input(*, file: Path | None, inline: str | None, what: str) -> Any:
    """The JSON given by exactly one of --file or --json."""
    if (file is None) == (inline is None):
        raise typer.BadParameter(f"give the {what} with exactly one of --file or --json")
    if file is not None:
        return parse_json(read_text(file), source=str(file))
    return parse_json(inline or "", source="--json")


def json_object(text: str | None, *, source: str) -> dict[str, Any] | None:
    """An optional inline JSON option that must be an object."""
    if text is None:
        return None
    value = parse_json(text, source=source)
    if not isinstance(value, dict):
        raise typer.BadParameter(f"{source} must be a JSON object")
    return value


def json_file_list(path: Path, *, key: str) -> list[Any]:
    """A JSON file holding a list, or an object with that list under `key`."""
    value = parse_json(read_text(path), source=str(path))
    if isinstance(value, dict) and isinstance(value.get(key), list):
        value = value[key]
    if not isinstance(value, list):
        raise typer.BadParameter(f"{path} must hold a JSON list (or {{{key!r}: [...]}})")
    return value


def compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the user set (None means not given)."""
    return {k: v for k, v in fields.items() if v is not None}


def split_ids(values: list[str] | None) -> list[str]:
    """Ids from repeated options, each possibly comma-separated."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def idempotency_headers(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key} if key else {}


def skeleton_file(path: Path) -> dict[str, Any]:
    """A skeleton from a file holding it bare, as `{"skeleton": ...}` (a chat reply) or as
    `{"session": {"skeleton": ...}}` (`chat get` output)."""
    value = parse_json(read_text(path), source=str(path))
    if isinstance(value, dict) and isinstance(value.get("session"), dict):
        value = value["session"]
    if isinstance(value, dict) and "skeleton" in value:
        value = value["skeleton"]
    if not isinstance(value, dict):
        raise typer.BadParameter(f"{path} holds no skeleton object")
    return value
