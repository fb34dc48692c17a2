"""The offline model's side of the framework agent: compose, submit, fix, reply.

It reads the same `<context>` the real models read (from the request's instructions), calls
`updateSkeleton` with a composed skeleton, reads the judge's issues when the tool answers
`failed` and submits a fixed version (targeted fixes first, then a conservative generic
skeleton), and ends the turn with a short plain-text reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from coldcraft.llm.offline.draft import (
    Recipe,
    apply_edits,
    as_cta,
    audience_from,
    claim,
    compose,
    describe_edits,
    detect_edits,
    phrase,
    recover,
    topic_from,
    workspace_audience,
    workspace_topic,
)
from coldcraft.llm.offline.writer import GENERIC_TOPIC, write_blocks
from coldcraft.skeletons.schema import Lead, Sender
from coldcraft.skeletons.template import render

MAX_SUBMISSIONS = 4
_NEW_BRIEF = re.compile(r"\b(?:write|draft|create|new|start over|from scratch|build)\b", re.I)
_DASHES = re.compile(r"\s*(?:\u2014|\u2015|\s--\s)\s*")


def plan(
    message: str, context: dict[str, Any], previous: dict[str, Any] | None
) -> tuple[Recipe, str]:
    """The recipe for this turn and a short description of what was done."""
    current = recover(context.get("current_skeleton") or previous)
    edits = detect_edits(message)
    follow_up = int((context.get("sequence") or {}).get("position") or 0) > 0
    if current is not None and edits and not _is_new_brief(message):
        recipe = replace(apply_edits(current, edits), follow_up=follow_up)
        return recipe, "Done: " + ", ".join(describe_edits(edits)) + "."
    recipe = apply_edits(brief_recipe(message, context, current), edits)
    kind = "follow-up" if follow_up else "first-touch"
    said = f"Here is a {kind} framework for {recipe.audience} about {recipe.topic}"
    extra = describe_edits(edits)
    return recipe, said + (f" ({', '.join(extra)})." if extra else ".")


def answer(skeleton: dict[str, Any] | None) -> str:
    """A reply to a question about the framework: what it is, without changing it. (The
    offline model is rule-based: it describes; a real model would discuss.)"""
    if not skeleton:
        return (
            "There is no framework yet. Describe who you write to and what you offer, "
            "and I will draft one."
        )
    recipe = recover(skeleton)
    names = [str(b.get("name")) for b in skeleton.get("blocks") or []]
    parts = ", ".join(names) if names else "no AI blocks"
    about = (
        f" It is a {'follow-up' if recipe.follow_up else 'first-touch'} email for "
        f"{recipe.audience} about {recipe.topic}."
        if recipe
        else ""
    )
    return (
        f'I left the framework as it is.{about} Subject: "{skeleton.get("subject", "")}"; '
        f"written parts: {parts}. Tell me what to change, for example the subject, the call "
        "to action, the tone or the length."
    )


def _is_new_brief(message: str) -> bool:
    """A new brief rather than an edit: "write/draft/new ...", or a topic given outside any
    recognised edit ("remove the line about X" names a part, not a new topic)."""
    if _NEW_BRIEF.search(message):
        return True
    worded = {"remove", "mention", "subject_text", "cta_text", "signoff_text"}
    return topic_from(message) is not None and not (worded & set(detect_edits(message)))


def brief_recipe(message: str, context: dict[str, Any], current: Recipe | None) -> Recipe:
    workspace = context.get("workspace_context")
    campaign = (context.get("campaign") or {}).get("name")
    sequence = context.get("sequence") or {}
    follow_up = int(sequence.get("position") or 0) > 0
    topic = (
        topic_from(message)
        or (current.topic if current else None)
        or workspace_topic(workspace)
        or phrase(context.get("node_purpose"))
        or phrase(campaign, words=6)
        or GENERIC_TOPIC
    )
    audience = (
        audience_from(message)
        or (current.audience if current else None)
        or workspace_audience(workspace)
    )
    labelled = _labelled(message)
    return Recipe(
        topic=topic,
        audience=audience or Recipe().audience,
        follow_up=follow_up,
        prior_subject=_prior_subject(sequence) if follow_up else None,
        pain=labelled.get("pain"),
        mention=labelled.get("proof"),
        cta_text=labelled.get("cta"),
    )


_LABEL = re.compile(
    r"\b(pain|problem|proof|cta|call to action)\s*[:=]\s*(.+?)"
    r"(?=[;\n]|\b(?:pain|problem|proof|cta|call to action)\s*[:=]|$)",
    re.I,
)


def _labelled(message: str) -> dict[str, str]:
    """A brief's labelled parts ("pain: ...; proof: ...; CTA: ..."), kept in its own words."""
    found: dict[str, str] = {}
    for label, text in _LABEL.findall(message):
        key = {"problem": "pain", "call to action": "cta"}.get(label.lower(), label.lower())
        value = claim(text.strip().rstrip("."))
        if value is None:
            continue
        if key == "cta":
            value = as_cta(value)
        found[key] = value
    return found


def _prior_subject(sequence: dict[str, Any]) -> str | None:
    for node in reversed(sequence.get("prior_nodes") or []):
        subject = node.get("subject") if isinstance(node, dict) else None
        if isinstance(subject, str) and subject.strip():
            text = subject.strip()
            if not re.search(r"[%&<>{}\[\]]|\u2014", text) and not text.lower().startswith("re:"):
                return text
    return None


# --- skeleton arguments --------------------------------------------------------------------


Fixer = Callable[[str], str]


def skeleton_args(
    recipe: Recipe, context: dict[str, Any], fixer: Fixer | None = None
) -> dict[str, Any]:
    """The full `updateSkeleton` arguments: composed fields plus rendered examples."""
    fields = compose(recipe)
    if fixer is not None:
        fields = _fix_fields(fields, fixer)
    example_subject, example_body = examples(fields, context, safe=fixer is not None)
    fix = fixer or (lambda text: text)
    return {**fields, "exampleSubject": fix(example_subject), "exampleBody": fix(example_body)}


def examples(fields: dict[str, Any], context: dict[str, Any], *, safe: bool) -> tuple[str, str]:
    leads = context.get("sample_leads") or []
    lead = Lead.model_validate(leads[0]) if leads and not safe else Lead()
    sender_data = context.get("sender")
    sender = Sender.model_validate(sender_data) if sender_data else None
    subject = render(fields["subject"], lead, sender, None)
    body = render(fields["body"], lead, sender, None)
    texts = write_blocks(
        fields,
        leads[0] if leads and not safe else {},
        [*subject.ai_blocks, *body.ai_blocks],
        workspace=context.get("workspace_context"),
    )
    split = len(subject.ai_blocks)
    subject_text = render(fields["subject"], lead, sender, None, ai_texts=texts[:split]).text
    body_text = render(fields["body"], lead, sender, None, ai_texts=texts[split:]).text
    return subject_text.strip(), body_text.strip()


def _fix_fields(fields: dict[str, Any], fixer: Fixer) -> dict[str, Any]:
    blocks = [
        {
            "name": fixer(b["name"]),
            "strategy": fixer(b["strategy"]),
            "personalization": {
                "fields": b["personalization"]["fields"],
                "approach": fixer(b["personalization"]["approach"]),
                "fallback": fixer(b["personalization"]["fallback"]),
            },
        }
        for b in fields["blocks"]
    ]
    return {"subject": fixer(fields["subject"]), "body": fixer(fields["body"]), "blocks": blocks}


# --- fixing after a failed judge -----------------------------------------------------------


def fixer_for(issues: list[dict[str, Any]]) -> Fixer:
    """A text fixer for the judge's issues: dashes, quoted banned words, shouting, links."""
    phrases = [p for i in issues for p in _quoted(str(i.get("message", "")))]
    rules = {str(i.get("rule")) for i in issues}

    def fix(text: str) -> str:
        text = _DASHES.sub(", ", text)
        for found in phrases:
            if len(found) > 2 and "%" not in found and "&&" not in found:
                text = re.sub(re.escape(found), "", text, flags=re.I)
        if "shouting" in rules:
            text = re.sub(r"\b[A-Z]{4,}\b", lambda m: m.group(0).capitalize(), text)
            text = re.sub(r"!", ".", text)
        if rules & {"links_first_touch", "foreign_link"}:
            text = re.sub(r"(?:https?://|www\.)\S+", "", text)
        return re.sub(r"[ \t]{2,}", " ", text).replace(" ,", ",").replace(" .", ".")

    return fix


def _quoted(message: str) -> list[str]:
    return re.findall(r"['\"\u201c\u2018]([^'\"\u201d\u2019]{2,60})['\"\u201d\u2019]", message)


def next_submission(
    attempt: int, recipe: Recipe, context: dict[str, Any], issues: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Arguments for submission number `attempt` (2, 3, ...) after a failure, or None to stop."""
    rules = {str(i.get("rule")) for i in issues}
    if attempt == 2:
        fixed = recipe
        if "body_length" in rules:
            fixed = replace(recipe, short=not recipe.short and not recipe.follow_up)
        if "subject_length" in rules:
            fixed = replace(fixed, prior_subject=None, topic=" ".join(recipe.topic.split()[:3]))
        return skeleton_args(fixed, context, fixer_for(issues))
    if attempt <= MAX_SUBMISSIONS:
        generic = Recipe(follow_up=recipe.follow_up, tone=recipe.tone)
        return skeleton_args(generic, context, fixer_for(issues))
    return None
