"""Merge fields of a template step: which names resolve, and a did-you-mean for those that
do not. A bare name that is not built in (`%industry%`) resolves from the lead's custom
fields (`custom_fields.industry`); built-in names win."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass

from coldcraft.skeletons.schema import LEAD_FIELDS, SENDER_FIELDS
from coldcraft.skeletons.template import CUSTOM_PREFIX, AIBlock, MergeField, parse


@dataclass(frozen=True)
class UnknownField:
    name: str
    line: int
    column: int
    suggestion: str | None  # the field meant, written as a template would: "%first_name%"

    @property
    def message(self) -> str:
        hint = f"; did you mean {self.suggestion}?" if self.suggestion else ""
        where = f"line {self.line}, column {self.column}"
        return f"unknown merge field %{self.name}% at {where} (no prospect has it){hint}"


def template_fields(text: str) -> tuple[list[MergeField], list[AIBlock]]:
    """The merge fields and AI blocks of a template (raises TemplateSyntaxError)."""
    segments = parse(text)
    return (
        [s for s in segments if isinstance(s, MergeField)],
        [s for s in segments if isinstance(s, AIBlock)],
    )


def unknown_fields(text: str, custom_keys: Collection[str]) -> list[UnknownField]:
    """Fields of `text` that resolve to nothing: neither built in nor a custom field that a
    prospect of the campaign has (`custom_keys`). Raises TemplateSyntaxError."""
    fields, _ = template_fields(text)
    unknown = []
    for field in fields:
        custom = field.name.removeprefix(CUSTOM_PREFIX)
        built_in = field.name in LEAD_FIELDS or field.name in SENDER_FIELDS
        if built_in or custom in custom_keys:
            continue
        suggestion = _suggest(custom, custom_keys)
        unknown.append(UnknownField(field.name, field.line, field.column, suggestion))
    return unknown


def _suggest(name: str, custom_keys: Collection[str]) -> str | None:
    names = [*LEAD_FIELDS, *SENDER_FIELDS, *custom_keys]
    close = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.6)
    return f"%{close[0]}%" if close else None
