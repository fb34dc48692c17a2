"""What each rule checks, its severity and default threshold: for docs, the API and agents."""

from __future__ import annotations

from dataclasses import dataclass

from coldcraft.skeletons.rules.settings import JudgeSettings


@dataclass(frozen=True)
class RuleInfo:
    rule: str
    checks: str
    severity: str
    threshold: str
    applies_to: str


# Thresholds are quoted from the defaults, so this text can't drift from JudgeSettings.
_S = JudgeSettings()
_INFOS = (
    RuleInfo(
        rule="em_dash",
        checks="no em dash (U+2014), horizontal bar (U+2015) or ' -- ' used as a dash",
        severity="error",
        threshold="none allowed",
        applies_to="every text field",
    ),
    RuleInfo(
        rule="ai_block_syntax",
        checks="'&&' markers pair up; blocks are not empty and do not nest",
        severity="error",
        threshold="-",
        applies_to="subject, body",
    ),
    RuleInfo(
        rule="merge_field_unknown",
        checks="every %field% is a known lead, sender or custom field, in lower case",
        severity="error",
        threshold="-",
        applies_to="subject, body, blocks",
    ),
    RuleInfo(
        rule="blocks_match",
        checks="blocks[] has an entry when the body has AI blocks and no more entries than "
        "AI blocks; each has a name, a strategy, a fallback and known fields",
        severity="error",
        threshold="-",
        applies_to="skeleton",
    ),
    RuleInfo(
        rule="example_rendered",
        checks="examples are written out: no %...% and no '&&' (and not empty)",
        severity="error",
        threshold="-",
        applies_to="exampleSubject, exampleBody, emails",
    ),
    RuleInfo(
        rule="subject_length",
        checks="rendered subject length in characters, on a single line",
        severity="error; warning above the warning threshold",
        threshold=f"1..{_S.subject_max_chars} (warning above {_S.subject_warn_chars})",
        applies_to="subject",
    ),
    RuleInfo(
        rule="body_length",
        checks="body length in words, by sequence position",
        severity="error; warning above the first-touch warning threshold",
        threshold=f"first touch {_S.first_touch_min_words}..{_S.first_touch_max_words} "
        f"(warning above {_S.first_touch_warn_words}); follow-up "
        f"{_S.follow_up_min_words}..{_S.follow_up_max_words}",
        applies_to="exampleBody, emails",
    ),
    RuleInfo(
        rule="banned_phrase",
        checks="none of the curated cliches and AI tells (data/banned_phrases.txt) nor the "
        "workspace's banned words",
        severity="error",
        threshold="none allowed",
        applies_to="every text field",
    ),
    RuleInfo(
        rule="spam_words",
        checks="none of the curated spam triggers (data/spam_words.txt)",
        severity="error",
        threshold="none allowed",
        applies_to="subject, body",
    ),
    RuleInfo(
        rule="shouting",
        checks="no ALL-CAPS words of 4+ letters (data/acronyms.txt excepted); few '!'",
        severity="error",
        threshold=f"at most {_S.max_exclamations} '!' per email",
        applies_to="subject, body",
    ),
    RuleInfo(
        rule="links_first_touch",
        checks="no URLs, bare domains or %linkedin_url% in the body",
        severity="error on a first touch; warning on follow-ups",
        threshold="none allowed",
        applies_to="body, emails",
    ),
    RuleInfo(
        rule="single_cta",
        checks="at most one question/ask paragraph, and nothing but a sign-off after it",
        severity="warning",
        threshold="1 ask",
        applies_to="body, emails",
    ),
    RuleInfo(
        rule="readability",
        checks="Flesch reading ease (textstat counts, offline syllables)",
        severity="warning",
        threshold=f">= {_S.readability_min:g}",
        applies_to="exampleBody, emails",
    ),
    RuleInfo(
        rule="unresolved_placeholder",
        checks="no [Name], {{...}}, {name} or <company> placeholders left by a model",
        severity="error",
        threshold="none allowed",
        applies_to="emails",
    ),
    RuleInfo(
        rule="ungrounded_claim",
        checks="numbers, percentages, amounts, dates and proper names in the texts a model "
        "wrote are in the lead's data, the workspace context, the skeleton or the cited facts",
        severity="error",
        threshold="none allowed",
        applies_to="emails (the AI blocks' texts)",
    ),
    RuleInfo(
        rule="repeats_earlier_touch",
        checks="a follow-up's written texts do not repeat an earlier email the prospect "
        "received (share of their word 5-grams found in it)",
        severity="error",
        threshold=f"at most {_S.repeat_max_overlap:.0%}",
        applies_to="emails at a follow-up position (the AI blocks' texts)",
    ),
)

RULES: dict[str, RuleInfo] = {info.rule: info for info in _INFOS}
