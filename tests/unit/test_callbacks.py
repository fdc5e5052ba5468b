"""Button payloads survive the round trip through Telegram and garbage is refused."""

from __future__ import annotations

import random
import secrets
import string

import pytest

from bot.review.callbacks import (
    MAX_NUMBER,
    CallbackDataError,
    NoteAction,
    NoteVerb,
    ReviewAction,
    ReviewVerb,
    pack,
    unpack,
)

ID_ALPHABET = string.ascii_letters + string.digits + "-_"


def _random_review(rng: random.Random) -> ReviewAction:
    sid = "".join(rng.choice(ID_ALPHABET) for _ in range(rng.randint(1, 16)))
    verb = rng.choice(list(ReviewVerb))
    line = (
        None if verb is ReviewVerb.CONFIRM_ALL else rng.choice([0, 1, rng.randint(0, MAX_NUMBER)])
    )
    return ReviewAction(sid, verb, line, rng.choice([0, rng.randint(0, MAX_NUMBER)]))


def _random_note(rng: random.Random) -> NoteAction:
    verb = rng.choice(list(NoteVerb))
    if verb in (NoteVerb.FORGET_YES, NoteVerb.FORGET_NO, NoteVerb.FORGET_WORDS):
        return NoteAction(verb)
    return NoteAction(verb, rng.randint(0, MAX_NUMBER))


def test_random_actions_round_trip_and_fit_in_64_bytes() -> None:
    rng = random.Random(20261121)
    for _ in range(3000):
        action = _random_review(rng) if rng.random() < 0.7 else _random_note(rng)
        data = pack(action)
        assert len(data.encode()) <= 64
        assert unpack(data) == action
        assert pack(unpack(data)) == data


def test_real_session_ids_fit() -> None:
    for _ in range(200):
        action = ReviewAction.confirm(secrets.token_urlsafe(6), 123, 4567)
        assert unpack(pack(action)) == action


def test_longest_payload_is_within_limit() -> None:
    action = ReviewAction.cancel_resend("x" * 16, MAX_NUMBER, MAX_NUMBER)
    assert len(pack(action).encode()) <= 64


def test_known_layout() -> None:
    assert pack(ReviewAction.confirm("abc", 3, 7)) == "r1:abc:c:3:7"
    assert pack(ReviewAction.confirm_all("abc", 7)) == "r1:abc:a::7"
    assert pack(NoteAction.page(20)) == "n1:p:20"
    assert pack(NoteAction.forget_no()) == "n1:fn"
    assert unpack("n1:o:42") == NoteAction.open(42)
    assert unpack("n1:d:42") == NoteAction.delete(42)
    assert unpack("n1:fy") == NoteAction.forget_yes()
    assert unpack("n1:fw") == NoteAction.forget_words()
    assert unpack("r1:abc:s:0:0") == ReviewAction.resend("abc", 0, 0)
    assert unpack("r1:abc:d:5:1") == ReviewAction.drop("abc", 5, 1)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "r1",
        "r2:abc:c:3:7",  # a future/old format version
        "r0:abc:c:3:7",
        "n2:p:0",
        "r1:abc:z:3:7",  # unknown verb
        "r1:abc:c::7",  # confirm without a line
        "r1:abc:a:3:7",  # confirm-all with a line
        "r1:abc:c:3",
        "r1:abc:c:3:7:9",
        "r1::c:3:7",
        "r1:ab c:c:3:7",
        "r1:abc:c:-1:7",
        "r1:abc:c:+1:7",
        "r1:abc:c:03:7",
        "r1:abc:c:3:7\n",
        "r1:abc:c:3:x",
        "r1:abc:c:9999999999:7",
        "r1:" + "a" * 17 + ":c:3:7",
        "n1:p",  # page without offset
        "n1:fy:3",
        "n1:q:1",
        "n1:o:1.5",
        "R1:abc:c:3:7",
        "r1:абв:c:3:7",
        "x" * 65,
    ],
)
def test_garbage_is_rejected(data: str) -> None:
    with pytest.raises(CallbackDataError):
        unpack(data)


def test_random_garbage_never_crashes_differently() -> None:
    rng = random.Random(7)
    alphabet = "r1n:acsdxpofy0123456789-_ \x00é"
    for _ in range(3000):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        try:
            action = unpack(data)
        except CallbackDataError:
            continue
        # Whatever is accepted is exactly what pack would have produced.
        assert pack(action) == data


def test_invalid_actions_cannot_be_built() -> None:
    with pytest.raises(CallbackDataError):
        ReviewAction.confirm("has:colon", 1, 1)
    with pytest.raises(CallbackDataError):
        ReviewAction.confirm("abc", -1, 1)
    with pytest.raises(CallbackDataError):
        ReviewAction.confirm("abc", 1, MAX_NUMBER + 1)
    with pytest.raises(CallbackDataError):
        NoteAction(NoteVerb.OPEN)
