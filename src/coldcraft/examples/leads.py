"""Lead identity for generated examples (`lead_id`) and the stored `lead` object."""

from __future__ import annotations

from typing import Any

from coldcraft.examples.schemas import LeadIn


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def lead_id(lead: LeadIn) -> str:
    """The lead's `id`, else its email, else its linkedin_url, else `name:<full name>`
    (lower-cased, single spaces; first + last when there is no full_name), else
    `company:<company>` for a lead known only by its company."""
    if lead.id and lead.id.strip():
        return lead.id.strip()
    if lead.email and lead.email.strip():
        return lead.email.strip().lower()
    if lead.linkedin_url and lead.linkedin_url.strip():
        return lead.linkedin_url.strip()
    name = _norm(lead.full_name) or _norm(f"{lead.first_name or ''} {lead.last_name or ''}")
    if name:
        return f"name:{name}"
    return f"company:{_norm(lead.company)}"


def lead_object(lead: LeadIn) -> dict[str, Any]:
    """The lead as stored on the example: the fields that were given."""
    return lead.model_dump(exclude_none=True, exclude_defaults=True)


def duplicate_errors(ids: list[str]) -> list[dict[str, str]]:
    first: dict[str, int] = {}
    details = []
    for index, key in enumerate(ids):
        if key in first:
            message = f"same lead as leads[{first[key]}] (lead_id {key!r})"
            details.append({"field": f"leads[{index}]", "message": message})
        else:
            first[key] = index
    return details
