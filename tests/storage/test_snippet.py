"""How a search hit's snippet looks: the match in bold, the rest escaped, long notes cut.

Storage returns the excerpt and where the query matched; the /search reply renders it."""

from __future__ import annotations

from bot.handlers.library import snippet_html
from bot.storage.search import make_snippet, parse_query


def test_long_note_is_cut_around_the_match() -> None:
    text = "start " + "filler words here " * 30 + "the dentist is at 3 pm " + "tail " * 40
    snippet = make_snippet(text, parse_query("dentist"), width=80)
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert len(snippet.text) <= 80 + 2
    assert [snippet.text[a:b] for a, b in snippet.matches] == ["dentist"]
    assert "<b>dentist</b>" in snippet_html(snippet)


def test_lines_are_joined_and_markup_in_the_note_is_escaped() -> None:
    snippet = make_snippet("a <i>b</i>\nmeeting & co", parse_query("meeting"))
    assert snippet.text == "a <i>b</i> / meeting & co"
    assert snippet_html(snippet) == "a &lt;i&gt;b&lt;/i&gt; / <b>meeting</b> &amp; co"


def test_matches_are_found_after_joined_lines_and_a_trimmed_start() -> None:
    snippet = make_snippet("  \n  buy milk\n\n  call Anna about milk  ", parse_query("milk"))
    assert snippet.text == "/ buy milk / call Anna about milk"
    assert [snippet.text[a:b] for a, b in snippet.matches] == ["milk", "milk"]


def test_match_inside_chinese_text_is_bold() -> None:
    snippet = make_snippet("准备季度报告", parse_query("季度"))
    assert snippet_html(snippet) == "准备<b>季度</b>报告"
