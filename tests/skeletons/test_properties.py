"""Properties that must hold for any input: render leaves no syntax, parse and the judge
never fail in unexpected ways."""

from __future__ import annotations

import contextlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from coldcraft.skeletons.judge import JudgeContext, judge_email, judge_skeleton
from coldcraft.skeletons.schema import LEAD_FIELDS, SENDER_FIELDS, Lead, Sender, Skeleton
from coldcraft.skeletons.template import TemplateSyntaxError, Text, parse, render

FIELD_SHAPE = re.compile(r"%[a-z_][a-z0-9_.]*(?:\|[^%\n]*)?%")
FAST = settings(max_examples=200, deadline=None)

names = st.sampled_from([*LEAD_FIELDS, *SENDER_FIELDS, "custom_fields.industry", "nope"])
fallbacks = st.none() | st.text(
    st.characters(exclude_characters="%\n&", exclude_categories=("Cs",)), max_size=8
)
fields = st.builds(lambda n, f: f"%{n}%" if f is None else f"%{n}|{f}%", names, fallbacks)
# Text with the characters that interact with the syntax: %, &, spaces, punctuation, newlines.
texts = st.text(st.sampled_from("ab %&,.!?\n'\u2019s\t"), max_size=12)
blocks = st.builds(lambda body: f"&&{body}&&", st.text(st.sampled_from("xy %,\n"), max_size=8))
templates = st.lists(texts | fields | blocks | st.just("&&"), max_size=12).map("".join)
values = st.none() | st.text(max_size=12)
leads = st.builds(Lead, first_name=values, company=values, position=values)


@FAST
@given(templates, leads, st.text(max_size=12))
def test_render_never_leaves_fields_or_markers(template: str, lead: Lead, sender: str) -> None:
    rendered = render(template, lead, Sender(first_name=sender))
    assert not FIELD_SHAPE.search(rendered.text)
    assert "&&" not in rendered.text
    assert rendered.text == rendered.text.strip()
    assert "\n\n\n" not in rendered.text


@FAST
@given(templates, st.lists(st.text(max_size=10), max_size=4))
def test_render_with_ai_texts_leaves_no_syntax(template: str, ai_texts: list[str]) -> None:
    count = len(render(template).ai_blocks)
    texts = (ai_texts * (count + 1))[:count] if ai_texts else ["text"] * count
    rendered = render(template, ai_texts=texts)
    assert not FIELD_SHAPE.search(rendered.text)
    assert "&&" not in rendered.text


@FAST
@given(st.text(st.characters(exclude_characters="%&", exclude_categories=("Cs",))))
def test_literal_text_round_trips_through_parse(text: str) -> None:
    segments = parse(text)
    assert all(isinstance(segment, Text) for segment in segments)
    assert "".join(s.text for s in segments if isinstance(s, Text)) == text


@FAST
@given(st.text() | templates)
def test_parse_raises_nothing_but_template_syntax_error(text: str) -> None:
    with contextlib.suppress(TemplateSyntaxError):
        parse(text)


@FAST
@given(st.text(), st.text(), st.integers(min_value=-1, max_value=5))
def test_judge_email_never_raises(subject: str, body: str, position: int) -> None:
    issues = judge_email(subject, body, JudgeContext(sequence_position=position))
    assert all(issue.message for issue in issues)


@FAST
@given(templates, templates, st.text(max_size=40))
def test_judge_skeleton_never_raises(subject: str, body: str, example: str) -> None:
    skeleton = Skeleton(subject=subject, body=body, example_subject=example, example_body=example)
    judge_skeleton(skeleton)
