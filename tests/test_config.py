"""Settings: the judge's thresholds come from JudgeSettings, read from `COLDCRAFT_*` variables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from coldcraft.config import JUDGE_THRESHOLDS, Settings
from coldcraft.context.judge import judge_context, judge_settings
from coldcraft.skeletons.judge import JudgeSettings
from coldcraft.skeletons.schema import Lead

DEFAULTS = JudgeSettings()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No threshold variable from the outside, and an empty working directory (no `.env`)."""
    for field in dataclasses.fields(JudgeSettings):
        monkeypatch.delenv(f"COLDCRAFT_{field.name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_thresholds_are_the_judges_scalar_fields() -> None:
    names = {field.name for field in dataclasses.fields(JudgeSettings)}
    # The list fields stay house-rule-only: a workspace extends them.
    assert set(JUDGE_THRESHOLDS) == names - {"extra_banned", "allowed_acronyms"}


def test_defaults_are_the_judges() -> None:
    assert Settings().judge == DEFAULTS


@pytest.mark.parametrize("name", sorted(JUDGE_THRESHOLDS))
def test_each_threshold_is_read_from_its_variable(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"COLDCRAFT_{name.upper()}", "7")
    judge = Settings().judge
    assert getattr(judge, name) == 7
    assert judge == dataclasses.replace(DEFAULTS, **{name: getattr(judge, name)})


def test_variables_are_typed_and_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLDCRAFT_SUBJECT_MAX_CHARS", "40")
    monkeypatch.setenv("coldcraft_readability_min", "42.5")
    judge = Settings().judge
    assert judge.subject_max_chars == 40
    assert isinstance(judge.subject_max_chars, int)
    assert judge.readability_min == 42.5


def test_env_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    (clean_env / ".env").write_text(
        "COLDCRAFT_FOLLOW_UP_MAX_WORDS=80\ncoldcraft_subject_warn_chars=45\n"
    )
    monkeypatch.setenv("COLDCRAFT_SUBJECT_WARN_CHARS", "55")
    judge = Settings().judge
    assert (judge.follow_up_max_words, judge.subject_warn_chars) == (80, 55)
    assert Settings(_env_file=None).judge.follow_up_max_words == DEFAULTS.follow_up_max_words


def test_keywords_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLDCRAFT_SUBJECT_MAX_CHARS", "70")
    monkeypatch.setenv("COLDCRAFT_FIRST_TOUCH_MAX_WORDS", "140")
    judge = Settings(subject_max_chars=40).judge
    assert (judge.subject_max_chars, judge.first_touch_max_words) == (40, 140)


def test_an_explicit_judge_is_taken_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLDCRAFT_SUBJECT_MAX_CHARS", "70")
    given = JudgeSettings(subject_max_chars=30, extra_banned=("synergy",))
    assert Settings(judge=given).judge == given


@pytest.mark.parametrize(
    ("name", "raw"),
    [("subject_max_chars", "abc"), ("follow_up_min_words", "12.5"), ("readability_min", "high")],
)
def test_an_invalid_variable_fails_construction(
    name: str, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"COLDCRAFT_{name.upper()}", raw)
    with pytest.raises(ValidationError) as excinfo:
        Settings()
    [error] = excinfo.value.errors()
    assert error["loc"] == ("judge", name)
    assert error["input"] == raw


def test_list_fields_are_not_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLDCRAFT_EXTRA_BANNED", '["synergy"]')
    monkeypatch.setenv("COLDCRAFT_ALLOWED_ACRONYMS", "NASA")
    judge = Settings().judge
    assert (judge.extra_banned, judge.allowed_acronyms) == ((), ())


# --- the account's judge: settings, then the workspace's house rules -------------------------


def test_house_rules_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLDCRAFT_SUBJECT_MAX_CHARS", "70")
    monkeypatch.setenv("COLDCRAFT_FOLLOW_UP_MAX_WORDS", "90")
    workspace = {"house_rules": {"subject_max_chars": 45, "banned_words": "synergy"}}
    judge = judge_settings(Settings(), workspace)
    assert (judge.subject_max_chars, judge.follow_up_max_words) == (45, 90)
    assert judge.extra_banned == ("synergy",)


@pytest.mark.parametrize(
    "workspace", [None, {}, {"company": "Acme"}, {"house_rules": None}, {"house_rules": "x"}]
)
def test_no_house_rules_keep_the_settings(
    workspace: dict[str, object] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLDCRAFT_READABILITY_MIN", "40")
    settings = Settings()
    assert judge_settings(settings, workspace) == settings.judge


def test_judge_context_carries_position_lead_and_house_rules() -> None:
    lead = Lead(first_name="Ada")
    ctx = judge_context(
        Settings(),
        {"house_rules": {"follow_up_max_words": 60}},
        sequence_position=2,
        sample_lead=lead,
    )
    assert (ctx.sequence_position, ctx.sample_lead) == (2, lead)
    assert ctx.settings == dataclasses.replace(DEFAULTS, follow_up_max_words=60)
