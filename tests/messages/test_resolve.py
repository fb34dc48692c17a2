"""The pure pieces of resolve: the compiled renderer, name normalisation, example matching."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest

from coldcraft.chat.schemas import GeneratedExample
from coldcraft.messages.resolve import (
    ExampleMatcher,
    NodeText,
    RenderContext,
    name_key,
    normalise_name,
)
from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender
from coldcraft.skeletons.template import render
from coldcraft.store.models import Prospect

TEMPLATES = [
    "Hi %first_name%,",
    "Hi %first_name|there%, about %company%'s (%position%) plan",
    "%first_name% %last_name%\n\n\n%custom_fields.project|your project%: 50% faster; %headline%.",
    "Quick idea for %company|your team% &&an AI block left in a template&& ok",
    "%sender_first% at %sender_email%\n%signature%\n%unknown_field%",
    "Broken %first_name &&unclosed",
    "",
]
CTX = RenderContext(Sender(first_name="Sam", email="sam@x.example"), CampaignInfo(signature="Sam"))
VALUES = [None, "", " ", "Ada", "O'Neil, Jr.", "50%", "a&&b", "%company%", "x  y\n\nz"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_node_text_renders_exactly_like_render(template: str) -> None:
    compiled = NodeText(template)
    for first, company, project in itertools.product(VALUES, repeat=3):
        position = company
        custom = {"project": project} if project is not None else {}
        lead = Lead(first_name=first, company=company, position=position, custom_fields=custom)
        expected = render(template, lead, CTX.sender, CTX.campaign)
        text, missing = compiled.render(CTX.values(lead))
        assert (text, missing) == (expected.text, expected.missing_fields), lead


def test_one_lead_values_serve_several_templates_without_leaking_missing_fields() -> None:
    lead_values = CTX.values(Lead(company="Acme"))
    assert NodeText("Hi %first_name%,").render(lead_values) == ("Hi,", ["first_name"])
    assert NodeText("About %company%").render(lead_values) == ("About Acme", [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  José   GARCÍA ", "jose garcia"), ("Zoë\tO'Brien", "zoe o'brien"), (None, ""), ("", "")],
)
def test_names_are_normalised(raw: str | None, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_name_key_prefers_first_and_last_then_full_name() -> None:
    assert name_key("Ada", "Lovelace", "Countess") == "ada lovelace"
    assert name_key(None, None, "Ada  Lovelace") == "ada lovelace"


def _prospect(**fields: Any) -> Prospect:
    return Prospect(id=uuid.uuid4(), **fields)


def _example(lead_id: str, **lead: Any) -> GeneratedExample:
    data = {"lead_id": lead_id, "lead": lead, "subject": "s", "body": f"for {lead_id}"}
    return GeneratedExample.model_validate(data)


def test_lead_id_may_be_the_prospects_email() -> None:
    ada = _prospect(email="ada@x.example", first_name="Ada")
    matcher = ExampleMatcher([_example("ADA@x.example")])
    assert matcher.match(ada) is not None
    assert matcher.unmatched() == []


def test_a_namesake_with_another_email_does_not_take_the_example() -> None:
    other = _prospect(email="ada@other.example", first_name="Ada", last_name="L")
    matcher = ExampleMatcher(
        [_example("ada@x.example", first_name="Ada", last_name="L", email="ada@x.example")]
    )
    assert matcher.match(other) is None
    assert matcher.unmatched() == [{"lead_id": "ada@x.example", "name": "Ada L"}]


def test_among_namesake_examples_the_same_company_wins() -> None:
    examples = [
        _example("name:ada l", first_name="Ada", last_name="L", company="Acme"),
        _example("name:ada l 2", first_name="Ada", last_name="L", company="Globex"),
    ]
    matcher = ExampleMatcher(examples)
    picked = matcher.match(_prospect(first_name="ada", last_name="l", company="GLOBEX"))
    assert picked is examples[1]


def test_failed_examples_are_skipped() -> None:
    failed = GeneratedExample.model_validate(
        {"lead_id": "x", "lead": {"first_name": "Ada"}, "error": {"code": "e", "message": "m"}}
    )
    matcher = ExampleMatcher([failed])
    assert matcher.match(_prospect(first_name="Ada")) is None
    assert matcher.skipped() == [
        {"lead_id": "x", "name": "Ada", "error": {"code": "e", "message": "m"}}
    ]
    assert matcher.unmatched() == []
