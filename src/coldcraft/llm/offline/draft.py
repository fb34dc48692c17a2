"""The offline model's skeletons: a small `Recipe` composed into a skeleton, and edited.

A recipe (topic, audience, tone, length, call to action, P.S., ...) comes from the brief or is
recovered from a skeleton the offline model wrote earlier (its strategies carry `Topic: ...` and
`Audience: ...`); edits recognised in a message ("shorter", "more casual", "formal",
"mention X", "change the CTA to a question", "add a P.S.") change the recipe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from coldcraft.llm.offline.writer import GENERIC_TOPIC, clean_value

GENERIC_AUDIENCE = "teams like yours"
GREETINGS = {"neutral": "Hi", "casual": "Hey", "formal": "Hello"}
SIGNOFFS = {"neutral": "Best,", "casual": "Cheers,", "formal": "Kind regards,"}
CTAS = {
    ("neutral", False): "If it is useful, I can send over a short overview.",
    ("neutral", True): "Would a short overview be useful?",
    ("casual", False): "Happy to send a quick overview if that helps.",
    ("casual", True): "Want me to send a quick overview?",
    ("formal", False): "I would be glad to share a brief overview at your convenience.",
    ("formal", True): "Would you be open to a brief call next week?",
}
FOLLOW_UP_CTAS = {False: "If it helps, I can send a short example.", True: "Worth a quick look?"}
_ARTICLES = re.compile(r"^(?:our|my|your|their|the|a|an|new)\s+", re.I)
_KEEP = re.compile(r"[^A-Za-z0-9 '&/+-]")
_SHOUT = re.compile(r"\b[A-Z]{5,}\b")  # 4-letter capitals are mostly acronyms (HVAC, SaaS)


@dataclass(frozen=True)
class Recipe:
    topic: str = GENERIC_TOPIC
    audience: str = GENERIC_AUDIENCE
    follow_up: bool = False
    tone: str = "neutral"
    short: bool = False
    question_cta: bool = False
    ps: bool = False
    mention: str | None = None
    prior_subject: str | None = None


@dataclass(frozen=True)
class Section:
    name: str
    instruction: str
    what: str
    fields: tuple[str, ...]
    fallback: str


# --- phrases from free text ----------------------------------------------------------------


def phrase(text: str | None, *, words: int = 8) -> str | None:
    """A short, clean noun phrase from free text (no punctuation that could trip the judge)."""
    if not text:
        return None
    cleaned = " ".join(_KEEP.sub(" ", text).split()[:words]).strip(" '&/+-")
    cleaned = _ARTICLES.sub("", cleaned).strip()
    cleaned = _DANGLING.sub("", cleaned).strip()  # a cut mid-clause: "hand-offs between"
    cleaned = _SHOUT.sub(
        lambda m: m.group(0).lower(), cleaned
    )  # "CLASS BOOKING" -> "class booking"
    return cleaned if re.search(r"[A-Za-z]{2}", cleaned) else None


_DANGLING = re.compile(
    r"(?:\s+(?:a|an|the|and|or|but|of|to|for|in|on|at|by|with|from|into|between|their|"
    r"your|our|its|his|her|that|which|who|as|than|via))+$",
    re.I,
)
_STOP = r"(?=\s+(?:about|regarding|who|that|to|pitching|and|so|with)\b|[.,;:!?\n]|$)"
_TOPIC_PATTERNS = (
    r"\babout\s+(.+?)(?=[.;:!?\n]|\s+for\s+|$)",
    r"\bpitch(?:ing)?\s+(.+?)(?=[.;:!?\n]|\s+to\s+|$)",
    r"\bpromot(?:e|ing)\s+(.+?)(?=[.;:!?\n]|\s+to\s+|$)",
    r"\bintroduc(?:e|ing)\s+(.+?)(?=[.;:!?\n]|\s+to\s+|$)",
    r"\bregarding\s+(.+?)(?=[.;:!?\n]|$)",
)
_AUDIENCE_PATTERNS = (rf"\bfor\s+(.+?){_STOP}", rf"\btargeting\s+(.+?){_STOP}")


def topic_from(message: str) -> str | None:
    for pattern in _TOPIC_PATTERNS:
        match = re.search(pattern, message, flags=re.I)
        if match and (found := phrase(match.group(1))):
            return found
    return None


def audience_from(message: str) -> str | None:
    for pattern in _AUDIENCE_PATTERNS:
        for match in re.finditer(pattern, message, flags=re.I):
            found = phrase(match.group(1))
            if found and not re.search(r"\b(?:email|message|touch|follow|step)\b", found, re.I):
                return found
    return None


def _from_workspace(workspace: dict[str, Any] | None, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = (workspace or {}).get(key)
        if isinstance(value, str) and (found := phrase(clean_value(value, limit=200))):
            return found
    return None


def workspace_topic(workspace: dict[str, Any] | None) -> str | None:
    keys = ("product", "offer", "offering", "value_proposition", "service", "one_liner")
    return _from_workspace(workspace, keys)


def workspace_audience(workspace: dict[str, Any] | None) -> str | None:
    return _from_workspace(workspace, ("icp", "audience", "target_audience", "persona", "target"))


# --- edits ---------------------------------------------------------------------------------

_EDITS = (
    ("short", r"\b(?:shorter|short|concise|trim|tighter|fewer words)\b", True),
    ("short", r"\b(?:longer|more detail)\b", False),
    ("tone", r"\b(?:casual|informal|friendlier|relaxed|less formal)\b", "casual"),
    ("tone", r"(?<!in)\b(?:formal|professional)\b(?!\s+tone\s+down)", "formal"),
    ("ps", r"\b(?:add|include|with)\b[^.]*\b(?:p\.?\s?s\b|postscript)", True),
    ("ps", r"\b(?:remove|drop|no)\b[^.]*\b(?:p\.?\s?s\b|postscript)", False),
)


def detect_edits(message: str) -> dict[str, Any]:
    """Recipe changes a message asks for (empty when none is recognised)."""
    text = message.lower()
    edits: dict[str, Any] = {}
    for name, pattern, value in _EDITS:
        if re.search(pattern, text) and not (name == "tone" and "tone" in edits):
            edits[name] = value
    if re.search(r"\b(?:cta|call to action|ask|closing line|close)\b", text):
        if "question" in text:
            edits["question_cta"] = True
        elif re.search(r"\b(?:statement|not a question|no question)\b", text):
            edits["question_cta"] = False
    mention = re.search(r"\bmention(?:s|ing)?\s+(.+?)(?=[.;!?\n]|$)", message, flags=re.I)
    if mention and (found := phrase(mention.group(1))):
        edits["mention"] = found
    return edits


def describe_edits(edits: dict[str, Any]) -> list[str]:
    said = {
        "short": "made it shorter" if edits.get("short") else "gave it more room",
        "tone": f"switched to a {edits.get('tone')} tone",
        "question_cta": "turned the call to action into a question"
        if edits.get("question_cta")
        else "made the call to action a statement",
        "ps": "added a P.S." if edits.get("ps") else "removed the P.S.",
        "mention": f"added a mention of {edits.get('mention')}",
    }
    return [said[name] for name in edits if name in said]


def apply_edits(recipe: Recipe, edits: dict[str, Any]) -> Recipe:
    return replace(recipe, **edits)


# --- composing -----------------------------------------------------------------------------


def sections(recipe: Recipe) -> list[Section]:
    found = _follow_up_sections(recipe) if recipe.follow_up else _first_touch_sections(recipe)
    if recipe.mention:
        last = found[-1]
        found[-1] = replace(last, instruction=f"{last.instruction} Mention {recipe.mention}.")
    if recipe.ps:
        found.append(
            Section(
                "P.S.",
                f"One short line that offers a two-minute video about {recipe.topic}.",
                "A light extra offer after the signature",
                (),
                "Offer a short video without naming the lead",
            )
        )
    return found


def _size(recipe: Recipe) -> str:
    return "One short sentence" if recipe.short else "One or two sentences"


def _first_touch_sections(recipe: Recipe) -> list[Section]:
    topic, size = recipe.topic, _size(recipe)
    opener = Section(
        "Opener",
        f"Open with one sentence that ties {topic} to their role as "
        "%position|a leader% at %company|their company%.",
        "Open with the lead's role and company, not with us",
        ("position", "company"),
        "A general line about why the topic matters to people in their role",
    )
    problem = Section(
        "Problem",
        f"{size} on what {topic} costs {recipe.audience} like %company|their team% "
        "when it is done by hand.",
        f"Name one concrete problem. Audience: {recipe.audience}",
        ("company",),
        "Describe the problem for the audience in general",
    )
    value = Section(
        "Value",
        f"{size} on how we help with {topic}, with a concrete outcome and no made-up numbers.",
        "Show the outcome we deliver, briefly and without hype",
        ("company",),
        "Describe the outcome for a typical team",
    )
    return [opener, value] if recipe.short else [opener, problem, value]


def _follow_up_sections(recipe: Recipe) -> list[Section]:
    callback = Section(
        "Follow-up",
        f"One sentence that refers back to the earlier email about {recipe.topic}, "
        "without repeating it.",
        "Acknowledge the earlier email in one line",
        ("first_name",),
        "A plain reminder that you wrote recently",
    )
    angle = Section(
        "New angle",
        f"{_size(recipe)} with one new, practical angle for %company|their team%, "
        "such as a small first step.",
        "Add one new idea that the first email did not cover",
        ("company",),
        "Suggest a small first step that fits any team",
    )
    return [callback, angle]


def _strategy(recipe: Recipe, section: Section) -> str:
    size = " Keep it short." if recipe.short else ""
    return f"{section.what}.{size} Topic: {recipe.topic}."


def _approach(recipe: Recipe) -> str:
    tone = {"casual": " Casual tone.", "formal": " Formal tone."}.get(recipe.tone, "")
    return f"Plain words, no flattery.{tone}"


def blocks(recipe: Recipe) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "strategy": _strategy(recipe, s),
            "personalization": {
                "fields": list(s.fields),
                "approach": _approach(recipe),
                "fallback": s.fallback,
            },
        }
        for s in sections(recipe)
    ]


def cta(recipe: Recipe) -> str:
    if recipe.follow_up:
        return FOLLOW_UP_CTAS[recipe.question_cta]
    return CTAS[(recipe.tone, recipe.question_cta)]


def body(recipe: Recipe) -> str:
    parts = [f"{GREETINGS[recipe.tone]} %first_name|there%,"]
    main = [s for s in sections(recipe) if s.name != "P.S."]
    parts += [f"&&{s.instruction}&&" for s in main]
    parts += [cta(recipe), f"{SIGNOFFS[recipe.tone]}\n%sender_first%"]
    parts += [f"P.S. &&{s.instruction}&&" for s in sections(recipe) if s.name == "P.S."]
    return "\n\n".join(parts)


def subject(recipe: Recipe, *, limit: int = 45) -> str:
    topic = recipe.topic[:1].upper() + recipe.topic[1:]
    if recipe.follow_up:
        options = [f"Re: {recipe.prior_subject}" if recipe.prior_subject else ""]
        options += [f"One more idea on {recipe.topic}", "One more idea"]
    else:
        options = [f"Quick idea on {recipe.topic}", topic, "Quick idea"]
    for option in options:
        if option and len(option) <= limit:
            return option
    words = recipe.topic.split()
    while words and len(f"Quick idea on {' '.join(words)}") > limit:
        words.pop()
    return f"Quick idea on {' '.join(words)}" if words else "Quick idea"


def compose(recipe: Recipe) -> dict[str, Any]:
    """Skeleton fields without the examples: subject, body, blocks."""
    return {"subject": subject(recipe), "body": body(recipe), "blocks": blocks(recipe)}


# --- recovering a recipe -------------------------------------------------------------------


def recover(skeleton: dict[str, Any] | None) -> Recipe | None:
    """The recipe behind a skeleton the offline model wrote, or None for any other skeleton."""
    if not skeleton:
        return None
    strategies = " ".join(str(b.get("strategy", "")) for b in skeleton.get("blocks") or [])
    topic = re.search(r"Topic: ([^.]+)\.", strategies)
    if topic is None:
        return None
    text = str(skeleton.get("body", ""))
    audience = re.search(r"Audience: ([^.]+)\.", strategies)
    mention = re.search(r"Mention ([^.]+)\.&&", text)
    follow_up = "Follow-up" in {b.get("name") for b in skeleton.get("blocks") or []}
    subject_text = str(skeleton.get("subject", ""))
    return Recipe(
        topic=topic.group(1).strip(),
        audience=audience.group(1).strip() if audience else GENERIC_AUDIENCE,
        follow_up=follow_up,
        tone=next((t for t, g in GREETINGS.items() if text.startswith(g + " ")), "neutral"),
        short="Keep it short." in strategies,
        question_cta=_cta_is_question(text),
        ps="P.S." in text,
        mention=mention.group(1).strip() if mention else None,
        prior_subject=subject_text[4:] if subject_text.startswith("Re: ") else None,
    )


def _cta_is_question(text: str) -> bool:
    paragraphs = [p.strip() for p in text.split("\n\n")]
    plain = [p for p in paragraphs[1:] if "&&" not in p and "%sender_first%" not in p]
    return bool(plain) and plain[-1].endswith("?")
