"""What the user reads during a review, as plain data: message texts (Telegram HTML) and button
specs, in the user's language (a :class:`~bot.i18n.Translator` is passed in). The handlers turn
:class:`MessageSpec` into Telegram messages and keyboards.

One photo is at most three messages: the summary (what was read for sure), the review card
(one line to check at a time, with its crop from the photo, edited in place from line to line)
and the final note.

All OCR and user text is escaped here (``html.escape(quote=False)``); tags only ever open and
close within one line, so a message split at line boundaries stays valid HTML.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.i18n import Translator
from bot.review.callbacks import ReadAgain, ReviewAction, pack
from bot.review.session import LineState, ReviewLine, ReviewSession

MESSAGE_LIMIT = 4096  # Telegram's maximum message length
# A flagged line is shown whole unless it is absurdly long (OCR of a barcode, say); the cut is
# made before escaping so no entity is broken.
MAX_LINE_SHOWN = 3000
CAPTION_LIMIT = 1024  # Telegram's maximum caption (the review card is a photo)
# The card shows this much of a line: its caption must stay under CAPTION_LIMIT.
MAX_CARD_LINE = 600
# A flagged line's number is shown beside "please check" only from here up: "3% sure" reads
# as broken, not as "have a look".
SHOW_PERCENT_FROM = 0.2

_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
# Characters that belong to the one before them; a split must not separate them.
_JOINERS = frozenset("\u200d\u200c\ufe0e\ufe0f")


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    text: str
    callback_data: str


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One message: HTML ``text`` and rows of buttons (empty: no keyboard)."""

    text: str
    buttons: Sequence[Sequence[ButtonSpec]] = field(default_factory=list)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def _italic(text: str) -> str:
    return f"<i>{escape(text)}</i>"


# --------------------------------------------------------------------------- splitting


def _units(text: str) -> int:
    # Telegram counts UTF-16 code units; an emoji is two. Counting the raw HTML (entities and
    # tags included) over-estimates the visible length, which is the safe side.
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The longest prefix (in code points) of ``text`` that is at most ``limit`` units."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def _open_element(text: str, cut: int) -> int:
    """Where the outermost element still open at ``cut`` starts, or -1 if none is open."""
    stack: list[tuple[str, int]] = []
    for match in _TAG_RE.finditer(text, 0, cut):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append((name, match.start()))
        elif stack and stack[-1][0] == name:
            stack.pop()
    return stack[0][1] if stack else -1


def _safe_cut(text: str, cut: int) -> int:
    """Move ``cut`` left so it falls on a space if one is near, and never inside an HTML
    entity, a tag, an element (``<b>..</b>``) or between a letter and its combining marks."""
    if cut >= len(text):
        return cut
    space = max(text.rfind(" ", 0, cut), text.rfind("\t", 0, cut))
    if space >= 0 and space + 1 > cut * 4 // 5:
        cut = space + 1
    for _ in range(8):  # each step only moves left; a few rounds settle every case
        before = cut
        tag = text.rfind("<", 0, cut)
        if tag > 0 and text.find(">", tag, cut) == -1 and text.find(">", cut) != -1:
            cut = tag
        element = _open_element(text, cut)
        if element > 0:
            cut = element
        amp = text.rfind("&", 0, cut)
        if amp > 0 and (match := _ENTITY_RE.match(text, amp)) and match.end() > cut:
            cut = amp
        while cut > 1 and (unicodedata.combining(text[cut]) or text[cut] in _JOINERS):
            cut -= 1
        if cut == before:
            break
    return cut


def _hard_split(text: str, limit: int) -> list[str]:
    """Split one over-long line into pieces of at most ``limit`` units."""
    parts: list[str] = []
    while _units(text) > limit:
        fit = _fit(text, limit)
        cut = _safe_cut(text, fit)
        if cut <= 0:  # nothing safe (one element longer than a message): cut anyway
            cut = max(1, fit)
        parts.append(text[:cut])
        text = text[cut:]
    parts.append(text)
    return parts


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML ``text`` into messages of at most ``limit`` units, at line ends where
    possible. ``"".join(result) == text``: newlines stay at the end of their chunk (Telegram
    trims them). Empty text gives no chunks."""
    if limit < 16:
        raise ValueError("limit too small to split HTML safely")
    chunks: list[str] = []
    current = ""
    current_units = 0
    pieces = text.split("\n")
    for n, body in enumerate(pieces):
        piece = body if n == len(pieces) - 1 else body + "\n"
        if not piece:
            continue
        size = _units(piece)
        if current_units + size <= limit:
            current += piece
            current_units += size
            continue
        if current:
            chunks.append(current)
        if size <= limit:
            current, current_units = piece, size
            continue
        tail = piece[len(body) :]
        parts = _hard_split(body, limit)
        if tail and _units(parts[-1]) + _units(tail) > limit:
            # Make room for the newline so it does not become a message of its own.
            parts = parts[:-1] + _hard_split(parts[-1], limit - _units(tail))
        parts[-1] += tail
        chunks.extend(parts[:-1])
        current = parts[-1]
        current_units = _units(current)
    if current:
        chunks.append(current)
    return chunks


# --------------------------------------------------------------------------- pieces


def _percent(confidence: float) -> int:
    # Floor, not round: a line flagged at 75 must never read "75% sure". The epsilon undoes
    # float noise such as 0.29 * 100 == 28.999999999999996.
    return max(0, min(100, math.floor(confidence * 100 + 1e-9)))


def _shown(text: str, limit: int = MAX_LINE_SHOWN) -> str:
    if len(text) > limit:
        text = text[:limit] + "…"
    return escape(text)


def _code(text: str, limit: int = MAX_LINE_SHOWN) -> str:
    # Multi-line replacements become one <code> per line: tags never span a line break.
    return "\n".join(f"<code>{_shown(part, limit)}</code>" for part in text.split("\n"))


def confidence_words(line: ReviewLine, t: Translator) -> str:
    """How sure the reader was, in words: sure / please check (with the number when it helps)
    / could not read."""
    if line.unreadable:
        return t("confidence-unreadable")
    if line.state is LineState.ACCEPTED:
        return t("confidence-sure")
    if line.confidence is not None and line.confidence >= SHOW_PERCENT_FROM:
        return t("confidence-check-percent", percent=_percent(line.confidence))
    return t("confidence-check")


def line_label(session: ReviewSession, i: int, t: Translator) -> str:
    """ "Line 3", or "Line 3 (page 2)" in an album: the numbers of the whole session."""
    line = session.line(i)
    if session.is_album():
        return t("line-on-page", line=session.number(i), page=line.page + 1)
    return t("line", line=session.number(i))


def current_line(session: ReviewSession) -> int | None:
    """The line the review card shows: the one awaiting new text, else the first to check."""
    if session.awaiting_resend is not None:
        return session.awaiting_resend
    pending = session.pending
    return pending[0] if pending else None


# --------------------------------------------------------------------------- messages


def render_summary(
    session: ReviewSession, t: Translator, *, read_again: Sequence[str] = ()
) -> list[MessageSpec]:
    """The first message(s): which language the photo was read in, what the bot is sure of,
    and how much is left; ``read_again``: languages offered as one-tap re-reads (buttons on
    the first message, which is the one the handlers keep)."""
    header = t(
        "summary-header",
        language=escape(t.language_name(session.language)),
        engine=escape(session.engine),
    )
    sure = [
        line.text
        for line in session.lines
        if line.state in (LineState.ACCEPTED, LineState.CONFIRMED, LineState.REPLACED)
        and line.text.strip()
    ]
    parts = [f"<b>{header}</b>", ""]
    if sure:
        # Replacements may hold several lines; each becomes its own line of the message.
        parts.extend(escape(row) for text in sure for row in text.split("\n"))
    elif session.lines:
        parts.append(_italic(t("summary-none-sure")))
    else:
        parts.append(_italic(t("summary-no-text")))
    if session.truncated:
        # In the summary, not a message of its own: a photo stays within three messages.
        parts += ["", escape(t("photo-truncated"))]
    if session.pending:
        parts += ["", _bold(t.plural("summary-to-check", session.flagged_total))]
    chunks = split_message("\n".join(parts))
    buttons = [
        [
            ButtonSpec(
                t("button-read-again", language=t.language_name(code)),
                pack(ReadAgain(session.id, code)),
            )
        ]
        for code in read_again
    ]
    return [MessageSpec(chunk, buttons if n == 0 else []) for n, chunk in enumerate(chunks)]


def render_card(session: ReviewSession, t: Translator, *, notice: str = "") -> MessageSpec:
    """The review card's caption and buttons for the line it shows (see :func:`current_line`):
    the line, how sure the reader was, and Confirm / Retype / Drop / Confirm all the rest; or,
    while new text for it is awaited, the request with a Cancel button. ``notice``: one line
    on top about what just happened ("Line 3 replaced.")."""
    i = current_line(session)
    if i is None:
        return render_card_done(session, t)
    line = session.line(i)
    left = len(session.pending)
    rows = [f"<i>{escape(notice)}</i>"] if notice else []
    rows.append(
        f"<b>{escape(line_label(session, i, t))}</b> · {escape(confidence_words(line, t))}"
        + " · "
        + escape(t.plural("card-left", left))
    )
    if line.text:
        rows.append(_code(line.text, MAX_CARD_LINE))
    if line.original_text is not None and line.state is LineState.FLAGGED:
        # A re-read from a closer photo (see ReviewSession.offer), up for confirmation.
        rows.append(_italic(t("card-read-again-from-photo")))
    rev = session.revision
    if session.awaiting_resend == i:
        rows.append(escape(t("card-send-correct-text")))
        cancel = ButtonSpec(
            t("button-cancel"), pack(ReviewAction.cancel_resend(session.id, i, rev))
        )
        return MessageSpec("\n".join(rows), [[cancel]])
    first: list[ButtonSpec] = []
    if not line.unreadable:
        first.append(
            ButtonSpec(t("button-confirm"), pack(ReviewAction.confirm(session.id, i, rev)))
        )
    first.append(ButtonSpec(t("button-retype"), pack(ReviewAction.resend(session.id, i, rev))))
    second = [ButtonSpec(t("button-drop"), pack(ReviewAction.drop(session.id, i, rev)))]
    confirmable = session.confirmable
    if left > 1 and confirmable:
        data = pack(ReviewAction.confirm_all(session.id, rev))
        second.append(ButtonSpec(t.plural("button-confirm-rest", len(confirmable)), data))
    return MessageSpec("\n".join(rows), [first, second])


def render_card_done(session: ReviewSession, t: Translator) -> MessageSpec:
    """The card once every line is settled: what became of them, and no buttons."""
    counts = {state: 0 for state in LineState}
    for line in session.lines:
        if line.flagged:
            counts[line.state] += 1
    rows = [_bold(t.plural("card-done", session.flagged_total))]
    detail = t(
        "card-done-detail",
        kept=counts[LineState.CONFIRMED],
        replaced=counts[LineState.REPLACED],
        dropped=counts[LineState.DROPPED],
    )
    rows.append(escape(detail))
    return MessageSpec("\n".join(rows))


def render_done(session: ReviewSession, t: Translator) -> list[str]:
    """The finished note as message(s): a one-line heading, then the text alone, so it
    copies cleanly."""
    lines = sum(1 for _ in session.note_lines())
    heading = _bold(t.plural("note-heading", lines)) + "\n"
    if not lines:
        return [heading + _italic(t("note-empty"))]
    return split_message(heading + escape(session.final_text()))


def needs_document(session: ReviewSession, t: Translator) -> bool:
    """True when the note does not fit in one message (then also send it as a .txt file)."""
    return len(render_done(session, t)) > 1


def final_filename(session: ReviewSession) -> str:
    return f"note-{session.created_at:%Y-%m-%d-%H%M}.txt"
