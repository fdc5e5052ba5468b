"""A review goes from the engine's lines to the note the user agreed to."""

from __future__ import annotations

import json

import pytest

from bot.ocr.model import Box, ConfidenceSource, Line, Page
from bot.review.callbacks import ReviewAction
from bot.review.session import LineState, ReviewError, ReviewSession


def _page(*lines: tuple[str, float | None], truncated: bool = False) -> Page:
    return Page(
        engine="tesseract",
        language="en",
        lines=tuple(
            Line(text, conf, Box(10, 20 * n, 300, 18), ConfidenceSource.ENGINE)
            for n, (text, conf) in enumerate(lines)
        ),
        truncated=truncated,
    )


def _session(*pages: Page) -> ReviewSession:
    return ReviewSession.from_pages(
        list(pages),
        owner=42,
        chat_id=7,
        threshold=75,
        file_ids=[f"file{n}" for n in range(len(pages))],
    )


@pytest.fixture
def session() -> ReviewSession:
    return _session(
        _page(
            ("Buy milk", 0.95),
            ("Call Anna at 5", 0.41),
            ("", None),  # writing found, nothing read
            ("Dentist Tuesday", 0.88),
            ("~~shadow~~", 0.30),
        )
    )


def test_confident_lines_are_accepted_and_the_rest_flagged(session: ReviewSession) -> None:
    states = [line.state for line in session.lines]
    assert states == [
        LineState.ACCEPTED,
        LineState.FLAGGED,
        LineState.FLAGGED,
        LineState.ACCEPTED,
        LineState.FLAGGED,
    ]
    assert session.pending == [1, 2, 4]
    assert session.confirmable == [1, 4]
    assert session.lines[2].unreadable
    assert not session.lines[1].unreadable
    assert session.flagged_total == 3
    assert not session.is_done
    assert len(session.id) == 8 and session.pages == ["file0"]
    assert session.lines[1].box == (10, 20, 300, 18)


def test_confirm_replace_drop_reach_the_right_note(session: ReviewSession) -> None:
    assert session.confirm(1)
    assert session.replace(2, "  Pay rent  ")
    assert not session.is_done
    assert session.drop(4)
    assert session.is_done
    assert session.final_text() == "Buy milk\nCall Anna at 5\nPay rent\nDentist Tuesday"
    assert session.lines[2].state is LineState.REPLACED
    assert session.lines[2].original_text == ""
    assert session.lines[4].state is LineState.DROPPED


def test_confirm_all_keeps_readable_lines_and_leaves_unreadable(session: ReviewSession) -> None:
    assert session.confirm_all()
    assert session.pending == [2]
    assert not session.confirm_all()  # nothing left that can be kept as read
    assert session.drop(2)
    assert session.is_done
    assert session.final_text() == "Buy milk\nCall Anna at 5\nDentist Tuesday\n~~shadow~~"


def test_unreadable_line_cannot_be_confirmed(session: ReviewSession) -> None:
    with pytest.raises(ReviewError, match="review-unreadable-confirm"):
        session.confirm(2)


def test_empty_replacement_is_refused_with_a_sentence(session: ReviewSession) -> None:
    with pytest.raises(ReviewError, match="review-empty-replacement") as caught:
        session.replace(2, " \n  ")
    assert caught.value.params == {"line": 3}
    assert session.lines[2].state is LineState.FLAGGED


def test_bad_index_is_a_user_error(session: ReviewSession) -> None:
    for bad in (-1, 5, 99):
        with pytest.raises(ReviewError):
            session.confirm(bad)


def test_repeated_taps_change_nothing(session: ReviewSession) -> None:
    assert session.confirm(1)
    rev = session.revision
    assert not session.confirm(1)
    assert session.drop(4)
    assert not session.drop(4)
    assert session.replace(2, "x")
    assert not session.replace(2, "x")
    assert session.revision == rev + 2


def test_replacing_twice_keeps_the_first_reading(session: ReviewSession) -> None:
    session.replace(1, "Call Anne at 5")
    session.replace(1, "Call Anna at 6")
    assert session.lines[1].original_text == "Call Anna at 5"
    assert session.lines[1].text == "Call Anna at 6"


def test_multiline_replacement_drops_blank_lines(session: ReviewSession) -> None:
    session.replace(2, "Pay rent\n\n   \nand gas\r\n")
    assert session.lines[2].text == "Pay rent\nand gas"


def test_resend_wait_ends_when_line_is_settled(session: ReviewSession) -> None:
    assert session.request_resend(1)
    assert session.awaiting_resend == 1
    assert not session.request_resend(1)
    session.confirm(4)  # another line: still waiting for line 2's new text
    assert session.awaiting_resend == 1
    session.replace(1, "Call Anna at 5pm")
    assert session.awaiting_resend is None
    assert session.request_resend(2)
    assert session.cancel_resend()
    assert not session.cancel_resend()
    with pytest.raises(ReviewError, match="review-already-settled"):
        session.request_resend(0)


def test_offer_puts_a_new_reading_up_for_confirmation(session: ReviewSession) -> None:
    session.request_resend(2)
    assert session.offer(2, "Pay rent", 0.7)
    assert session.awaiting_resend is None
    assert session.lines[2].state is LineState.FLAGGED
    assert 2 in session.pending
    assert session.confirm(2)
    assert session.lines[2].text == "Pay rent"
    with pytest.raises(ReviewError):
        session.offer(1, "")


def test_stale_buttons_are_detected_per_line(session: ReviewSession) -> None:
    rendered_at = session.revision
    session.confirm(1)
    # Line 5's buttons are still good after line 2 was confirmed...
    assert not session.is_stale(4, rendered_at)
    # ...but line 2's old buttons are stale, and so is the old "confirm all".
    assert session.is_stale(1, rendered_at)
    assert session.is_stale(None, rendered_at)
    assert not session.is_stale(None, session.revision)
    assert session.is_stale(4, session.revision + 1)  # from the future: forged or rebuilt
    assert session.is_stale(99, session.revision)


def test_apply_performs_button_actions(session: ReviewSession) -> None:
    rev = session.revision
    assert session.apply(ReviewAction.confirm(session.id, 1, rev))
    assert session.apply(ReviewAction.resend(session.id, 2, session.revision))
    assert session.apply(ReviewAction.cancel_resend(session.id, 2, session.revision))
    assert session.apply(ReviewAction.drop(session.id, 2, session.revision))
    assert session.apply(ReviewAction.confirm_all(session.id, session.revision))
    assert session.is_done
    with pytest.raises(ReviewError):
        session.apply(ReviewAction.confirm("otherid", 1, rev))


def test_album_lines_follow_page_order() -> None:
    s = _session(_page(("p1 a", 0.9), ("p1 b", 0.2)), _page(("p2 a", 0.1), ("p2 b", 0.99)))
    assert [(line.page, line.text) for line in s.lines] == [
        (0, "p1 a"),
        (0, "p1 b"),
        (1, "p2 a"),
        (1, "p2 b"),
    ]
    assert s.pending == [1, 2]
    assert s.number(2) == 3 and s.is_album()
    s.confirm_all()
    assert s.final_text() == "p1 a\np1 b\np2 a\np2 b"


def test_blank_accepted_lines_are_not_in_the_note() -> None:
    s = _session(_page(("one", 0.99), ("two", 0.99)))
    s.lines[1].text = "   "
    assert s.final_text() == "one"


def test_to_dict_round_trips_through_json(session: ReviewSession) -> None:
    session.confirm(1)
    session.replace(2, "Pay rent")
    session.request_resend(4)
    data = json.loads(json.dumps(session.to_dict()))
    again = ReviewSession.from_dict(data)
    assert again == session
    assert again.to_dict() == session.to_dict()
    assert again.created_at == session.created_at


def test_from_dict_refuses_unknown_format(session: ReviewSession) -> None:
    data = session.to_dict()
    data["v"] = 99
    with pytest.raises(ValueError):
        ReviewSession.from_dict(data)


def test_only_owner_may_review(session: ReviewSession) -> None:
    session.check_owner(42)
    with pytest.raises(ReviewError, match="review-not-yours"):
        session.check_owner(43)


def test_building_needs_matching_pages_and_ids() -> None:
    with pytest.raises(ValueError):
        ReviewSession.from_pages([], owner=1, chat_id=1, threshold=75, file_ids=[])
    with pytest.raises(ValueError):
        ReviewSession.from_pages(
            [_page(("a", 1.0))], owner=1, chat_id=1, threshold=75, file_ids=[]
        )


def test_truncated_pages_are_remembered() -> None:
    s = _session(_page(("a", 0.9), truncated=True))
    assert s.truncated


def test_from_dict_refuses_lines_out_of_order(session: ReviewSession) -> None:
    data = session.to_dict()
    data["lines"].reverse()
    with pytest.raises(ValueError):
        ReviewSession.from_dict(data)
