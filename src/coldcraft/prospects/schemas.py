"""Request/response models for campaign leads, with the limits of api.md "Limits"."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coldcraft.skeletons.schema import CustomValue

MAX_LEADS_PER_CALL = 1000
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 500
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_KEY_CHARS = 64
MAX_CUSTOM_VALUE_CHARS = 1000
MAX_DELETE_IDS = 10_000
# Keeps (page - 1) * limit a valid SQL OFFSET: a larger page overflowed into a 500.
MAX_PAGE = 1_000_000

Name = str | None
CustomFields = dict[str, CustomValue]
IDENTITY_FIELDS = ("email", "linkedin_url")


def check_custom_fields(value: CustomFields) -> CustomFields:
    """The custom_fields limits, shared by the API models and the CSV importer."""
    if len(value) > MAX_CUSTOM_FIELDS:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields")
    for key, item in value.items():
        if not key or len(key) > MAX_CUSTOM_KEY_CHARS:
            raise ValueError(f"custom field keys must be 1..{MAX_CUSTOM_KEY_CHARS} characters")
        if isinstance(item, str) and len(item) > MAX_CUSTOM_VALUE_CHARS:
            raise ValueError(
                f"custom field {key!r} is longer than {MAX_CUSTOM_VALUE_CHARS} characters"
            )
    return value


class _ProspectFields(BaseModel):
    """The client-writable fields. Strings are trimmed; blank means absent."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    email: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    linkedin_url: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    first_name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    last_name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    # `full_name` is what lead objects elsewhere in the API call it.
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS, alias="full_name")
    company: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    position: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    headline: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)

    @field_validator(
        "email", "linkedin_url", "first_name", "last_name", "name", "company", "position",
        "headline", mode="after",
    )  # fmt: skip
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class ProspectIn(_ProspectFields):
    custom_fields: CustomFields = Field(default_factory=dict)

    @field_validator("custom_fields")
    @classmethod
    def _custom(cls, value: CustomFields) -> CustomFields:
        return check_custom_fields(value)


class ProspectUpdates(_ProspectFields):
    """A partial update: only the keys present are applied (see `model_fields_set`)."""

    custom_fields: CustomFields | None = None

    @field_validator("custom_fields")
    @classmethod
    def _custom(cls, value: CustomFields | None) -> CustomFields | None:
        return None if value is None else check_custom_fields(value)


class AddLeadsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prospects: list[ProspectIn] = Field(min_length=1, max_length=MAX_LEADS_PER_CALL)


class ImportResult(BaseModel):
    imported: int
    duplicates: int


class SkippedRow(BaseModel):
    line: int  # where the row starts in the file (the header is line 1)
    reason: str


class CsvImportResult(ImportResult):
    invalid: int  # rows skipped, each listed in `skipped` (the first 100)
    skipped: list[SkippedRow] = []


class UpdateLeadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prospect_id: uuid.UUID
    updates: ProspectUpdates


class DeleteLeadsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prospect_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=MAX_DELETE_IDS
    )
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DeleteLeadsRequest:
        if (self.prospect_ids is None) == (self.all is None):
            raise ValueError("send exactly one of prospect_ids or all: true")
        return self


class DeleteLeadsResponse(BaseModel):
    deleted: int


class ProspectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    status: str
    email: str | None
    linkedin_url: str | None
    first_name: str | None
    last_name: str | None
    name: str | None
    company: str | None
    position: str | None
    headline: str | None
    custom_fields: dict[str, Any]
    source: str
    created_at: datetime


class ProspectResponse(BaseModel):
    prospect: ProspectOut


class ProspectPage(BaseModel):
    prospects: list[ProspectOut]
    total: int
    page: int
    limit: int
