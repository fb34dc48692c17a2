"""JudgeSettings.with_house_rules: workspace overrides, tolerant of whatever users type."""

from __future__ import annotations

from typing import Any

import pytest

from coldcraft.skeletons.judge import JudgeContext, JudgeSettings, judge_email
from tests.skeletons.samples import GOOD_BODY

DEFAULTS = JudgeSettings()


def test_no_house_rules_keep_the_defaults() -> None:
    assert DEFAULTS.with_house_rules(None) == DEFAULTS
    assert DEFAULTS.with_house_rules({}) == DEFAULTS


def test_thresholds_are_overridden_by_field_name() -> None:
    settings = DEFAULTS.with_house_rules(
        {"subject_max_chars": 40, "first_touch_max_words": "120", "readability_min": 60}
    )
    assert (settings.subject_max_chars, settings.first_touch_max_words) == (40, 120)
    assert settings.readability_min == 60.0


def test_banned_words_extend_the_workspace_list() -> None:
    settings = DEFAULTS.with_house_rules({"extra_banned": ["leverage"]})
    settings = settings.with_house_rules({"banned_words": ["leverage", "ping"]})
    assert settings.extra_banned == ("leverage", "ping")


def test_banned_words_may_be_one_comma_separated_string() -> None:
    settings = DEFAULTS.with_house_rules({"banned_words": "leverage, ping,\n touch base ,"})
    assert settings.extra_banned == ("leverage", "ping", "touch base")


@pytest.mark.parametrize(
    "rules",
    [
        {"subject_max_chars": "sixty"},
        {"subject_max_chars": -5},
        {"subject_max_chars": 12.5},
        {"subject_max_chars": True},
        {"subject_max_chars": None},
        {"readability_min": float("nan")},
        {"banned_words": 42},
        {"banned_words": [None, 3, ""]},
        {"no_such_setting": 1},
        {7: "not a string key"},
    ],
)
def test_invalid_or_unknown_house_rules_are_ignored(rules: dict[Any, Any]) -> None:
    assert DEFAULTS.with_house_rules(rules) == DEFAULTS


def test_a_house_rules_value_that_is_not_a_mapping_is_ignored() -> None:
    assert DEFAULTS.with_house_rules(["banned_words"]) == DEFAULTS  # type: ignore[arg-type]


def test_house_rules_change_what_the_judge_reports() -> None:
    settings = DEFAULTS.with_house_rules({"subject_max_chars": 10, "max_exclamations": 0})
    issues = judge_email(
        "A longer subject", GOOD_BODY + "\n\nThanks!", JudgeContext(settings=settings)
    )
    assert {issue.rule for issue in issues} == {"subject_length", "shouting"}
    assert "remove them" in next(i for i in issues if i.rule == "shouting").message
