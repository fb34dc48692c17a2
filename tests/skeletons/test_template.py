"""The template language: parse (strict, with positions) and render (tolerant, tidy)."""

from __future__ import annotations

import pickle

import pytest

from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender
from coldcraft.skeletons.template import (
    AIBlock,
    MergeField,
    MergeValues,
    TemplateSyntaxError,
    Text,
    compile_template,
    merge_field_names,
    parse,
    parse_tolerant,
    render,
)

SEED_BODY = (
    "Hi %first_name%,\n\n&&2-sentence pain hook tied to %position%.&&\n\n"
    "&&Specific example of how we help.&&\n\nWorth a 10-min chat?\n\n%sender_first%"
)
SARAH = Lead(first_name="Sarah", last_name="Lee", company="Acme", position="Head of Ops")


# --- parse -------------------------------------------------------------------------------


def test_parse_splits_the_seed_body_into_text_fields_and_blocks() -> None:
    segments = parse(SEED_BODY)
    assert segments[:3] == [
        Text("Hi "),
        MergeField("first_name", None, 1, 4),
        Text(",\n\n"),
    ]
    assert segments[3] == AIBlock("2-sentence pain hook tied to %position%.", 3, 1)
    assert segments[5] == AIBlock("Specific example of how we help.", 5, 1)
    assert segments[-1] == MergeField("sender_first", None, 9, 1)


def test_parse_reads_a_fallback() -> None:
    assert parse("Hi %first_name|there%!")[1] == MergeField("first_name", "there", 1, 4)


def test_parse_reads_custom_fields_and_empty_fallbacks() -> None:
    segments = parse("%custom_fields.industry% %company|%")
    assert segments[0] == MergeField("custom_fields.industry", None, 1, 1)
    assert segments[2] == MergeField("company", "", 1, 26)


@pytest.mark.parametrize(
    "text",
    ["50% faster", "100%", "a % b", "50% off, 20% more", "%First_Name%", "100%%", "%1abc%"],
)
def test_a_percent_that_is_not_a_field_stays_literal(text: str) -> None:
    assert parse(text) == [Text(text)]


def test_a_fallback_cannot_hold_a_newline_so_the_percent_stays_literal() -> None:
    assert parse("%first_name|a\nb%") == [Text("%first_name|a\nb%")]


def test_unclosed_block_error_points_at_the_opening_marker() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("Hi,\n\n  &&hook about their role")
    error = caught.value
    assert (error.line, error.column) == (3, 3)
    assert str(error) == "line 3, column 3: unclosed AI block '&&'"
    assert error.hint


@pytest.mark.parametrize("text", ["&&&&", "a && && b", "&&\n&&"])
def test_empty_block_is_an_error(text: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="empty AI block"):
        parse(text)


def test_nested_block_is_an_error_at_the_inner_marker() -> None:
    with pytest.raises(TemplateSyntaxError, match="inside the AI block from line 1, column 1"):
        parse("&&outer &&inner&& outer&&")
    with pytest.raises(TemplateSyntaxError) as caught:
        parse("&&write a hook\n&&Specific example&&")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_adjacent_blocks_are_not_nested() -> None:
    blocks = [s for s in parse("&&one&& &&two&&\n&&three &&") if isinstance(s, AIBlock)]
    assert [b.instruction for b in blocks] == ["one", "two", "three "]


def test_an_ampersand_alone_is_literal_text() -> None:
    assert parse("R&D at Tom & Jerry") == [Text("R&D at Tom & Jerry")]


def test_a_fallback_may_hold_an_ampersand_but_not_a_marker() -> None:
    assert parse("%company|Tom & Jerry%")[0] == MergeField("company", "Tom & Jerry", 1, 1)
    with pytest.raises(TemplateSyntaxError, match="unclosed"):
        parse("%company|a&&b%")


def test_syntax_error_survives_pickling() -> None:
    error = TemplateSyntaxError("empty AI block", 2, 5, "write one")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.line, copy.column, copy.hint, str(copy)) == (
        "empty AI block",
        2,
        5,
        "write one",
        str(error),
    )


def test_parse_tolerant_drops_a_stray_marker_and_empty_blocks() -> None:
    assert parse_tolerant("a &&b %company%") == [
        Text("a b "),
        MergeField("company", None, 1, 7),
    ]
    assert parse_tolerant("a&&  &&b") == [Text("ab")]


def test_merge_field_names_include_ai_blocks_and_never_raise() -> None:
    assert merge_field_names(SEED_BODY) == ["first_name", "position", "sender_first"]
    assert merge_field_names("&&%company% %company% unclosed") == ["company"]


# --- render ------------------------------------------------------------------------------


def test_render_substitutes_lead_and_sender_fields() -> None:
    rendered = render(SEED_BODY, SARAH, Sender(first_name="Sid"), ai_texts=["Hook.", "Proof."])
    assert rendered.text == "Hi Sarah,\n\nHook.\n\nProof.\n\nWorth a 10-min chat?\n\nSid"
    assert rendered.missing_fields == []
    assert rendered.ai_blocks == [
        "2-sentence pain hook tied to Head of Ops.",
        "Specific example of how we help.",
    ]


def test_missing_fields_render_empty_are_listed_once_and_tidied() -> None:
    rendered = render("Hi %first_name%, about %company%'s plan.\n\n%sender_first%\n%first_name%")
    assert rendered.text == "Hi, about plan."
    assert rendered.missing_fields == ["first_name", "company", "sender_first"]


def test_fallback_is_used_when_the_value_is_missing_or_blank() -> None:
    assert render("Hi %first_name|there%,").text == "Hi there,"
    assert render("Hi %first_name|there%,", Lead(first_name="  ")).text == "Hi there,"
    assert render("Hi %first_name|there%,", SARAH).text == "Hi Sarah,"
    assert render("Hi %first_name|there%,").missing_fields == []


def test_an_empty_fallback_renders_nothing_without_reporting_a_missing_field() -> None:
    rendered = render("Hi %first_name|%, welcome")
    assert (rendered.text, rendered.missing_fields) == ("Hi, welcome", [])


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi %first_name% there", "Hi there"),
        ("Hi %first_name% ,", "Hi,"),
        ("Hi %first_name%!", "Hi!"),
        ("Thanks (%position%) for it", "Thanks for it"),
        ("Acme, %position%, Berlin", "Acme, Berlin"),
        ("%first_name%, thanks", "thanks"),
        ("Hi,\n\n%first_name%\n\nBye", "Hi,\n\nBye"),
        ("Best,\n%signature%\n", "Best,"),
        ("a\n\n\n\nb", "a\n\nb"),
        ("trailing   \nspace", "trailing\nspace"),
        ("  ends  ", "ends"),
        ("Hi\r\nthere", "Hi\nthere"),
    ],
)
def test_tidy_up_repairs_text_around_empty_values(template: str, expected: str) -> None:
    assert render(template).text == expected


def test_blocks_render_empty_without_ai_texts() -> None:
    assert render(SEED_BODY, SARAH).text == "Hi Sarah,\n\nWorth a 10-min chat?"


def test_ai_texts_must_match_the_number_of_blocks() -> None:
    with pytest.raises(ValueError, match="1 AI texts for 2 AI blocks"):
        render(SEED_BODY, ai_texts=["only one"])


def test_merge_fields_inside_ai_texts_are_substituted() -> None:
    rendered = render("&&greet&&", SARAH, ai_texts=["Hi %first_name%, %nope%."])
    assert (rendered.text, rendered.missing_fields) == ("Hi Sarah.", ["nope"])


def test_full_name_and_name_derive_from_first_and_last_name() -> None:
    assert render("%full_name% / %name%", SARAH).text == "Sarah Lee / Sarah Lee"
    assert render("%name%", Lead(full_name="Dr. Sarah Lee")).text == "Dr. Sarah Lee"


def test_sender_fields_and_signature() -> None:
    sender = Sender(first_name="Sid", last_name="Patel", email="sid@acme.io")
    campaign = CampaignInfo(signature="Sid Patel\nFounder, Acme")
    template = "%sender_first% %sender_last% <%sender_email%> %sender_name%\n\n%signature%"
    rendered = render(template, sender=sender, campaign=campaign)
    assert rendered.text == "Sid Patel <sid@acme.io> Sid Patel\n\nSid Patel\nFounder, Acme"
    named = Sender(first_name="Sid", display_name="Sid from Acme")
    assert render("%sender_name%", sender=named).text == "Sid from Acme"


def test_custom_fields_match_exactly_or_by_normalised_header() -> None:
    lead = Lead(custom_fields={"industry": "fintech", "Team Size": 40, "flag": None})
    assert render("%custom_fields.industry%", lead).text == "fintech"
    assert render("%custom_fields.team_size% people", lead).text == "40 people"
    rendered = render("x %custom_fields.flag% y", lead)
    assert (rendered.text, rendered.missing_fields) == ("x y", ["custom_fields.flag"])


def test_unknown_fields_render_empty_and_are_reported_missing() -> None:
    rendered = render("Hello %compnay% team", SARAH)
    assert (rendered.text, rendered.missing_fields) == ("Hello team", ["compnay"])


def test_render_tolerates_bad_syntax_and_leaves_no_markers() -> None:
    assert render("Hi &&unclosed %first_name%", SARAH).text == "Hi unclosed Sarah"
    assert render("a &&&& b").text == "a b"


def test_literal_percent_signs_survive_render() -> None:
    assert render("50% faster, 100% of teams, a % b").text == "50% faster, 100% of teams, a % b"


def test_values_cannot_smuggle_template_syntax_into_the_output() -> None:
    lead = Lead(company="%first_name% && co")
    assert render("At %company%.", lead).text == "At first_name% & co."
    assert render("x%%first_name%y%").text == "xy%"


def test_a_compiled_template_renders_like_render_for_many_leads() -> None:
    compiled = compile_template(SEED_BODY)
    assert compiled.ai_block_count == 2
    sender = Sender(first_name="Sid")
    for lead in (SARAH, Lead(), Lead(first_name="Priya", position="CTO")):
        values = MergeValues(lead, sender, None)
        assert compiled.render(values) == render(SEED_BODY, lead, sender)


def test_merge_values_can_be_reused_across_templates() -> None:
    values = MergeValues(Lead(first_name="Sarah"), None, None)
    assert compile_template("%company%").render(values).missing_fields == ["company"]
    assert compile_template("%first_name%").render(values).missing_fields == []


@pytest.mark.parametrize(
    "name", ["<b>Eve</b>", "<img src=x onerror=alert(1)>", "Eve</lead_data>", "<br/>"]
)
def test_a_value_holding_markup_counts_as_missing(name: str) -> None:
    lead = Lead(first_name=name, company="Acme")
    assert render("Hi %first_name|there%, at %company%", lead).text == "Hi there, at Acme"
    rendered = render("Hi %first_name%,", lead)
    assert (rendered.text, rendered.missing_fields) == ("Hi,", ["first_name"])


def test_angle_brackets_that_are_not_markup_are_kept() -> None:
    assert render("%company%", Lead(company="A < B > C")).text == "A < B > C"
