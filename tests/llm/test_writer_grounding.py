"""The writer against ungrounded_claim and repeats_earlier_touch: repair, then fallback."""

from __future__ import annotations

from dataclasses import replace

from coldcraft.config import Settings
from coldcraft.llm.context import read_section
from coldcraft.llm.models import resolve_model
from coldcraft.llm.sources import CitedFact
from coldcraft.llm.writer_agent import write_email
from coldcraft.skeletons.schema import Lead
from tests.llm.builders import LEADS, good_skeleton, writer_input
from tests.llm.scripted import resolved
from tests.llm.test_writer_agent import CLEAN, scripted

PEERS = CitedFact(
    id="f1", text="Their peers cut approval time by 37 percent.", source_url="https://acme.test/"
)
CLAIM = "Teams like yours cut approval time by 37% in a quarter."
INVENTED = [CLEAN[0], CLEAN[1], f"{CLEAN[2]} {CLAIM}"]


async def test_an_invented_number_is_repaired_with_the_span_fed_back() -> None:
    prompts, fn = scripted(INVENTED, CLEAN)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.passed, email.issues
    assert email.attempts == 2
    assert "37%" not in email.body
    [issue] = read_section(prompts[1], "issues")
    assert issue["rule"] == "ungrounded_claim"
    assert "'37%'" in issue["message"]
    assert issue["message"].startswith("AI block 3: the number '37%'")


async def test_a_repair_keeping_the_claim_falls_back_to_the_email_without_its_sentence() -> None:
    prompts, fn = scripted(INVENTED)  # the repair answers the same texts
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert len(prompts) == 2
    assert email.passed, email.issues
    assert email.attempts == 2
    assert CLAIM not in email.body
    assert CLEAN[2] in email.body  # the rest of the block is kept
    assert email.sources[2].text == CLEAN[2]  # the evidence shows the text as sent
    [warning] = email.issues
    assert (warning.rule, warning.severity) == ("ungrounded_claim", "warning")
    assert warning.message.startswith('dropped the sentences with "37%": each is not in')


async def test_a_claim_filling_a_whole_block_stays_failed() -> None:
    texts = [CLEAN[0], CLEAN[1], CLAIM]
    _, fn = scripted(texts)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert not email.passed
    assert email.attempts == 2
    assert CLAIM in email.body  # the failed repair is returned as written, for review
    assert [i.rule for i in email.issues if i.severity == "error"] == ["ungrounded_claim"]


async def test_no_fallback_when_another_rule_still_fails() -> None:
    dashed = [CLEAN[0].replace(", invoices", " \u2014 invoices"), CLEAN[1], INVENTED[2]]
    _, fn = scripted(dashed)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert not email.passed
    assert {"em_dash", "ungrounded_claim"} <= {i.rule for i in email.issues}


async def test_an_invented_name_is_an_ungrounded_claim() -> None:
    named = [CLEAN[0], CLEAN[1], f"{CLEAN[2]} It already works at Globex."]
    prompts, fn = scripted(named, CLEAN)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.passed
    assert email.attempts == 2
    [issue] = read_section(prompts[1], "issues")
    assert "the name 'Globex'" in issue["message"]


async def test_custom_fields_facts_and_the_reviewer_note_ground_a_claim() -> None:
    lead = LEADS[0].model_copy(update={"custom_fields": {"approval_time_saved": "37%"}})
    base = writer_input(good_skeleton(), LEADS[0])
    for inp in (
        writer_input(good_skeleton(), lead),
        replace(base, facts=(PEERS,)),
        replace(base, reviewer_note="Mention the 37% we saw at similar teams."),
    ):
        _, fn = scripted(INVENTED)
        email = await write_email(inp, model=resolved(fn))
        assert email.passed, email.issues
        assert email.attempts == 1
        assert CLAIM in email.body


async def test_a_name_another_lead_has_is_not_grounded_for_this_one() -> None:
    about_initech = [CLEAN[0], CLEAN[1], f"{CLEAN[2]} It helped Initech too."]
    _, fn = scripted(about_initech, CLEAN)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.attempts == 2  # Initech is LEADS[1]'s company, not Sarah's
    lead = Lead(first_name="Tom", company="Initech", position="COO")
    _, fn = scripted([about_initech[0].replace("Acme", "Initech"), *about_initech[1:]])
    email = await write_email(writer_input(good_skeleton(), lead), model=resolved(fn))
    assert email.attempts == 1


# --- repeats_earlier_touch --------------------------------------------------------------------

FIRST_TOUCH = {
    "type": "email",
    "subject": "Invoice approvals at Acme",
    "body": "Hi Sarah,\n\nMost finance teams lose a few hours each week chasing approvals by "
    "hand. Flowly routes each invoice to the right approver, so nothing sits in an inbox.\n\nSid",
}
COPIED = [
    "Most finance teams lose a few hours each week chasing approvals by hand.",
    "Flowly routes each invoice to the right approver, so nothing sits in an inbox.",
]
FRESH = ["I wrote last week about invoice approvals.", "A small pilot on one team is easy."]


async def test_a_follow_up_copying_the_earlier_touch_is_repaired() -> None:
    inp = writer_input(good_skeleton(position=1), LEADS[0], position=1)
    inp.sequence.prior_nodes = [FIRST_TOUCH]
    prompts, fn = scripted(COPIED, FRESH)
    email = await write_email(inp, model=resolved(fn))
    assert email.passed, email.issues
    assert email.attempts == 2
    rules = {issue["rule"] for issue in read_section(prompts[1], "issues")}
    assert rules == {"repeats_earlier_touch"}


async def test_a_follow_up_saying_something_new_passes_first_time() -> None:
    inp = writer_input(good_skeleton(position=1), LEADS[0], position=1)
    inp.sequence.prior_nodes = [FIRST_TOUCH]
    _, fn = scripted(FRESH)
    email = await write_email(inp, model=resolved(fn))
    assert email.passed, email.issues
    assert email.attempts == 1


async def test_a_copy_that_survives_the_repair_stays_failed() -> None:
    inp = writer_input(good_skeleton(position=1), LEADS[0], position=1)
    inp.sequence.prior_nodes = [FIRST_TOUCH]
    _, fn = scripted(COPIED)
    email = await write_email(inp, model=resolved(fn))
    assert not email.passed
    assert [i.rule for i in email.issues] == ["repeats_earlier_touch"]


async def test_the_offline_model_words_each_follow_up_afresh() -> None:
    writer = resolve_model("writer", Settings(writer_model="offline"))
    received = [FIRST_TOUCH]
    bodies = []
    for position in (1, 2, 3):
        inp = writer_input(good_skeleton(position=1), LEADS[0], position=position)
        inp.sequence.prior_nodes = list(received)
        email = await write_email(inp, model=writer)
        assert email.passed, email.issues
        assert email.attempts == 1
        bodies.append(email.body)
        received.append({"type": "email", "subject": email.subject, "body": email.body})
    assert len(set(bodies)) == 3
