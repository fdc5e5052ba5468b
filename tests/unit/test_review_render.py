"""What the user reads: escaped text, messages within Telegram's limit, the right buttons."""

from __future__ import annotations

import html
import random
import re

import pytest

from bot.ocr.model import Line, Page
from bot.review.callbacks import ReviewAction, ReviewVerb, unpack
from bot.review.render import (
    MESSAGE_LIMIT,
    ButtonSpec,
    MessageSpec,
    final_filename,
    needs_document,
    render_controls,
    render_done,
    render_flagged_line,
    render_resend_prompt,
    render_summary,
    split_message,
)
from bot.review.session import ReviewSession
from bot.review.strictness import describe_strictness, parse_strictness


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
    (summary,) = render_summary(session, "English")
    assert "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;" in summary
    assert "Tom & Jerry <b>bold</b>" in _visible(summary)
    flagged = render_flagged_line(session, 1)
    assert "<code>Call &lt;Anna&gt; &amp; co</code>" in flagged.text
    session.confirm_all()
    session.replace(2, "x < y & z")
    assert "x &lt; y &amp; z" in render_done(session)[0]


def test_summary_shows_sure_text_header_and_counter(session: ReviewSession) -> None:
    (summary,) = render_summary(session, "English")
    shown = _visible(summary)
    assert shown.startswith("📝 Read in English · tesseract · strictness 75")
    assert "Fine line" in shown
    assert "Call <Anna>" not in shown  # unsure lines are asked about, not asserted
    assert "2 of 2 lines left to check" in shown


def test_summary_without_flagged_lines_has_no_counter() -> None:
    s = _session([("all good", 0.99)])
    (summary,) = render_summary(s, "English")
    assert "left to check" not in summary


def test_flagged_line_message_and_buttons(session: ReviewSession) -> None:
    spec = render_flagged_line(session, 1)
    assert _visible(spec.text).startswith("Line 2 · 41% sure")
    assert [[b.text for b in row] for row in spec.buttons] == [
        ["✅ Confirm", "🔁 Resend"],
        ["🗑 Drop"],
    ]
    actions = [unpack(b.callback_data) for b in _buttons(spec)]
    assert actions == [
        ReviewAction.confirm(session.id, 1, session.revision),
        ReviewAction.resend(session.id, 1, session.revision),
        ReviewAction.drop(session.id, 1, session.revision),
    ]
    assert all(len(b.callback_data.encode()) <= 64 for b in _buttons(spec))


def test_unreadable_line_has_no_confirm(session: ReviewSession) -> None:
    spec = render_flagged_line(session, 2)
    assert "could not read: type it, or drop it" in spec.text
    assert [b.text for b in _buttons(spec)] == ["🔁 Resend", "🗑 Drop"]


def test_percent_never_rounds_up_to_the_threshold() -> None:
    s = _session([("close call", 0.749), ("float noise", 0.29)])
    assert "74% sure" in render_flagged_line(s, 0).text
    assert "29% sure" in render_flagged_line(s, 1).text


def test_album_lines_name_their_page() -> None:
    s = _session([("a", 0.99)], [("b", 0.1)])
    assert _visible(render_flagged_line(s, 1).text).startswith("Line 2 (page 2) · 10% sure")
    assert "line 2 (page 2)" in render_resend_prompt(s, 1).text


def test_settled_line_shows_outcome_without_buttons(session: ReviewSession) -> None:
    session.replace(1, "Call Anna & co")
    spec = render_flagged_line(session, 1)
    assert spec.buttons == []
    assert "replaced" in spec.text
    assert "<s>Call &lt;Anna&gt; &amp; co</s>" in spec.text
    session.drop(2)
    assert "dropped" in render_flagged_line(session, 2).text


def test_controls_offer_confirm_all_only_with_several_pending(session: ReviewSession) -> None:
    spec = render_controls(session)
    assert "2 of 2 lines left to check" in spec.text
    (button,) = _buttons(spec)
    assert button.text == "✅ Confirm all (1)"  # the unreadable line cannot be kept as read
    action = unpack(button.callback_data)
    assert isinstance(action, ReviewAction) and action.verb is ReviewVerb.CONFIRM_ALL
    session.confirm(1)
    spec = render_controls(session)
    assert "1 of 2 lines left to check" in spec.text
    assert spec.buttons == []
    session.drop(2)
    assert render_controls(session).text == "✅ All lines checked."


def test_resend_prompt(session: ReviewSession) -> None:
    spec = render_resend_prompt(session, 1)
    assert spec.text == "Send the correct text for line 2, or a closer photo of just that line."
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
    chunks = render_done(s)
    assert len(chunks) >= 3
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert all(len(c.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for c in chunks)
    assert html.unescape("".join(chunks)) == s.final_text()
    assert needs_document(s)
    assert final_filename(s).endswith(".txt")


def test_short_note_needs_no_document(session: ReviewSession) -> None:
    session.confirm_all()
    session.drop(2)
    assert render_done(session) == [
        "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;\nCall &lt;Anna&gt; &amp; co\nFine line"
    ]
    assert not needs_document(session)


def test_empty_note_says_so() -> None:
    s = _session([("", None)])
    s.drop(0)
    (only,) = render_done(s)
    assert "empty" in only


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
    chunks = render_summary(s, "English")
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
    assert "Waiting for your text or photo" in render_flagged_line(session, 2).text
    session.offer(2, "Pay rent")
    spec = render_flagged_line(session, 2)
    assert "<code>Pay rent</code>" in spec.text
    assert "Read again" in spec.text
    assert [b.text for b in _buttons(spec)] == ["✅ Confirm", "🔁 Resend", "🗑 Drop"]
