"""The judge: a pure, deterministic quality gate for skeletons and written emails.

Which rule reads which text follows the "applies to" column of templates.md. Issues come
out in the table's rule order, then field order, then position: the same input always
gives the same list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from coldcraft.skeletons.rules.blocks import check_blocks
from coldcraft.skeletons.rules.catalog import RULES, RuleInfo
from coldcraft.skeletons.rules.common import Field, mask_ai_blocks
from coldcraft.skeletons.rules.cta import check_single_cta
from coldcraft.skeletons.rules.em_dash import check_em_dash
from coldcraft.skeletons.rules.grounding import Grounding, check_grounding, check_repeats
from coldcraft.skeletons.rules.length import check_body_length, check_subject_length
from coldcraft.skeletons.rules.links import check_links
from coldcraft.skeletons.rules.phrases import check_banned, check_spam
from coldcraft.skeletons.rules.placeholders import check_placeholders
from coldcraft.skeletons.rules.readability import check_readability
from coldcraft.skeletons.rules.settings import JudgeSettings
from coldcraft.skeletons.rules.shouting import check_shouting
from coldcraft.skeletons.rules.syntax import (
    check_ai_block_syntax,
    check_merge_fields,
    check_rendered,
)
from coldcraft.skeletons.schema import Issue, Lead, Sender, Skeleton
from coldcraft.skeletons.template import (
    CUSTOM_PREFIX,
    AIBlock,
    merge_field_names,
    parse_tolerant,
    render,
)

__all__ = [
    "RULES",
    "Grounding",
    "JudgeContext",
    "JudgeSettings",
    "RuleInfo",
    "judge_email",
    "judge_skeleton",
]

# Measures a templated subject when no sample lead is given: values of typical length, so
# "%company%" counts as a company name rather than as 9 characters of syntax.
NEUTRAL_LEAD = Lead(
    first_name="Alex",
    last_name="Morgan",
    email="alex.morgan@example.com",
    company="Northwind",
    position="Head of Operations",
    headline="Head of Operations at Northwind",
    linkedin_url="https://www.linkedin.com/in/alex-morgan",
)
NEUTRAL_SENDER = Sender(first_name="Sam", last_name="Taylor", email="sam@example.com")


@dataclass(frozen=True)
class JudgeContext:
    sequence_position: int = 0  # 0 = first touch, > 0 = follow-up
    settings: JudgeSettings = field(default_factory=JudgeSettings)
    sample_lead: Lead | None = None  # used to render the subject for subject_length


def judge_skeleton(skeleton: Skeleton, context: JudgeContext | None = None) -> list[Issue]:
    ctx = context or JudgeContext()
    settings, position = ctx.settings, ctx.sequence_position
    own = [("subject", skeleton.subject), ("body", skeleton.body)]
    # What a prospect reads: spam, caps, links and asks inside AI instructions don't count.
    visible_body = mask_ai_blocks(skeleton.body)
    visible = [("subject", mask_ai_blocks(skeleton.subject)), ("body", visible_body)]
    texts = [*own, *_example_texts(skeleton), *_block_texts(skeleton)]
    example_body = skeleton.example_body
    groups = [
        check_em_dash(texts),
        check_ai_block_syntax(own),
        check_merge_fields([*own, *_block_texts(skeleton)]),
        check_blocks(skeleton),
        check_rendered(_example_texts(skeleton), require_text=True),
        _skeleton_subject_length(skeleton, ctx),
        check_body_length("exampleBody", example_body, position, settings)
        if example_body.strip()  # an empty example is example_rendered's to report
        else [],
        check_banned(texts, settings.extra_banned),
        check_spam(visible),
        check_shouting(visible, settings),
        check_links("body", visible_body, position, template=True),
        check_single_cta("body", visible_body),
        check_readability("exampleBody", example_body, settings.readability_min),
    ]
    return [issue for group in groups for issue in group]


def judge_email(
    subject: str,
    body: str,
    context: JudgeContext | None = None,
    *,
    written: Sequence[Field] = (),
    grounding: Grounding | None = None,
    earlier: Sequence[str] = (),
) -> list[Issue]:
    """Judge one written email (merge fields resolved, AI blocks written out).

    `written`: the texts a model wrote into it ((label, text), one per AI block);
    `grounding`: what they may cite (ungrounded_claim runs only when given); `earlier`: the
    emails this prospect already received (repeats_earlier_touch, on a follow-up).
    """
    ctx = context or JudgeContext()
    settings, position = ctx.settings, ctx.sequence_position
    fields = [("subject", subject), ("body", body)]
    groups = [
        check_em_dash(fields),
        check_rendered(fields),
        check_subject_length("subject", subject, settings),
        check_body_length("body", body, position, settings),
        check_banned(fields, settings.extra_banned),
        check_spam(fields),
        check_shouting(fields, settings),
        check_links("body", body, position),
        check_single_cta("body", body),
        check_readability("body", body, settings.readability_min),
        check_placeholders(fields),
        check_grounding(written, grounding) if grounding is not None else [],
        check_repeats(written, earlier, settings.repeat_max_overlap) if position > 0 else [],
    ]
    return [issue for group in groups for issue in group]


def _example_texts(skeleton: Skeleton) -> list[Field]:
    return [("exampleSubject", skeleton.example_subject), ("exampleBody", skeleton.example_body)]


def _block_texts(skeleton: Skeleton) -> list[Field]:
    texts = []
    for index, block in enumerate(skeleton.blocks):
        label = f"blocks[{index}]"
        texts += [
            (f"{label}.name", block.name),
            (f"{label}.strategy", block.strategy),
            (f"{label}.personalization.approach", block.personalization.approach),
            (f"{label}.personalization.fallback", block.personalization.fallback),
        ]
    return texts


def _skeleton_subject_length(skeleton: Skeleton, ctx: JudgeContext) -> list[Issue]:
    """Measure the subject as a prospect sees it: rendered, not as template source."""
    if any(isinstance(s, AIBlock) for s in parse_tolerant(skeleton.subject)):
        # Its length is only known once written, so the example stands in for it.
        if not skeleton.example_subject.strip():
            return []  # example_rendered reports the missing example
        label = "exampleSubject (the subject has AI blocks)"
        return check_subject_length(label, skeleton.example_subject, ctx.settings)
    lead = ctx.sample_lead or _neutral_lead(skeleton.subject)
    subject = render(skeleton.subject, lead, NEUTRAL_SENDER).text
    who = "the sample lead" if ctx.sample_lead else "a typical lead"
    return check_subject_length(f"subject (rendered for {who})", subject, ctx.settings)


def _neutral_lead(subject: str) -> Lead:
    # Custom fields get their key as a value ("industry"): a plausible stand-in length.
    keys = [
        n[len(CUSTOM_PREFIX) :] for n in merge_field_names(subject) if n.startswith(CUSTOM_PREFIX)
    ]
    custom = {key: key.replace("_", " ") for key in keys}
    return NEUTRAL_LEAD.model_copy(update={"custom_fields": custom})
