"""The marked-up views escape what they are given and mark only what they should."""

from __future__ import annotations

from coldcraft.studio.views import ai_markup, diff_markup, skeleton_markup


def test_skeleton_marks_fields_and_ai_blocks_and_escapes() -> None:
    html = str(skeleton_markup("Hi %first_name|there% <b>,\n&&Say <i>hi</i>&&"))
    assert '<span class="field" title="merge field">%first_name|there%</span>' in html
    assert (
        '<mark class="ai" title="AI block">&amp;&amp;Say &lt;i&gt;hi&lt;/i&gt;&amp;&amp;</mark>'
        in html
    )
    assert "&lt;b&gt;" in html
    assert "<b>" not in html


def test_ai_markup_highlights_what_the_framework_did_not_write() -> None:
    fixed = "Hi Ada,\n\n\n\nWorth a chat?"
    written = "Hi Ada,\n\nYour <team> grew fast.\n\nWorth a chat?"
    html = str(ai_markup(written, fixed))
    assert '<mark class="ai" title="written by the AI">' in html
    assert "Your &lt;team&gt; grew fast." in html
    assert html.startswith("Hi Ada,")
    assert str(ai_markup("<x>", None)) == "&lt;x&gt;"


def test_diff_marks_words() -> None:
    html = str(diff_markup("Hi <Ada> there", "Hi Grace there"))
    assert "<del>&lt;Ada&gt;</del><ins>Grace</ins>" in html
