"""The skeleton (an email framework for one AI node) and the plain data the judge reads.

Wire names follow the original product: `exampleSubject`/`exampleBody` are camelCase,
everything else snake_case. Models accept both the alias and the field name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CustomValue = str | int | float | bool | None

LEAD_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "name",
    "email",
    "company",
    "position",
    "headline",
    "linkedin_url",
)
SENDER_FIELDS: tuple[str, ...] = (
    "sender_first",
    "sender_last",
    "sender_name",
    "sender_email",
    "signature",
)


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Personalization(_Model):
    fields: list[str] = Field(default_factory=list, max_length=20)
    approach: str = Field(default="", max_length=2000)
    fallback: str = Field(default="", max_length=2000)


class Block(_Model):
    name: str = Field(default="", max_length=200)
    strategy: str = Field(default="", max_length=2000)
    personalization: Personalization = Field(default_factory=Personalization)


class Skeleton(_Model):
    subject: str = Field(max_length=1000)
    body: str = Field(max_length=20000)
    blocks: list[Block] = Field(default_factory=list, max_length=50)
    example_subject: str = Field(default="", alias="exampleSubject", max_length=1000)
    example_body: str = Field(default="", alias="exampleBody", max_length=20000)

    def wire(self) -> dict[str, object]:
        """The JSON shape clients see (camelCase example keys)."""
        return self.model_dump(by_alias=True)


class Lead(BaseModel):
    """A lead as the template language and the writer see it. Every field is optional."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    full_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=500)
    company: str | None = Field(default=None, max_length=500)
    position: str | None = Field(default=None, max_length=500)
    headline: str | None = Field(default=None, max_length=500)
    linkedin_url: str | None = Field(default=None, max_length=500)
    custom_fields: dict[str, CustomValue] = Field(default_factory=dict)

    def display_name(self) -> str:
        if self.full_name and self.full_name.strip():
            return self.full_name.strip()
        return " ".join(p.strip() for p in (self.first_name, self.last_name) if p and p.strip())


class Sender(BaseModel):
    model_config = ConfigDict(extra="ignore")

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    display_name: str | None = None


class CampaignInfo(BaseModel):
    """What rendering needs from the campaign: its signature."""

    model_config = ConfigDict(extra="ignore")

    signature: str | None = None


Severity = Literal["error", "warning"]


class Issue(BaseModel):
    rule: str
    message: str
    severity: Severity = "error"


def passed(issues: list[Issue]) -> bool:
    """A skeleton or email passes when no issue is an error."""
    return not any(issue.severity == "error" for issue in issues)
