"""The offline model's writing: one plain, deterministic text per AI block.

A block's kind comes from its section name (Opener, Problem, Value, Follow-up, New angle, P.S.)
or its instruction; the topic from the `Topic: ...` sentence the offline framework puts in each
strategy; tone and length from the section's approach/strategy ("casual", "formal", "short").
Lead values are untrusted: a value that looks odd (too long, links, markup, instructions) is
treated as missing and the section's fallback wording is used instead. On a follow-up, a
block whose wording would repeat an earlier touch the lead received is written in another
variant (the judge's `repeats_earlier_touch`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coldcraft.skeletons.rules.grounding import check_repeats

GENERIC_TOPIC = "a simpler way to handle this work"
_ODD_VALUE = re.compile(
    r"https?:|www\.|@|[<>{}\[\]%&|\\]|\b(?:ignore|instruction|prompt|system|assistant)\b", re.I
)
_TOPIC_RE = re.compile(r"Topic: ([^.]+)\.")
_MENTION_RE = re.compile(r"Mention ([^.]+)\.")
_CAPS_RE = re.compile(r"\b[A-Z]{4,}\b")


def clean_value(value: Any, *, limit: int = 60) -> str | None:
    """A lead value safe to write into an email, or None when it is missing or odd."""
    if value is None or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    if not text or len(text) > limit or _ODD_VALUE.search(text) or "\u2014" in text:
        return None
    if not re.search(r"[A-Za-z]", text):
        return None
    return _CAPS_RE.sub(lambda m: m.group(0).capitalize(), text).strip(" .,;:")


@dataclass(frozen=True)
class Facts:
    first_name: str | None
    company: str | None
    position: str | None
    sender_company: str | None

    @classmethod
    def from_lead(cls, lead: dict[str, Any], workspace: dict[str, Any] | None) -> Facts:
        first = clean_value(lead.get("first_name"), limit=30)
        return cls(
            first_name=first.split()[0] if first else None,
            company=clean_value(lead.get("company")),
            position=clean_value(lead.get("position")),
            sender_company=sender_company(workspace),
        )


def sender_company(workspace: dict[str, Any] | None) -> str | None:
    for key in ("company_name", "company", "sender_company", "business_name", "name"):
        value = clean_value((workspace or {}).get(key), limit=40)
        if value:
            return value
    return None


@dataclass(frozen=True)
class BlockSpec:
    kind: str
    topic: str
    tone: str  # "neutral" | "casual" | "formal"
    short: bool
    mention: str | None


def block_spec(instruction: str, block: dict[str, Any] | None) -> BlockSpec:
    block = block or {}
    name = str(block.get("name") or "")
    strategy = str(block.get("strategy") or "")
    approach = str((block.get("personalization") or {}).get("approach") or "")
    style = f"{strategy} {approach}".lower()
    tone = "casual" if "casual" in style else "formal" if "formal" in style else "neutral"
    topic_match = _TOPIC_RE.search(strategy) or _TOPIC_RE.search(instruction)
    mention = _MENTION_RE.search(instruction)
    return BlockSpec(
        kind=block_kind(name, instruction),
        topic=(topic_match.group(1).strip() if topic_match else GENERIC_TOPIC),
        tone=tone,
        short="short" in style,
        mention=clean_value(mention.group(1), limit=240) if mention else None,
    )


_KINDS = (
    ("ps", ("p.s", "postscript")),
    ("followup", ("follow-up", "follow up", "callback", "earlier", "bump")),
    ("angle", ("angle", "new point", "next step")),
    ("opener", ("opener", "open", "intro", "hook")),
    ("pain", ("problem", "pain", "challenge")),
    ("proof", ("value", "proof", "how we help", "offer", "solution")),
)


def block_kind(name: str, instruction: str) -> str:
    for text in (name.lower(), instruction.lower()):
        for kind, words in _KINDS:
            if any(w in text for w in words):
                return kind
    return "generic"


# Stricter than the judge's default (0.5), so a variant that passes here passes there.
_REPEAT_MAX_OVERLAP = 0.3


def write_block(
    spec: BlockSpec, facts: Facts, *, safe: bool = False, earlier: Sequence[str] = ()
) -> str:
    """One block's text. `safe` drops lead values (used for a repair attempt); `earlier`:
    the emails the lead already received, which the text must not repeat."""
    if safe:
        facts = Facts(None, None, None, facts.sender_company)
    variants = [_SENTENCES[spec.kind], *_VARIANTS.get(spec.kind, ())]
    texts = [_block_text(spec, write(spec, facts)) for write in variants]
    fresh = [t for t in texts if not check_repeats([("", t)], earlier, _REPEAT_MAX_OVERLAP)]
    return (fresh or texts)[0]


def _block_text(spec: BlockSpec, sentences: list[str]) -> str:
    if spec.short:
        sentences = sentences[:1]
    if spec.mention:  # the salesperson's own point, in their words
        sentences.append(f"One more thing: {spec.mention}.")
    return _tone(" ".join(sentences), spec.tone)


def _opener(spec: BlockSpec, f: Facts) -> list[str]:
    if f.position and f.company:
        lead = f"Since you are {f.position} at {f.company}, I thought"
    elif f.company:
        lead = f"Since you work at {f.company}, I thought"
    elif f.position:
        lead = f"Since you work as {f.position}, I thought"
    else:
        lead = "I thought"
    return [
        f"{lead} a short note about {spec.topic} might be useful.",
        "I will keep it brief.",
    ]


def _pain(spec: BlockSpec, f: Facts) -> list[str]:
    team = f"a team like {f.company}" if f.company else "a busy team"
    return [
        f"For {team}, the work around {spec.topic} often takes more hours each week "
        "than it should.",
        "Small delays there tend to add up.",
    ]


def _proof(spec: BlockSpec, f: Facts) -> list[str]:
    who = f.sender_company or "We"
    verb = "helps" if f.sender_company else "help"
    return [
        f"{who} {verb} teams like yours with {spec.topic}, so they spend less time on busy work.",
        "The aim is simple: less time on manual steps.",
    ]


def _followup(spec: BlockSpec, f: Facts) -> list[str]:
    # A follow-up keeps the lead's details and acknowledges the earlier email.
    where = f" for {f.company}" if f.company else ""
    role = f" as {f.position}" if f.position else ""
    return [
        f"I wrote to you recently about {spec.topic}{where} and wanted to add one more "
        f"thought that may matter to you{role}.",
    ]


def _followup_again(spec: BlockSpec, f: Facts) -> list[str]:
    where = f" at {f.company}" if f.company else ""
    return [f"One more short note on {spec.topic}{where}, in case the timing is better now."]


def _followup_last(spec: BlockSpec, f: Facts) -> list[str]:
    return [f"This is my last note on {spec.topic} for now, so I will keep it short."]


def _angle(spec: BlockSpec, f: Facts) -> list[str]:
    team = f.company or "your team"
    return [
        f"A simple first step for {team} could be a short trial on one workflow.",
        "That way you see the impact before any bigger decision.",
    ]


def _angle_smallest(spec: BlockSpec, f: Facts) -> list[str]:
    team = f.company or "your team"
    return [
        f"Another way in for {team}: start with the one task that takes the most time each week.",
        "It keeps the change small and easy to undo.",
    ]


def _angle_later(spec: BlockSpec, f: Facts) -> list[str]:
    team = f" for {f.company}" if f.company else ""
    return [
        f"If this is not a priority{team} right now, that is fine.",
        "I am glad to share notes on how other teams started whenever it suits you.",
    ]


def _ps(spec: BlockSpec, f: Facts) -> list[str]:
    return [f"I can also send a two-minute video that shows how {spec.topic} works in practice."]


def _generic(spec: BlockSpec, f: Facts) -> list[str]:
    team = f.company or "your team"
    return [f"I thought a note about {spec.topic} might be useful for {team}."]


_SENTENCES = {
    "opener": _opener,
    "pain": _pain,
    "proof": _proof,
    "followup": _followup,
    "angle": _angle,
    "ps": _ps,
    "generic": _generic,
}
# Other wordings of a kind, tried in order when the first would repeat an earlier touch.
_VARIANTS = {
    "followup": (_followup_again, _followup_last),
    "angle": (_angle_smallest, _angle_later),
}


def _tone(text: str, tone: str) -> str:
    if tone == "casual":
        for old, new in (("you are", "you're"), ("I thought", "I figured")):
            text = text.replace(old, new)
    return text


def write_blocks(
    skeleton: dict[str, Any] | None,
    lead: dict[str, Any],
    instructions: list[str],
    *,
    workspace: dict[str, Any] | None = None,
    safe: bool = False,
    earlier: Sequence[str] = (),
) -> list[str]:
    """Texts for every AI block of a rendered email, in order; `earlier`: the texts of the
    touches the lead already received."""
    blocks = list((skeleton or {}).get("blocks") or [])
    facts = Facts.from_lead(lead, workspace)
    texts = []
    for index, instruction in enumerate(instructions):
        block = dict(blocks[min(index, len(blocks) - 1)]) if blocks else None
        if block is not None and index >= len(blocks):
            block["name"] = ""  # a section covering several AI blocks: go by the instruction
        spec = block_spec(instruction, block)
        texts.append(write_block(spec, facts, safe=safe, earlier=earlier))
    return texts
