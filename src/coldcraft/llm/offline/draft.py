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

from coldcraft.llm.offline.writer import GENERIC_TOPIC, clean_value, write_blocks
from coldcraft.skeletons.rules.phrases import without_flagged_phrases

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
    # What the salesperson said in so many words wins over what the recipe would compose.
    subject_text: str | None = None
    cta_text: str | None = None
    signoff_text: str | None = None
    pain: str | None = None
    dropped: tuple[str, ...] = ()  # sections removed on request ("Problem", ...)


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
    # A brief's cliches and spam words ("guaranteed") would fail every email that reuses
    # the phrase: they are not carried into it.
    kept = without_flagged_phrases(_KEEP.sub(" ", text))
    cleaned = " ".join(kept.split()[:words]).strip(" '&/+-")
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
            not_people = r"\b(?:email|message|touch|follow|step|call|meeting|demo|chat|minute)"
            if found and not re.search(not_people, found, re.I):
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
    for name, find in _WORDED_EDITS:
        found = find(message)
        if found is not None:
            edits[name] = found
    if "cta_text" not in edits and re.search(
        r"\b(?:cta|call to action|ask|closing line|close)\b", text
    ):
        if re.search(r"\b(?:statement|not a question|no question)\b", text):
            edits["question_cta"] = False
        elif "question" in text:
            edits["question_cta"] = True
    if "remove" not in edits:
        mention = _MENTION.search(message)
        if mention and (found := claim(mention.group(1))):
            edits["mention"] = found
    if "short" in edits and "remove" in edits:
        del edits["short"]  # "cut the line about X" is a removal, not "make it shorter"
    return edits


def is_question(message: str) -> bool:
    """A question about the framework, not an instruction: answer it, change nothing."""
    text = message.strip().lower()
    return text.endswith("?") and bool(_QUESTION.match(text)) and not detect_edits(message)


_QUESTION = re.compile(
    r"^(?:what|why|how|which|who|when|where|is|are|does|do|did|should|would|will|"
    r"could|can you explain|can you tell)\b"
)
_MENTION = re.compile(
    r"\b(?:mention(?:s|ing)?|add (?:a )?(?:line|point|sentence|note) (?:about|that)|"
    r"say that|include (?:that|a line about))\s+(.+?)(?=[;!?\n]|\.(?:\s|$)|$)",
    re.I,
)


def _quoted_or_rest(text: str) -> str:
    quoted = re.search(r"[\"'\u201c\u2018](.+?)[\"'\u201d\u2019]", text)
    found = quoted.group(1) if quoted else text
    return found.strip().rstrip(".").strip()


def claim(text: str) -> str | None:
    """A point to mention, kept whole: its numbers and names are the salesperson's own words
    (`phrase` would cut it at eight words: "cut their close from 10." instead of "... to 4")."""
    cleaned = re.sub(r"^(?:that|how)\s+", "", " ".join(text.split()), flags=re.I)
    cleaned = re.sub(r"[<>{}\[\]%&|\\\u2014]", " ", cleaned)
    cleaned = " ".join(cleaned.split()[:30]).strip(" ,;:-")
    return cleaned if re.search(r"[A-Za-z]{2}", cleaned) else None


_SUBJECT_EDITS = (
    r"\b(?:change|set|make|rename|update|switch)\s+(?:the\s+)?subject(?:\s+line)?\s+"
    r"(?:to|as|into)\s*:?\s*(.+)$",
    r"^\s*(?:new\s+)?subject(?:\s+line)?\s*:\s*(.+)$",
    r"\buse\s+(?:the\s+|this\s+)?subject(?:\s+line)?\s*:?\s*([\"'\u201c\u2018].+)$",
)


def _subject_edit(message: str) -> str | None:
    """ "Change the subject line to: X", "subject: X", "use the subject 'X'" (a subject
    merely named, as in "keep the subject", is no edit)."""
    for pattern in _SUBJECT_EDITS:
        match = re.search(pattern, message, re.I | re.S)
        if match:
            found = re.sub(r"[<>{}\[\]%&|\\\u2014]", " ", _quoted_or_rest(match.group(1)))
            cleaned = " ".join(found.split())
            return cleaned[:80] if re.search(r"[A-Za-z]{2}", cleaned) else None
    return None


def _cta_edit(message: str) -> str | None:
    ask = re.search(
        r"\bask (?:them |the lead |for |about )+(.+?)(?:\s+instead\b.*)?(?=[.!\n]|$)",
        message,
        re.I,
    )
    if ask:
        wanted = claim(ask.group(1))
        return as_cta(wanted) if wanted else None
    change = re.search(
        r"\b(?:cta|call to action|closing line)\b[^.]*?\b(?:to|with|:)\s+(.+)$", message, re.I
    )
    if change is None:
        return None
    target = _quoted_or_rest(change.group(1))
    if re.fullmatch(r"(?:a |an )?(?:question|statement)", target.strip().lower()):
        return None
    cleaned = claim(target)
    return None if cleaned is None else as_cta(cleaned)


def as_cta(text: str) -> str:
    """A call to action from the salesperson's words: a sentence as written, a thing to ask
    for ("a 15-minute call") as a question."""
    if text[-1] in "?.":
        return text[0].upper() + text[1:]
    if re.match(r"(?:a|an|the|\d)\b", text, re.I):
        return f"Would you be open to {text}?"
    return text[0].upper() + text[1:] + "."


def _signoff_edit(message: str) -> str | None:
    match = re.search(r"\bsign(?:[- ]?off)?\b(?:\s+(?:with|as|to|:))+\s*(.+)$", message, re.I)
    if match is None:
        return None
    found = re.sub(r"[<>{}\[\]%&|\\]", " ", _quoted_or_rest(match.group(1))).strip(" ,")
    words = found.split()
    if not words or len(words) > 5:
        return None
    return " ".join(words) + ","


def _remove_edit(message: str) -> str | None:
    match = re.search(
        r"\b(?:remove|drop|delete|cut|take out|lose|get rid of)\s+(?:the\s+)?"
        r"(?:sentence|line|part|bit|paragraph|point|mention|claim)\s+"
        r"(?:about|on|that says|saying|mentioning|regarding)\s+(.+?)(?=[.!?\n]|$)",
        message,
        re.I,
    )
    return " ".join(match.group(1).split()) if match else None


_WORDED_EDITS = (
    ("subject_text", _subject_edit),
    ("cta_text", _cta_edit),
    ("signoff_text", _signoff_edit),
    ("remove", _remove_edit),
)


def describe_edits(edits: dict[str, Any]) -> list[str]:
    said = {
        "short": "made it shorter" if edits.get("short") else "gave it more room",
        "tone": f"switched to a {edits.get('tone')} tone",
        "question_cta": "turned the call to action into a question"
        if edits.get("question_cta")
        else "made the call to action a statement",
        "ps": "added a P.S." if edits.get("ps") else "removed the P.S.",
        "mention": f"added a mention of {edits.get('mention')}",
        "subject_text": f'set the subject to "{edits.get("subject_text")}"',
        "cta_text": f'set the call to action to "{edits.get("cta_text")}"',
        "signoff_text": f'set the sign-off to "{edits.get("signoff_text")}"',
        "remove": f"removed the part about {edits.get('remove')}",
    }
    return [said[name] for name in edits if name in said]


def apply_edits(recipe: Recipe, edits: dict[str, Any]) -> Recipe:
    changed = replace(recipe, **{k: v for k, v in edits.items() if k != "remove"})
    return _without(changed, edits["remove"]) if "remove" in edits else changed


def _without(recipe: Recipe, what: str) -> Recipe:
    """The recipe without the part `what` describes: the mention, the P.S. or the section
    whose text shares most words with it (the example's sentences included, since that is
    what the salesperson read); unchanged when nothing matches or one section is left."""
    words = _content_words(what)
    if recipe.mention and words & _content_words(recipe.mention):
        return replace(recipe, mention=None)
    if recipe.ps and words & {"video", "p.s", "postscript"}:
        return replace(recipe, ps=False)
    main = [s for s in sections(recipe) if s.name != "P.S."]
    scored = [(len(words & _content_words(_section_text(recipe, s))), s.name) for s in main]
    score, best = max(scored, default=(0, ""))
    if score == 0 or len(main) <= 1:
        return recipe
    return replace(recipe, dropped=(*recipe.dropped, best))


def _section_text(recipe: Recipe, section: Section) -> str:
    block = next(b for b in blocks(recipe) if b["name"] == section.name)
    sample = write_blocks({"blocks": [block]}, {}, [section.instruction])
    return " ".join([section.name, section.instruction, section.what, *sample])


_STOPWORDS = frozenset(
    "about that this with from their there they them your have will would could should "
    "into than then when what which while where more most some sentence line part".split()
)


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z.]+", text.lower())
    return {w.rstrip("s.") for w in words if len(w) > 3 and w not in _STOPWORDS}


# --- composing -----------------------------------------------------------------------------


def sections(recipe: Recipe) -> list[Section]:
    found = _follow_up_sections(recipe) if recipe.follow_up else _first_touch_sections(recipe)
    kept = [s for s in found if s.name not in recipe.dropped]
    found = kept or found[:1]  # an email keeps at least one written part
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
    pain = recipe.pain or f"what {topic} costs when it is done by hand"
    problem = Section(
        "Problem",
        f"{size} on {pain}, for {recipe.audience} like %company|their team%.",
        f"Name one concrete problem: {pain}. Audience: {recipe.audience}",
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
    if recipe.cta_text:
        return recipe.cta_text
    if recipe.follow_up:
        return FOLLOW_UP_CTAS[recipe.question_cta]
    return CTAS[(recipe.tone, recipe.question_cta)]


def body(recipe: Recipe) -> str:
    parts = [f"{GREETINGS[recipe.tone]} %first_name|there%,"]
    main = [s for s in sections(recipe) if s.name != "P.S."]
    parts += [f"&&{s.instruction}&&" for s in main]
    parts += [cta(recipe), f"{recipe.signoff_text or SIGNOFFS[recipe.tone]}\n%sender_first%"]
    parts += [f"P.S. &&{s.instruction}&&" for s in sections(recipe) if s.name == "P.S."]
    return "\n\n".join(parts)


def subject(recipe: Recipe, *, limit: int = 45) -> str:
    if recipe.subject_text:
        return recipe.subject_text
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
    pain = re.search(r"problem: ([^.]+)\. Audience", strategies)
    base = Recipe(
        topic=topic.group(1).strip(),
        audience=audience.group(1).strip() if audience else GENERIC_AUDIENCE,
        follow_up=follow_up,
        tone=next((t for t, g in GREETINGS.items() if text.startswith(g + " ")), "neutral"),
        short="Keep it short." in strategies,
        question_cta=_cta_is_question(text),
        ps="P.S." in text,
        mention=mention.group(1).strip() if mention else None,
        prior_subject=subject_text[4:] if subject_text.startswith("Re: ") else None,
        pain=pain.group(1).strip() if pain and not pain.group(1).startswith("what ") else None,
    )
    names = {str(b.get("name")) for b in skeleton.get("blocks") or []}
    expected = [s.name for s in sections(base) if s.name != "P.S."]
    return replace(
        base,
        subject_text=None if subject_text == subject(base) else subject_text or None,
        cta_text=_own(_cta_paragraph(text), {*CTAS.values(), *FOLLOW_UP_CTAS.values()}),
        signoff_text=_own(_signoff(text), set(SIGNOFFS.values())),
        dropped=tuple(name for name in expected if name not in names),
    )


def _own(found: str | None, composed: set[str]) -> str | None:
    """A text the salesperson set (None when it is one the recipe composes)."""
    return None if found is None or found in composed else found


def _cta_paragraph(text: str) -> str | None:
    paragraphs = [p.strip() for p in text.split("\n\n")]
    plain = [p for p in paragraphs[1:] if "&&" not in p and "%sender_first%" not in p]
    return plain[-1] if plain else None


def _signoff(text: str) -> str | None:
    for paragraph in text.split("\n\n"):
        if "%sender_first%" in paragraph:
            line = paragraph.split("\n")[0].strip()
            return line if line and "%" not in line else None
    return None


def _cta_is_question(text: str) -> bool:
    found = _cta_paragraph(text)
    return found is not None and found.endswith("?")
