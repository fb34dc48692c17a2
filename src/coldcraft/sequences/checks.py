"""Template steps are checked when saved: a syntax error or an AI block is a 400 with the
position; a merge field that resolves to nothing is a warning (and blocks launch).

A template step is sent as written, merge fields filled per prospect: an AI block (`&&...&&`)
has no writer there, so it belongs in an AI node.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from coldcraft.errors import InvalidRequest
from coldcraft.skeletons.rules.fields import template_fields, unknown_fields
from coldcraft.skeletons.template import TemplateSyntaxError
from coldcraft.store.models import SequenceNode

TEMPLATE_FIELDS = ("subject", "body")
RULE = "merge_field_unknown"


@dataclass(frozen=True)
class TemplateWarning:
    node_id: uuid.UUID
    field: str  # "subject" | "body"
    rule: str
    message: str
    name: str
    suggestion: str | None


def template_texts(node: SequenceNode) -> list[tuple[str, str]]:
    """(field, text) of a template step's subject and body (AI nodes and delays: none)."""
    if node.type not in ("email", "message", "connection_request"):
        return []
    return [(field, getattr(node, field) or "") for field in TEMPLATE_FIELDS]


def check_syntax(node: SequenceNode) -> None:
    """400 `invalid_request` naming the field and the position of the first problem."""
    for field, text in template_texts(node):
        try:
            _, blocks = template_fields(text)
        except TemplateSyntaxError as exc:
            raise _refused(field, exc.message, exc.line, exc.column) from exc
        if blocks:
            message = "an AI block ('&&') has no writer in a template step; use an AI node"
            raise _refused(field, message, blocks[0].line, blocks[0].column)


def field_warnings(node: SequenceNode, custom_keys: Collection[str]) -> list[TemplateWarning]:
    """The merge fields of a (syntactically valid) template step that resolve to nothing."""
    return [
        TemplateWarning(node.id, field, RULE, unknown.message, unknown.name, unknown.suggestion)
        for field, text in template_texts(node)
        for unknown in unknown_fields(text, custom_keys)
    ]


def _refused(field: str, message: str, line: int, column: int) -> InvalidRequest:
    detail = {"field": field, "message": message, "line": line, "column": column}
    return InvalidRequest(f"{field}: line {line}, column {column}: {message}", details=[detail])
