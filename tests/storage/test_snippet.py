"""How a search hit's snippet looks: the match in bold, the rest escaped, long notes cut."""

from __future__ import annotations

from bot.storage.notes import make_snippet, parse_query


def test_long_note_is_cut_around_the_match() -> None:
    text = "start " + "filler words here " * 30 + "the dentist is at 3 pm " + "tail " * 40
    snippet = make_snippet(text, parse_query("dentist"), width=80)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<b>dentist</b>" in snippet
    assert len(snippet) <= 80 + len("<b></b>") + 2


def test_lines_are_joined_and_markup_in_the_note_is_escaped() -> None:
    snippet = make_snippet("a <i>b</i>\nmeeting & co", parse_query("meeting"))
    assert snippet == "a &lt;i&gt;b&lt;/i&gt; / <b>meeting</b> &amp; co"


def test_match_inside_chinese_text_is_bold() -> None:
    assert make_snippet("准备季度报告", parse_query("季度")) == "准备<b>季度</b>报告"
