"""subject_length and body_length."""

from __future__ import annotations

from coldcraft.skeletons.rules.common import count_words
from coldcraft.skeletons.rules.settings import JudgeSettings
from coldcraft.skeletons.schema import Issue, Severity


def check_subject_length(label: str, subject: str, settings: JudgeSettings) -> list[Issue]:
    text = subject.strip()
    limit, warn = settings.subject_max_chars, settings.subject_warn_chars
    if not text:
        return [_subject(f"{label} is empty; write a short, specific subject line")]
    if "\n" in text:
        return [_subject(f"{label} spans several lines; a subject is a single line")]
    if len(text) > limit:
        return [_subject(f"{label}: {len(text)} characters (max {limit}); shorten it")]
    if len(text) > warn:
        message = f"{label}: {len(text)} characters; subjects of {warn} or fewer read better"
        return [_subject(message, "warning")]
    return []


def _subject(message: str, severity: Severity = "error") -> Issue:
    return Issue(rule="subject_length", message=message, severity=severity)


def check_body_length(
    label: str, body: str, sequence_position: int, settings: JudgeSettings
) -> list[Issue]:
    kind = "a follow-up" if sequence_position > 0 else "a first touch"
    low, high, warn = word_limits(sequence_position, settings)
    words = count_words(body)
    if words < low:
        message = f"{label}: {words} words ({kind} needs {low}..{high}); add a concrete detail"
    elif words > high:
        message = f"{label}: {words} words (max {high} for {kind}); cut it down"
    elif warn is not None and words > warn:
        message = f"{label}: {words} words; {kind} of {warn} words or fewer gets more replies"
        return [Issue(rule="body_length", message=message, severity="warning")]
    else:
        return []
    return [Issue(rule="body_length", message=message)]


def word_limits(sequence_position: int, settings: JudgeSettings) -> tuple[int, int, int | None]:
    """(min, max, warn above) words; follow-ups have no warning threshold."""
    if sequence_position > 0:
        return settings.follow_up_min_words, settings.follow_up_max_words, None
    return (
        settings.first_touch_min_words,
        settings.first_touch_max_words,
        settings.first_touch_warn_words,
    )
