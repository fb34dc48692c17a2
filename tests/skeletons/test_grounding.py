"""ungrounded_claim and repeats_earlier_touch: what a model's texts may cite and repeat."""

from __future__ import annotations

import pytest

from coldcraft.config import Settings
from coldcraft.skeletons.judge import JudgeContext, JudgeSettings, judge_email
from coldcraft.skeletons.rules.grounding import (
    NOT_FOUND,
    Grounding,
    check_grounding,
    check_repeats,
    find_claims,
)
from coldcraft.skeletons.schema import Issue, Lead, Skeleton
from tests.skeletons.samples import GOOD_BODY, GOOD_SUBJECT

LEAD = Lead(first_name="Sarah", company="Acme", position="Head of Operations")
WORKSPACE = {"company_name": "Flowly", "product": "invoice automation for finance teams"}
SKELETON = Skeleton(
    subject="Invoices at %company%",
    body="Hi %first_name%,\n\n&&Opener about their role&&\n\nWorth a chat?\n\n%sender_first%",
)


def grounding(lead: Lead = LEAD, **kw: object) -> Grounding:
    return Grounding.build(lead=lead, workspace=WORKSPACE, skeleton=SKELETON, **kw)  # type: ignore[arg-type]


def ungrounded(text: str, g: Grounding | None = None) -> list[str]:
    return [claim.text for claim in find_claims(text, g or grounding())]


def judged(text: str, g: Grounding | None = None, position: int = 0) -> list[Issue]:
    issues = judge_email(
        GOOD_SUBJECT,
        GOOD_BODY,
        JudgeContext(sequence_position=position),
        written=[("AI block 1", text)],
        grounding=g or grounding(),
    )
    return [issue for issue in issues if issue.rule == "ungrounded_claim"]


# --- numbers -------------------------------------------------------------------------------


def test_an_invented_percentage_is_an_error_naming_the_span() -> None:
    [issue] = judged("Teams like Acme cut costs by 37% with Flowly.")
    assert issue.severity == "error"
    assert issue.message == (f"AI block 1: the number '37%' (at line 1, column 30) {NOT_FOUND}")
    assert "the lead's data, the facts, the workspace context or the skeleton" in NOT_FOUND


def test_the_same_number_in_a_custom_field_passes() -> None:
    lead = LEAD.model_copy(update={"custom_fields": {"last_year_savings": "37%"}})
    assert judged("Teams like Acme cut costs by 37% with Flowly.", grounding(lead)) == []


@pytest.mark.parametrize(
    ("source", "written"),
    [
        ("10,000 invoices", "10k invoices"),
        ("10000 invoices", "10,000 invoices"),
        ("10k invoices", "10000 invoices"),
        ("37 percent", "37%"),
        ("37%", "37 per cent"),
        ("$1.2M raised", "1.2 million dollars"),
        ("1.50", "1.5"),
        ("their 3rd office", "3 offices"),
    ],
)
def test_numbers_compare_by_value(source: str, written: str) -> None:
    assert ungrounded(f"They handle {written}.", grounding(facts=(source,))) == []


def test_numbers_in_facts_workspace_and_skeleton_ground_a_claim() -> None:
    g = Grounding.build(
        lead=LEAD,
        workspace={"proof": {"customers": 40}},
        skeleton=SKELETON.model_copy(update={"body": SKELETON.body + "\nSince 2019."}),
        facts=("Acme raised $12M in March 2024",),
    )
    assert ungrounded("Since 2019, 40 teams. Congrats on the $12M in March 2024.", g) == []


def test_numbers_glued_to_letters_are_words_and_amounts_keep_their_currency() -> None:
    assert ungrounded("We work with B2B teams on 3D models.") == []
    assert ungrounded("It saved them $40k and 2x the time.") == ["$40k", "2x"]


def test_dates_are_checked_through_their_numbers() -> None:
    assert ungrounded("We spoke on March 3, 2025.") == ["3", "2025"]
    assert ungrounded("We could talk in March or on a Friday.") == []


def test_the_skeleton_examples_do_not_ground_anything() -> None:
    skeleton = SKELETON.model_copy(
        update={"example_body": "Hi Tom, Initech cut costs by 30% last year."}
    )
    g = Grounding.build(lead=LEAD, workspace=WORKSPACE, skeleton=skeleton)
    assert ungrounded("Like Initech, you could cut costs by 30%.", g) == ["Initech", "30%"]


# --- names ---------------------------------------------------------------------------------


def test_an_invented_proper_name_is_an_error() -> None:
    [issue] = judged("Teams like Globex already use Flowly for this.")
    assert issue.message.startswith("AI block 1: the name 'Globex' (at line 1, column 12)")


def test_names_from_the_lead_and_workspace_pass_in_any_case_and_possessive() -> None:
    text = "As Head of Operations at Acme, Sarah sees what Flowly's invoice work costs."
    assert ungrounded(text) == []
    assert ungrounded("Acme's team and ACME alike.") == []


def test_adjacent_names_are_one_span() -> None:
    assert ungrounded("I met Jane Doe from Acme.") == ["Jane Doe"]


def test_sentence_starts_pronouns_months_and_acronyms_are_not_names() -> None:
    text = (
        "Most teams lose hours. I think a CRM and ROI view helps.\n- Quick wins come first. "
        'In May, reports are easy: Simple steps. "Clear" wins.'
    )
    assert ungrounded(text) == []


# --- scope ---------------------------------------------------------------------------------


def test_only_the_written_texts_are_checked_and_only_when_grounding_is_given() -> None:
    # GOOD_BODY's "40 SaaS teams" and "Northwind" are fixed skeleton text, not written.
    assert judged("A plain sentence about invoices at Acme.") == []
    issues = judge_email(GOOD_SUBJECT, GOOD_BODY, written=[("AI block 1", "Globex saves 37%.")])
    assert [i for i in issues if i.rule == "ungrounded_claim"] == []


def test_issues_are_capped() -> None:
    text = " ".join(f"Item {n}." for n in range(100, 130))
    assert len(check_grounding([("AI block 1", text)], grounding())) == 10


# --- repeats_earlier_touch ------------------------------------------------------------------

EARLIER = (
    "Quick idea for Acme\nHi Sarah,\n\nMost finance teams lose a few hours each week chasing "
    "invoice approvals by hand. Flowly routes each invoice to the right approver.\n\nSid"
)
COPY = (
    "Most finance teams lose a few hours each week chasing invoice approvals by hand, and "
    "Flowly routes each invoice to the right approver."
)
FRESH = "A small pilot on one approval flow at Acme would show the difference within a week."


def repeats(text: str, position: int = 1, **settings: object) -> list[Issue]:
    issues = judge_email(
        GOOD_SUBJECT,
        "Hi Sarah,\n\nA short note after my earlier email about invoices.\n\nSid",
        JudgeContext(sequence_position=position, settings=JudgeSettings(**settings)),  # type: ignore[arg-type]
        written=[("AI block 1", text)],
        earlier=[EARLIER],
    )
    return [issue for issue in issues if issue.rule == "repeats_earlier_touch"]


def test_a_follow_up_copying_an_earlier_touch_is_flagged() -> None:
    [issue] = repeats(COPY)
    assert issue.severity == "error"
    assert "from earlier touch 1 (at most 50%)" in issue.message


def test_a_follow_up_saying_something_new_is_not_flagged() -> None:
    assert repeats(FRESH) == []


def test_repeats_apply_to_follow_ups_only_and_follow_the_threshold() -> None:
    assert repeats(COPY, position=0) == []
    assert repeats(COPY, repeat_max_overlap=1.0) == []
    assert repeats(FRESH, repeat_max_overlap=0.0) == []  # no 5-gram in common at all


def test_repeats_compare_each_earlier_touch_and_skip_short_texts() -> None:
    issues = check_repeats([("AI block 1", COPY)], ["Unrelated note.", EARLIER], 0.5)
    assert "earlier touch 2" in issues[0].message
    assert check_repeats([("AI block 1", "Most finance teams lose")], [EARLIER], 0.0) == []


def test_the_threshold_is_a_house_rule_and_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert JudgeSettings().with_house_rules({"repeat_max_overlap": 0.8}).repeat_max_overlap == 0.8
    monkeypatch.setenv("COLDCRAFT_REPEAT_MAX_OVERLAP", "0.7")
    assert Settings().judge.repeat_max_overlap == 0.7
