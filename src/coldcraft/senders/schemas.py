"""Sender account requests and responses."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

SenderType = Literal["email", "linkedin"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
# Shape only (something@domain.tld); deliverability is the sending tool's job.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class SenderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: SenderType
    first_name: Name
    last_name: OptionalName | None = None
    email_address: str | None = Field(default=None, max_length=320)
    display_name: OptionalName | None = None
    signature: str | None = Field(default=None, max_length=5000)

    @field_validator("email_address")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not EMAIL_SHAPE.match(value):
            raise ValueError("not a valid email address")
        return value

    @model_validator(mode="after")
    def _email_sender_has_address(self) -> SenderCreate:
        if self.type == "email" and not self.email_address:
            raise ValueError("email_address is required for email senders")
        return self


class SenderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    type: SenderType
    first_name: str
    last_name: str | None
    email_address: str | None
    display_name: str | None
    signature: str | None
    created_at: datetime
    updated_at: datetime


class SenderResponse(BaseModel):
    sender: SenderOut


class SendersResponse(BaseModel):
    senders: list[SenderOut]
