"""The judge: one passing and one failing case per rule, and the applies-to matrix."""

from __future__ import annotations

from pathlib import Path

from coldcraft.skeletons.judge import (
    RULES,
    JudgeContext,
    JudgeSettings,
    judge_email,
    judge_skeleton,
)
from coldcraft.skeletons.schema import Issue, Lead, passed
from tests.skeletons.samples import GOOD_BODY, GOOD_SUBJECT, SEED, seed_with

FOLLOW_UP = JudgeContext(sequence_position=1)


def of(rule: str, issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.rule == rule]


def email(
    rule: str, subject: str = GOOD_SUBJECT, body: str = GOOD_BODY, **kw: object
) -> list[Issue]:
    return of(rule, judge_email(subject, body, JudgeContext(**kw)))  # type: ignore[arg-type]


def words(count: int) -> str:
    return " ".join(["Short plain words here."] * (count // 4)) + " ok" * (count % 4)


# --- the seed and the good email pass ----------------------------------------------------


def test_the_seed_skeleton_passes_with_no_issues() -> None:
    assert judge_skeleton(seed_with()) == []


def test_a_good_first_touch_email_passes_with_no_issues() -> None:
    assert judge_email(GOOD_SUBJECT, GOOD_BODY) == []


def test_rules_lists_every_rule_of_the_table() -> None:
    assert list(RULES) == [
        "em_dash", "ai_block_syntax", "merge_field_unknown", "blocks_match",
        "example_rendered", "subject_length", "body_length", "banned_phrase", "spam_words",
        "shouting", "links_first_touch", "single_cta", "readability", "unresolved_placeholder",
        "ungrounded_claim", "repeats_earlier_touch",
    ]  # fmt: skip
    assert RULES["subject_length"].threshold == "1..60 (warning above 50)"


def test_docs_describe_every_rule() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "templates.md").read_text(encoding="utf-8")
    assert [rule for rule in RULES if f"| `{rule}` |" not in docs] == []


def test_issues_come_in_a_stable_order() -> None:
    body = "Hi!! I hope this email finds you well \u2014 act now at https://x.com [Name]"
    first = judge_email("HELLO", body)
    assert first == judge_email("HELLO", body)
    order = list(RULES)
    assert [order.index(i.rule) for i in first] == sorted(order.index(i.rule) for i in first)


# --- em_dash -----------------------------------------------------------------------------


def test_em_dash_in_body_is_an_error() -> None:
    [issue] = email("em_dash", body=GOOD_BODY.replace(". It breaks", " \u2014 it breaks"))
    assert issue.severity == "error"
    assert issue.message.startswith("body: em dash at line 3, column ")
    assert "use a comma or a period" in issue.message


def test_horizontal_bar_and_spaced_double_hyphen_are_dashes() -> None:
    assert email("em_dash", subject="Ops \u2015 quick idea")
    assert email("em_dash", body=GOOD_BODY.replace(". It breaks", " -- it breaks"))


def test_signature_separator_and_hyphens_are_not_dashes() -> None:
    assert email("em_dash", body=GOOD_BODY.replace("\n\nSid", "\n\n-- \nSid")) == []
    assert email("em_dash", body=GOOD_BODY.replace("10-min", "10--min")) == []


def test_em_dash_in_any_skeleton_text_field_is_an_error() -> None:
    blocks = [{**SEED["blocks"][0], "strategy": "Be brief \u2014 one line"}]
    issues = of("em_dash", judge_skeleton(seed_with(blocks=blocks)))
    assert [i.message.split(":")[0] for i in issues] == ["blocks[0].strategy"]


# --- ai_block_syntax ---------------------------------------------------------------------


def test_unclosed_ai_block_in_body_is_an_error_with_its_position() -> None:
    body = SEED["body"].replace("how we help.&&", "how we help.")
    [issue] = of("ai_block_syntax", judge_skeleton(seed_with(body=body)))
    assert issue.message == (
        "body: line 5, column 1: unclosed AI block '&&'; close the block with '&&' after its "
        "instruction, or remove the stray '&&'"
    )


def test_balanced_ai_blocks_pass_syntax() -> None:
    assert of("ai_block_syntax", judge_skeleton(seed_with())) == []


# --- merge_field_unknown -----------------------------------------------------------------


def test_unknown_merge_field_is_an_error_with_a_suggestion() -> None:
    issues = judge_skeleton(seed_with(subject="Quick thought on %compnay%"))
    [issue] = of("merge_field_unknown", issues)
    assert issue.message == (
        "subject: unknown merge field %compnay% at line 1, column 18; did you mean %company%?"
    )


def test_upper_case_merge_field_is_an_error() -> None:
    [issue] = of("merge_field_unknown", judge_skeleton(seed_with(subject="Hi %First_Name%")))
    assert "is not lower-case" in issue.message
    assert "write %first_name%" in issue.message


def test_unknown_field_in_a_block_is_an_error() -> None:
    blocks = [{**SEED["blocks"][0], "strategy": "Mention %industry%"}]
    [issue] = of("merge_field_unknown", judge_skeleton(seed_with(blocks=blocks)))
    assert issue.message.startswith("blocks[0].strategy: unknown merge field %industry%")


def test_custom_field_without_a_key_is_an_error() -> None:
    [issue] = of("merge_field_unknown", judge_skeleton(seed_with(subject="Hi %custom_fields.%")))
    assert issue.message.endswith("name the key: %custom_fields.<key>%")


def test_known_lead_sender_and_custom_fields_pass() -> None:
    subject = "%first_name|Hi% %custom_fields.industry% %sender_name% %signature%"
    assert of("merge_field_unknown", judge_skeleton(seed_with(subject=subject))) == []


# --- blocks_match ------------------------------------------------------------------------


def test_ai_blocks_without_any_block_entry_is_an_error() -> None:
    [issue] = of("blocks_match", judge_skeleton(seed_with(blocks=[])))
    assert issue.message.startswith("blocks: the body has 2 AI blocks but blocks[] is empty")


def test_more_block_entries_than_ai_blocks_is_an_error() -> None:
    blocks = SEED["blocks"] * 3
    [issue] = of("blocks_match", judge_skeleton(seed_with(blocks=blocks)))
    assert issue.message.startswith("blocks: 3 entries for 2 AI blocks in the body")


def test_block_needs_a_name_a_strategy_and_a_fallback() -> None:
    blocks = [{"name": "", "strategy": " ", "personalization": {"fields": ["company"]}}]
    messages = [i.message for i in of("blocks_match", judge_skeleton(seed_with(blocks=blocks)))]
    assert messages == [
        "blocks[0]: name is empty; give the section a short name such as 'Opener'",
        "blocks[0]: strategy is empty; say how this section should be written",
        "blocks[0]: personalization.fallback is empty; say what to write when company are "
        "missing or weak",
    ]


def test_unknown_personalization_field_is_an_error() -> None:
    personalization = {**SEED["blocks"][0]["personalization"], "fields": ["compnay"]}
    blocks = [{**SEED["blocks"][0], "personalization": personalization}]
    [issue] = of("blocks_match", judge_skeleton(seed_with(blocks=blocks)))
    assert "unknown field 'compnay'; did you mean %company%?" in issue.message


def test_a_static_body_needs_no_blocks() -> None:
    skeleton = seed_with(body="Hi %first_name%,\n\nWorth a chat?", blocks=[])
    assert of("blocks_match", judge_skeleton(skeleton)) == []


# --- example_rendered --------------------------------------------------------------------


def test_merge_field_left_in_example_body_is_an_error() -> None:
    example = SEED["exampleBody"].replace("Sarah", "%first_name%")
    [issue] = of("example_rendered", judge_skeleton(seed_with(exampleBody=example)))
    assert issue.message.startswith('exampleBody: merge field "%first_name%" left at line 1, col')


def test_ai_marker_left_in_example_or_email_is_an_error() -> None:
    example = SEED["exampleBody"] + " &&sign-off&&"
    assert of("example_rendered", judge_skeleton(seed_with(exampleBody=example)))
    assert email("example_rendered", subject="Hi %First_Name%")


def test_empty_example_subject_is_an_error() -> None:
    [issue] = of("example_rendered", judge_skeleton(seed_with(exampleSubject=" ")))
    assert issue.message.startswith("exampleSubject is empty")


def test_rendered_examples_pass() -> None:
    assert email("example_rendered", body=GOOD_BODY + "\n\n50% faster, 100% sure") == []


# --- subject_length ----------------------------------------------------------------------


def test_subject_over_60_characters_is_an_error() -> None:
    [issue] = email("subject_length", subject="x" * 61)
    assert issue.severity == "error"
    assert issue.message == "subject: 61 characters (max 60); shorten it"


def test_subject_over_50_characters_is_a_warning() -> None:
    [issue] = email("subject_length", subject="x" * 55)
    assert issue.severity == "warning"


def test_empty_or_multi_line_subject_is_an_error() -> None:
    assert email("subject_length", subject="  ")[0].message.startswith("subject is empty")
    assert email("subject_length", subject="a\nb")[0].severity == "error"


def test_skeleton_subject_is_measured_rendered_not_as_template_source() -> None:
    subject = "Your %custom_fields.team_name% team and %company%'s ops q3 plan"  # 61 raw
    assert of("subject_length", judge_skeleton(seed_with(subject=subject))) == []
    lead = Lead(company="A very long company name that goes on", custom_fields={"team_name": "x"})
    context = JudgeContext(sample_lead=lead)
    [issue] = of("subject_length", judge_skeleton(seed_with(subject=subject), context))
    assert issue.message.startswith("subject (rendered for the sample lead): 67 characters")


def test_subject_with_ai_blocks_is_measured_on_the_example_subject() -> None:
    skeleton = seed_with(subject="&&subject about their ops&&", exampleSubject="y" * 70)
    [issue] = of("subject_length", judge_skeleton(skeleton))
    assert issue.message.startswith("exampleSubject (the subject has AI blocks): 70 characters")


# --- body_length -------------------------------------------------------------------------


def test_first_touch_under_20_words_is_an_error() -> None:
    [issue] = email("body_length", body=words(12))
    assert issue.message == "body: 12 words (a first touch needs 20..150); add a concrete detail"


def test_first_touch_over_150_words_is_an_error_and_over_125_a_warning() -> None:
    assert email("body_length", body=words(151))[0].severity == "error"
    assert email("body_length", body=words(130))[0].severity == "warning"
    assert email("body_length", body=words(125)) == []


def test_follow_up_allows_10_to_100_words() -> None:
    assert email("body_length", body=words(12), sequence_position=1) == []
    assert email("body_length", body=words(101), sequence_position=1)[0].severity == "error"
    assert email("body_length", body=words(8), sequence_position=2)[0].severity == "error"


def test_skeleton_length_is_measured_on_the_example_body() -> None:
    [issue] = of("body_length", judge_skeleton(seed_with(exampleBody="Hi Sarah, worth a chat?")))
    assert issue.message.startswith("exampleBody: 5 words")


# --- banned_phrase -----------------------------------------------------------------------


def test_cliche_opener_is_a_banned_phrase() -> None:
    body = "I hope this email finds you well.\n\n" + GOOD_BODY
    [issue] = email("banned_phrase", body=body)
    assert issue.message.startswith('body: banned phrase "i hope this email finds you well" at')


def test_banned_words_match_case_insensitively_on_word_boundaries() -> None:
    assert email("banned_phrase", subject="Delving into ops")
    assert email("banned_phrase", subject="A real Game-Changer")
    assert email("banned_phrase", subject="Synergy at Acme")
    assert email("banned_phrase", subject="Synergyx and xsynergy") == []


def test_workspace_banned_words_come_from_house_rules() -> None:
    settings = JudgeSettings().with_house_rules({"banned_words": ["onboarding"]})
    [issue] = email("banned_phrase", settings=settings)
    assert issue.message.startswith('subject: banned phrase "onboarding" at line 1, column 25')


def test_banned_phrase_applies_to_every_skeleton_text_field() -> None:
    blocks = [{**SEED["blocks"][0], "name": "Synergy opener"}]
    [issue] = of("banned_phrase", judge_skeleton(seed_with(blocks=blocks)))
    assert issue.message.startswith("blocks[0].name:")


# --- spam_words --------------------------------------------------------------------------


def test_spam_trigger_in_subject_is_an_error() -> None:
    first, second = email("spam_words", subject="100% free audit, act now")
    assert first.message.startswith('subject: spam-trigger phrase "100% free" at line 1, column 1')
    assert second.message.startswith('subject: spam-trigger phrase "act now" at line 1, column 18')


def test_spam_words_inside_ai_instructions_do_not_count() -> None:
    body = SEED["body"].replace("how we help.", "how we help; never say guaranteed.")
    assert of("spam_words", judge_skeleton(seed_with(body=body))) == []
    body = SEED["body"].replace("Worth", "Guaranteed results. Worth")
    assert of("spam_words", judge_skeleton(seed_with(body=body)))


def test_plain_email_has_no_spam_words() -> None:
    assert email("spam_words") == []


# --- shouting ----------------------------------------------------------------------------


def test_all_caps_word_is_shouting() -> None:
    [issue] = email("shouting", subject="HUGE savings for Acme")
    assert issue.message.startswith('subject: ALL-CAPS "HUGE" at line 1, column 1')


def test_acronyms_on_the_allow_list_are_not_shouting() -> None:
    assert email("shouting", subject="SaaS CEO GDPR HIPAA ROI for EMEA") == []
    assert email("shouting", subject="NASA and IBM") != []
    settings = JudgeSettings().with_house_rules({"allowed_acronyms": ["NASA"]})
    assert email("shouting", subject="NASA and IBM", settings=settings) == []


def test_more_than_one_exclamation_mark_is_shouting() -> None:
    [issue] = email("shouting", subject="Hi!", body=GOOD_BODY + "\n\nThanks!")
    assert issue.message.startswith("subject and body: 2 exclamation marks (subject line 1,")
    assert email("shouting", subject="Hi!") == []


# --- links_first_touch -------------------------------------------------------------------


def test_link_in_first_touch_is_an_error() -> None:
    [issue] = email("links_first_touch", body=GOOD_BODY + "\n\nSee https://acme.com/demo.")
    assert issue.severity == "error"
    assert 'link "https://acme.com/demo"' in issue.message


def test_link_in_follow_up_is_a_warning() -> None:
    [issue] = email("links_first_touch", body=words(40) + " acme.io", sequence_position=1)
    assert issue.severity == "warning"


def test_email_addresses_and_abbreviations_are_not_links() -> None:
    body = GOOD_BODY + "\n\nsid@acme.com, e.g. Node.js, v2.0"
    assert email("links_first_touch", body=body) == []


def test_linkedin_url_field_in_skeleton_body_is_a_link() -> None:
    body = SEED["body"] + "\n%linkedin_url%"
    assert of("links_first_touch", judge_skeleton(seed_with(body=body)))


# --- single_cta --------------------------------------------------------------------------


def test_two_ask_paragraphs_is_a_warning() -> None:
    body = GOOD_BODY.replace("It breaks quietly", "Sound familiar? It breaks quietly")
    [issue] = email("single_cta", body=body)
    assert issue.severity == "warning"
    assert issue.message.startswith("body: 2 question/ask paragraphs (at line 3, column 1, line")


def test_ask_that_is_not_last_is_a_warning() -> None:
    body = "Hi Sarah,\n\nWould you be open to a chat?\n\n" + words(30)
    [issue] = email("single_cta", body=body)
    assert "is not at the end" in issue.message


def test_one_ask_followed_by_a_sign_off_passes() -> None:
    body = GOOD_BODY + "\n\nBest regards,\nSid Patel, Founder at Acme Workflow Labs"
    assert email("single_cta", body=body) == []


# --- readability -------------------------------------------------------------------------


def test_dense_prose_is_a_readability_warning() -> None:
    dense = (
        "Our comprehensive organizational transformation methodology facilitates "
        "unprecedented operational effectiveness improvements, systematically eliminating "
        "institutional inefficiencies characterizing contemporary enterprise administration. "
    )
    [issue] = email("readability", body=dense * 3)
    assert issue.severity == "warning"
    assert issue.message.startswith("body: Flesch reading ease ")


def test_plain_prose_passes_readability() -> None:
    assert email("readability") == []


# --- unresolved_placeholder --------------------------------------------------------------


def test_placeholders_left_by_a_model_are_errors() -> None:
    body = GOOD_BODY.replace("Sarah", "[Name]").replace("Northwind", "{{company}}")
    issues = email("unresolved_placeholder", subject="About <company>", body=body)
    assert [i.message.split(" at ")[0] for i in issues] == [
        'subject: placeholder "<company>"',
        'body: placeholders "[Name]", "{{company}}"',
    ]
    assert issues[1].message.endswith("put in the real values or rewrite without them")


def test_footnotes_and_bracketed_addresses_are_not_placeholders() -> None:
    body = GOOD_BODY + "\n\nSid <sid@acme.com> [1]"
    assert email("unresolved_placeholder", body=body) == []


def test_skeleton_judge_does_not_apply_email_only_rules() -> None:
    example = SEED["exampleBody"].replace("Sarah", "[Name]")
    assert passed(judge_skeleton(seed_with(exampleBody=example)))
