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
    other = _prospect(email="ada@other.example", first_name="Ada", last_name="L", company="Acme")
    example = _example(
        "name:ada l", first_name="Ada", last_name="L", email="ada@x.example", company="Acme"
    )
    matcher = ExampleMatcher([example])
    assert matcher.match(other) is None
    assert matcher.unmatched() == [
        {
            "lead_id": "name:ada l",
            "name": "Ada L",
            "company": "Acme",
            "reason": "the Ada L at Acme has another email or LinkedIn URL",
        }
    ]


def test_an_example_for_an_unknown_email_says_so() -> None:
    matcher = ExampleMatcher([_example("ada@x.example", first_name="Ada", last_name="L")])
    assert matcher.match(_prospect(email="bob@x.example", first_name="Bob")) is None
    assert matcher.unmatched() == [
        {
            "lead_id": "ada@x.example",
            "name": "Ada L",
            "company": None,
            "reason": "no prospect has the id, email or LinkedIn URL 'ada@x.example'",
        }
    ]


def test_namesakes_at_two_companies_get_only_their_own_companys_example() -> None:
    """Two Sarah Lees (Globex, CFO; Acme, Head of Ops) and one example for the one at Acme:
    only the Acme prospect gets it."""
    example = _example("name:sarah lee", first_name="Sarah", last_name="Lee", company="Acme")
    matcher = ExampleMatcher([example])
    globex = _prospect(first_name="Sarah", last_name="Lee", company="Globex", position="CFO")
    acme = _prospect(first_name="sarah", last_name="LEE", company="ACME", position="Head of Ops")
    assert matcher.match(globex) is None
    assert matcher.match(acme) is example
    assert matcher.unmatched() == []


def test_a_name_never_crosses_companies_and_the_report_says_where_the_namesake_is() -> None:
    matcher = ExampleMatcher(
        [_example("name:sarah lee", first_name="Sarah", last_name="Lee", company="Acme")]
    )
    assert matcher.match(_prospect(first_name="Sarah", last_name="Lee", company="Globex")) is None
    assert matcher.match(_prospect(first_name="Sarah", last_name="Lee")) is None
    [report] = matcher.unmatched()
    assert report["reason"] == (
        "no Sarah Lee at Acme: the prospects with that name are at Globex, no company"
    )


def test_a_name_without_a_company_never_matches() -> None:
    matcher = ExampleMatcher([_example("name:ada l", first_name="Ada", last_name="L")])
    assert matcher.match(_prospect(first_name="Ada", last_name="L", company="Acme")) is None
    assert matcher.match(_prospect(first_name="Ada", last_name="L")) is None
    [report] = matcher.unmatched()
    assert report["reason"] == "the example's lead has no company, and a name alone never matches"


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
        {"lead_id": "x", "name": "Ada", "company": None, "error": {"code": "e", "message": "m"}}
    ]
    assert matcher.unmatched() == []
