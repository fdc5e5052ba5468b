"""The inline-button callback data codec: every button's payload is packed and unpacked here.

Telegram gives a button at most 64 bytes of ``callback_data``. Two families share the space:

* ``r1:<session_id>:<verb>:<line>:<revision>`` -- review buttons (``<line>`` is empty for
  "confirm all"); the revision lets the session reject buttons older than the line they act on.
* ``n1:<verb>[:<number>]`` -- the notes library (list page, open, delete, PDF, fix a line,
  forget yes/no).
* ``g1:<session_id>:<language>`` -- read the review's photo(s) again in another language.

The digit after the prefix is the format version: data from an older bot release is rejected
with :class:`CallbackDataError` instead of being misread. Handlers never ``split`` data
themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_CALLBACK_BYTES = 64
REVIEW_PREFIX = "r1"
NOTES_PREFIX = "n1"
READ_AGAIN_PREFIX = "g1"
MAX_SESSION_ID_LEN = 16
# Large enough for any line index, revision or note id we will see, small enough that the
# longest payload still fits in 64 bytes.
MAX_NUMBER = 999_999_999


class CallbackDataError(ValueError):
    """The callback data is not something this version of the bot produced."""


class ReviewVerb(StrEnum):
    CONFIRM = "c"
    RESEND = "s"
    DROP = "d"
    CONFIRM_ALL = "a"
    CANCEL_RESEND = "x"  # the Cancel button under "send the correct text for line N"


class NoteVerb(StrEnum):
    PAGE = "p"
    OPEN = "o"
    DELETE = "d"
    FORGET_YES = "fy"
    FORGET_NO = "fn"
    FORGET_WORDS = "fw"  # forget only the words learned from corrections (issue 18)
    PDF = "pdf"  # the note as a searchable PDF
    FIX = "fx"  # fix a line of the saved note (the review card over all its lines)


_LINE_VERBS = frozenset(
    {ReviewVerb.CONFIRM, ReviewVerb.RESEND, ReviewVerb.DROP, ReviewVerb.CANCEL_RESEND}
)
_NUMBER_NOTE_VERBS = frozenset(
    {NoteVerb.PAGE, NoteVerb.OPEN, NoteVerb.DELETE, NoteVerb.PDF, NoteVerb.FIX}
)

_SESSION_ID_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_SESSION_ID_LEN}}}")
# Canonical decimal only (no sign, no leading zeros) so that unpack(pack(x)) == x and
# pack(unpack(s)) == s.
_NUMBER = r"0|[1-9][0-9]{0,8}"
_REVIEW_RE = re.compile(
    rf"{REVIEW_PREFIX}:(?P<sid>[A-Za-z0-9_-]{{1,{MAX_SESSION_ID_LEN}}}):(?P<verb>[a-z]+)"
    rf":(?P<line>{_NUMBER}|):(?P<rev>{_NUMBER})"
)
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:_[a-z]{2,4})?")
_READ_AGAIN_RE = re.compile(
    rf"{READ_AGAIN_PREFIX}:(?P<sid>[A-Za-z0-9_-]{{1,{MAX_SESSION_ID_LEN}}}):(?P<lang>[a-z_]{{2,8}})"
)
_NOTES_RE = re.compile(rf"{NOTES_PREFIX}:(?P<verb>[a-z]+)(?::(?P<num>{_NUMBER}))?")


def _check_number(name: str, value: int) -> None:
    # bool is an int subclass; True as a line index is a bug, not data.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NUMBER:
        raise CallbackDataError(f"{name} must be an int in 0..{MAX_NUMBER}, got {value!r}")


@dataclass(frozen=True, slots=True)
class ReviewAction:
    """A tap on a review button. ``line`` is None only for CONFIRM_ALL."""

    session_id: str
    verb: ReviewVerb
    line: int | None
    revision: int

    def __post_init__(self) -> None:
        if not isinstance(self.session_id, str) or not _SESSION_ID_RE.fullmatch(self.session_id):
            raise CallbackDataError(f"bad session id {self.session_id!r}")
        if not isinstance(self.verb, ReviewVerb):
            raise CallbackDataError(f"bad review verb {self.verb!r}")
        if self.verb in _LINE_VERBS:
            if self.line is None:
                raise CallbackDataError(f"{self.verb.name} needs a line")
            _check_number("line", self.line)
        elif self.line is not None:
            raise CallbackDataError(f"{self.verb.name} takes no line")
        _check_number("revision", self.revision)

    @classmethod
    def confirm(cls, session_id: str, line: int, revision: int) -> ReviewAction:
        return cls(session_id, ReviewVerb.CONFIRM, line, revision)

    @classmethod
    def resend(cls, session_id: str, line: int, revision: int) -> ReviewAction:
        return cls(session_id, ReviewVerb.RESEND, line, revision)

    @classmethod
    def drop(cls, session_id: str, line: int, revision: int) -> ReviewAction:
        return cls(session_id, ReviewVerb.DROP, line, revision)

    @classmethod
    def cancel_resend(cls, session_id: str, line: int, revision: int) -> ReviewAction:
        return cls(session_id, ReviewVerb.CANCEL_RESEND, line, revision)

    @classmethod
    def confirm_all(cls, session_id: str, revision: int) -> ReviewAction:
        return cls(session_id, ReviewVerb.CONFIRM_ALL, None, revision)


@dataclass(frozen=True, slots=True)
class NoteAction:
    """A tap in the notes library. ``number`` is the list offset (PAGE) or the note id
    (OPEN, DELETE), and None for the forget-everything answers."""

    verb: NoteVerb
    number: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.verb, NoteVerb):
            raise CallbackDataError(f"bad note verb {self.verb!r}")
        if self.verb in _NUMBER_NOTE_VERBS:
            if self.number is None:
                raise CallbackDataError(f"{self.verb.name} needs a number")
            _check_number("number", self.number)
        elif self.number is not None:
            raise CallbackDataError(f"{self.verb.name} takes no number")

    @classmethod
    def page(cls, offset: int) -> NoteAction:
        return cls(NoteVerb.PAGE, offset)

    @classmethod
    def open(cls, note_id: int) -> NoteAction:
        return cls(NoteVerb.OPEN, note_id)

    @classmethod
    def delete(cls, note_id: int) -> NoteAction:
        return cls(NoteVerb.DELETE, note_id)

    @classmethod
    def pdf(cls, note_id: int) -> NoteAction:
        return cls(NoteVerb.PDF, note_id)

    @classmethod
    def fix(cls, note_id: int) -> NoteAction:
        return cls(NoteVerb.FIX, note_id)

    @classmethod
    def forget_yes(cls) -> NoteAction:
        return cls(NoteVerb.FORGET_YES)

    @classmethod
    def forget_no(cls) -> NoteAction:
        return cls(NoteVerb.FORGET_NO)

    @classmethod
    def forget_words(cls) -> NoteAction:
        return cls(NoteVerb.FORGET_WORDS)


@dataclass(frozen=True, slots=True)
class ReadAgain:
    """A tap on "read again in <language>" under a review's summary."""

    session_id: str
    language: str

    def __post_init__(self) -> None:
        if not isinstance(self.session_id, str) or not _SESSION_ID_RE.fullmatch(self.session_id):
            raise CallbackDataError(f"bad session id {self.session_id!r}")
        if not isinstance(self.language, str) or not _LANGUAGE_RE.fullmatch(self.language):
            raise CallbackDataError(f"bad language {self.language!r}")


Action = ReviewAction | NoteAction | ReadAgain


def pack(action: Action) -> str:
    """The callback_data string for ``action``; never longer than 64 bytes."""
    if isinstance(action, ReviewAction):
        line = "" if action.line is None else str(action.line)
        data = f"{REVIEW_PREFIX}:{action.session_id}:{action.verb.value}:{line}:{action.revision}"
    elif isinstance(action, NoteAction):
        data = f"{NOTES_PREFIX}:{action.verb.value}"
        if action.number is not None:
            data += f":{action.number}"
    elif isinstance(action, ReadAgain):
        data = f"{READ_AGAIN_PREFIX}:{action.session_id}:{action.language}"
    else:  # pragma: no cover - guarded by the type checker
        raise TypeError(f"cannot pack {action!r}")
    # Guaranteed by the field limits above; an assert documents the invariant Telegram needs.
    assert len(data.encode()) <= MAX_CALLBACK_BYTES, data
    return data


def unpack(data: str) -> Action:
    """Parse callback data; CallbackDataError for anything malformed, unknown or from another
    format version."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        raise CallbackDataError("callback data is not a short string")
    if match := _REVIEW_RE.fullmatch(data):
        try:
            verb = ReviewVerb(match["verb"])
        except ValueError:
            raise CallbackDataError(f"unknown review verb in {data!r}") from None
        line = int(match["line"]) if match["line"] else None
        return ReviewAction(match["sid"], verb, line, int(match["rev"]))
    if match := _NOTES_RE.fullmatch(data):
        try:
            note_verb = NoteVerb(match["verb"])
        except ValueError:
            raise CallbackDataError(f"unknown notes verb in {data!r}") from None
        number = int(match["num"]) if match["num"] is not None else None
        return NoteAction(note_verb, number)
    if match := _READ_AGAIN_RE.fullmatch(data):
        return ReadAgain(match["sid"], match["lang"])
    raise CallbackDataError(f"unrecognised callback data {data!r}")
