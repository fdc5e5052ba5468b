"""What the user reads: escaped text, messages within Telegram's limit, the right buttons."""

from __future__ import annotations

import html
import random
import re

import pytest

from bot.i18n import Translator, load_catalogs
from bot.ocr.model import Line, Page
from bot.review.callbacks import ReadAgain, ReviewAction, unpack
from bot.review.render import (
    MESSAGE_LIMIT,
    ButtonSpec,
    MessageSpec,
    confidence_words,
    final_filename,
    needs_document,
    render_card,
    render_card_done,
    render_done,
    render_summary,
    split_message,
)
from bot.review.session import LineState, ReviewSession
from bot.review.strictness import describe_strictness, parse_strictness

CATALOGS = load_catalogs()
EN: Translator = CATALOGS.get("en")


def _session(*pages: list[tuple[str, float | None]]) -> ReviewSession:
    return ReviewSession.from_pages(
        [
            Page("tesseract", "en", tuple(Line(text, conf) for text, conf in lines))
            for lines in pages
        ],
        owner=1,
        chat_id=2,
        threshold=75,
        file_ids=[f"f{n}" for n in range(len(pages))],
    )


@pytest.fixture
def session() -> ReviewSession:
    return _session(
        [
            ("Tom & Jerry <b>bold</b>", 0.97),
            ("Call <Anna> & co", 0.41),
            ("", None),
            ("Fine line", 0.9),
        ]
    )


def _visible(message_html: str) -> str:
    """Roughly what Telegram shows: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", message_html))


def _buttons(spec: MessageSpec) -> list[ButtonSpec]:
    return [button for row in spec.buttons for button in row]


def test_ocr_text_is_escaped_everywhere(session: ReviewSession) -> None:
    (summary,) = render_summary(session, EN)
    assert "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;" in summary.text
    assert "Tom & Jerry <b>bold</b>" in _visible(summary.text)
    card = render_card(session, EN)
    assert "<code>Call &lt;Anna&gt; &amp; co</code>" in card.text
    session.confirm_all()
    session.replace(2, "x < y & z")
    assert "x &lt; y &amp; z" in render_done(session, EN)[0]


def test_summary_shows_language_sure_text_and_what_is_left(session: ReviewSession) -> None:
    (summary,) = render_summary(session, EN, read_again=["vi", "zh"])
    shown = _visible(summary.text)
    assert shown.startswith("📝 Read in English · tesseract")
    assert "Fine line" in shown
    assert "Call <Anna>" not in shown  # unsure lines are asked about, not asserted
    assert "2 lines to check" in shown
    texts = [b.text for b in _buttons(summary)]
    assert texts == ["🔁 Read again in Vietnamese", "🔁 Read again in Chinese"]
    assert unpack(_buttons(summary)[0].callback_data) == ReadAgain(session.id, "vi")


def test_summary_in_each_language_names_the_language_in_it(session: ReviewSession) -> None:
    vi, zh = CATALOGS.get("vi"), CATALOGS.get("zh-hans")
    assert _visible(render_summary(session, vi)[0].text).startswith("📝 Đọc bằng Tiếng Anh")
    assert _visible(render_summary(session, zh)[0].text).startswith("📝 按英语识别")
    assert "有 2 行需要核对" in render_summary(session, zh)[0].text


def test_summary_without_flagged_lines_has_no_counter() -> None:
    s = _session([("all good", 0.99)])
    (summary,) = render_summary(s, EN)
    assert "to check" not in summary.text and summary.buttons == []


def test_card_shows_one_line_with_its_buttons(session: ReviewSession) -> None:
    spec = render_card(session, EN)
    assert _visible(spec.text).startswith("Line 2 · please check (41%) · 2 left")
    assert [[b.text for b in row] for row in spec.buttons] == [
        ["✏️ Edit", "✅ Confirm", "🗑 Drop"],
        # The unreadable line cannot be kept as read: "the rest" is the one line with text.
        ["✏️ Retype / closer photo", "⏩ Confirm the last one"],
    ]
    edit, *tapped = _buttons(spec)
    # Edit copies the reading exactly (unescaped) to the clipboard; the bot hears nothing.
    assert edit.copy_text == "Call <Anna> & co" and edit.callback_data == ""
    assert "Tap ✏️ Edit to copy the line" in _visible(spec.text)
    actions = [unpack(b.callback_data) for b in tapped]
    assert actions == [
        ReviewAction.confirm(session.id, 1, session.revision),
        ReviewAction.drop(session.id, 1, session.revision),
        ReviewAction.resend(session.id, 1, session.revision),
        ReviewAction.confirm_all(session.id, session.revision),
    ]
    assert all(len(b.callback_data.encode()) <= 64 for b in tapped)
    assert len(spec.text) <= 1024


def test_card_moves_on_and_ends_as_a_tally(session: ReviewSession) -> None:
    session.confirm(1)
    spec = render_card(session, EN, notice="Line 2 kept.")
    shown = _visible(spec.text)
    assert shown.startswith("Line 2 kept.\nLine 3 · could not read: type it, or drop it · 1 left")
    # Nothing to copy: no Edit, and the hint says to send the text.
    assert [b.text for b in _buttons(spec)] == ["🗑 Drop", "✏️ Retype / closer photo"]
    assert "send the right text of this line" in shown
    session.drop(2)
    done = render_card_done(session, EN)
    assert done.buttons == []
    assert _visible(done.text) == "✅ All 2 lines checked.\nKept: 1 · retyped: 0 · dropped: 1"


def test_confidence_in_words_not_zero_percent() -> None:
    s = _session([("close call", 0.749), ("float noise", 0.29), ("barely", 0.0), ("ok", 0.99)])
    assert confidence_words(s.lines[0], EN) == "please check (74%)"
    assert confidence_words(s.lines[1], EN) == "please check (29%)"
    assert confidence_words(s.lines[2], EN) == "please check"
    assert confidence_words(s.lines[3], EN) == "sure"
    assert "0%" not in render_card(_session([("barely", 0.0)]), EN).text


def test_album_lines_name_their_page() -> None:
    s = _session([("a", 0.99)], [("b", 0.1)])
    assert _visible(render_card(s, EN).text).startswith("Line 2 (page 2) · please check · 1 left")


def test_card_asks_for_the_line_in_place(session: ReviewSession) -> None:
    session.request_resend(1)
    spec = render_card(session, EN)
    assert "Send the correct text for this line" in spec.text
    (cancel,) = _buttons(spec)
    assert unpack(cancel.callback_data) == ReviewAction.cancel_resend(
        session.id, 1, session.revision
    )


def test_long_note_is_split_and_sent_as_document_too() -> None:
    rng = random.Random(3)
    words = ["milk", "Tom & Jerry", "<tag>", "ünïcode", "日本語", "🙂", "x" * 30]
    lines: list[tuple[str, float | None]] = []
    while sum(len(t) + 1 for t, _ in lines) < 10_000:
        lines.append((" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))), 0.99))
    s = _session(lines)
    chunks = render_done(s, EN)
    assert len(chunks) >= 3
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert all(len(c.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for c in chunks)
    _heading, _, text = html.unescape("".join(chunks)).partition("\n")
    assert text == s.final_text()
    assert needs_document(s, EN)
    assert final_filename(s).endswith(".txt")


def test_short_note_needs_no_document(session: ReviewSession) -> None:
    session.confirm_all()
    session.drop(2)
    assert render_done(session, EN) == [
        "<b>📝 Your note (3 lines), saved:</b>\n"
        "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;\nCall &lt;Anna&gt; &amp; co\nFine line"
    ]
    assert render_done(session, CATALOGS.get("vi"))[0].startswith(
        "<b>📝 Ghi chú của bạn (3 dòng), đã lưu:</b>\n"
    )
    assert not needs_document(session, EN)


def test_empty_note_says_so() -> None:
    s = _session([("", None)])
    s.drop(0)
    (only,) = render_done(s, EN)
    assert "empty" in only and "(0 lines)" in only


def test_single_huge_line_is_hard_split_without_breaking_entities() -> None:
    text = html.escape("a&b<c>" * 2000, quote=False)  # one 12,000-char line of entities
    chunks = split_message(text)
    assert "".join(chunks) == text
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    for chunk in chunks:
        # every '&' in a chunk starts a complete entity
        assert not re.search(r"&(?!(amp|lt|gt);)", chunk)


def test_summary_of_a_huge_line_stays_valid() -> None:
    s = _session([("word & " * 2000, 0.99)])
    chunks = [spec.text for spec in render_summary(s, EN)]
    assert len(chunks) >= 3
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    for chunk in chunks:
        assert chunk.count("<b>") == chunk.count("</b>")
        assert not re.search(r"&(?!(amp|lt|gt);)", chunk)


def test_split_random_text_round_trips() -> None:
    rng = random.Random(11)
    alphabet = ["a", " ", "\n", "&amp;", "&lt;", "<b>x</b>", "é", "e\u0301", "🙂", "中"]
    for _ in range(30):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000)))
        limit = rng.choice([16, 50, 200, 1000])
        chunks = split_message(text, limit)
        assert "".join(chunks) == text
        for chunk in chunks:
            assert len(chunk.encode("utf-16-le")) // 2 <= limit
            assert chunk.count("<b>") == chunk.count("</b>")
            assert not re.search(r"&(?!(amp|lt);)", chunk)
            assert not chunk.startswith("\u0301")


@pytest.mark.parametrize(
    ("words", "value"),
    [("lenient", 60), ("normal", 75), ("STRICT", 90), ("0", 0), ("100", 100), ("80%", 80)],
)
def test_strictness_accepts_names_and_numbers(words: str, value: int) -> None:
    assert parse_strictness(words) == value
    assert parse_strictness([words]) == value


@pytest.mark.parametrize("words", ["", "101", "-5", "7.5", "very", "80 90", "٣", "1_0", "+5"])
def test_strictness_rejects_the_rest_with_a_sentence(words: str) -> None:
    with pytest.raises(ValueError, match="lenient"):
        parse_strictness(words)


def test_strictness_is_described_by_name() -> None:
    assert describe_strictness(75) == "normal (75)"
    assert describe_strictness(80) == "80"


def test_reread_line_is_offered_for_confirmation(session: ReviewSession) -> None:
    session.request_resend(2)
    session.offer(2, "Pay rent")
    session.confirm(1)
    spec = render_card(session, EN)
    assert "<code>Pay rent</code>" in spec.text
    assert "Read again from your new photo" in spec.text
    assert [b.text for b in _buttons(spec)] == [
        "✏️ Edit",
        "✅ Confirm",
        "🗑 Drop",
        "✏️ Retype / closer photo",
    ]


def test_a_line_longer_than_telegram_copies_has_no_edit_button() -> None:
    # CopyTextButton holds 1-256 characters: 256 is offered, 257 is not (the user retypes).
    for length, offered in ((256, True), (257, False)):
        s = _session([("x" * length, 0.3), ("y", 0.3)])
        spec = render_card(s, EN)
        copies = [b.copy_text for b in _buttons(spec) if b.copy_text is not None]
        assert copies == (["x" * length] if offered else [])
        assert ("Tap ✏️ Edit" in spec.text) is offered


def test_fixing_a_saved_note_shows_every_line_with_edit_confirm_drop_done() -> None:
    s = _session([("first", 0.99), ("second", 0.99)])
    for line in s.lines:
        line.state, line.flagged = LineState.FLAGGED, True
    spec = render_card(s, EN, fixing=True)
    assert _visible(spec.text).startswith("✏️ Fixing your note · line 1 of 2\nfirst")
    assert [[b.text for b in row] for row in spec.buttons] == [
        ["✏️ Edit", "✅ Confirm", "🗑 Drop"],
        ["✔️ Done"],
    ]
    assert unpack(spec.buttons[1][0].callback_data) == ReviewAction.confirm_all(s.id, s.revision)


def test_the_whole_page_button_opens_the_page_as_a_last_row(session: ReviewSession) -> None:
    url = "https://notes.example/app/?reading=R1"
    for fixing in (False, True):
        spec = render_card(session, EN, fixing=fixing, page=url)
        (last,) = spec.buttons[-1]
        assert (last.text, last.web_app) == ("📝 Review the whole page", url)
        assert not last.callback_data
    assert all(b.web_app is None for b in _buttons(render_card(session, EN)))
    session.request_resend(1)  # waiting for the line's text: Cancel is the only button
    assert [b.text for b in _buttons(render_card(session, EN, page=url))] == ["✖️ Cancel"]
