"""What an API key may do: `read`, `write` (create, edit, spend) and `launch` (launch, pause,
resume, delete a campaign). A key created without scopes has all three."""

from __future__ import annotations

from typing import Literal, get_args

from coldcraft.errors import InvalidRequest

Scope = Literal["read", "write", "launch"]
ALL_SCOPES: tuple[Scope, ...] = get_args(Scope)


def parse_scopes(text: str | None) -> frozenset[Scope]:
    """`"read,write"` -> {read, write}; None or blank -> every scope. Unknown names are 400."""
    if text is None or not text.strip():
        return frozenset(ALL_SCOPES)
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(ALL_SCOPES))
    if unknown:
        raise InvalidRequest(
            f"Unknown scope {', '.join(map(repr, unknown))}: choose from {', '.join(ALL_SCOPES)}"
        )
    return frozenset(scope for scope in ALL_SCOPES if scope in names)


def format_scopes(scopes: frozenset[Scope]) -> str:
    """The stored form, in a fixed order: `read,write,launch`."""
    return ",".join(scope for scope in ALL_SCOPES if scope in scopes)
