"""What the user reads during a review, as plain data: message texts (Telegram HTML) and button
specs. The handlers turn :class:`MessageSpec` into Telegram messages and keyboards.

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

from bot.review.callbacks import ReviewAction, pack
from bot.review.session import LineState, ReviewLine, ReviewSession

MESSAGE_LIMIT = 4096  # Telegram's maximum message length
# A flagged line is shown whole unless it is absurdly long (OCR of a barcode, say); the cut is
# made before escaping so no entity is broken.
MAX_LINE_SHOWN = 3000

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


def _line_title(session: ReviewSession, i: int) -> str:
    line = session.line(i)
    title = f"<b>Line {session.number(i)}</b>"
    if session.is_album():
        title += f" (page {line.page + 1})"
    return title


def _shown(text: str) -> str:
    if len(text) > MAX_LINE_SHOWN:
        text = text[:MAX_LINE_SHOWN] + "…"
    return escape(text)


def _code(text: str) -> str:
    # Multi-line replacements become one <code> per line: tags never span a line break.
    return "\n".join(f"<code>{_shown(part)}</code>" for part in text.split("\n"))


def _status(line: ReviewLine) -> str:
    if line.state is LineState.FLAGGED:
        if line.unreadable:
            return "could not read: type it, or drop it"
        if line.confidence is None:
            return "not sure"
        return f"{_percent(line.confidence)}% sure"
    return {
        LineState.ACCEPTED: "read with confidence",
        LineState.CONFIRMED: "✅ kept",
        LineState.REPLACED: "✏️ replaced",
        LineState.DROPPED: "🗑 dropped",
    }[line.state]


def _counter(session: ReviewSession) -> str:
    left, total = len(session.pending), session.flagged_total
    noun = "line" if total == 1 else "lines"
    return f"{left} of {total} {noun} left to check"


# --------------------------------------------------------------------------- messages


def render_summary(session: ReviewSession, language_name: str) -> list[str]:
    """The first message(s): what the bot is sure of, under a header, and how much is left."""
    header = (
        f"<b>📝 Read in {escape(language_name)}</b> · {escape(session.engine)}"
        f" · strictness {session.threshold}"
    )
    sure = [
        line.text
        for line in session.lines
        if line.state in (LineState.ACCEPTED, LineState.CONFIRMED, LineState.REPLACED)
        and line.text.strip()
    ]
    parts = [header, ""]
    if sure:
        # Replacements may hold several lines; each becomes its own line of the message.
        parts.extend(escape(row) for text in sure for row in text.split("\n"))
    elif session.lines:
        parts.append("<i>No line was read for sure.</i>")
    else:
        parts.append("<i>No text was found.</i>")
    if session.pending:
        parts += ["", f"<b>{_counter(session)}</b>"]
    return split_message("\n".join(parts))


def render_flagged_line(session: ReviewSession, i: int) -> MessageSpec:
    """A line to check, with its buttons; once settled, the outcome without buttons (the
    handlers edit the line's message into this)."""
    line = session.line(i)
    rows = [f"{_line_title(session, i)} · {_status(line)}"]
    if line.state is LineState.REPLACED and line.original_text:
        rows.append(f"<s>{_shown(line.original_text)}</s>")
    if line.state is LineState.DROPPED:
        if line.text:
            rows.append(f"<s>{_shown(line.text)}</s>")
    elif line.text:
        rows.append(_code(line.text))
    if line.state is not LineState.FLAGGED:
        return MessageSpec("\n".join(rows))
    if line.original_text is not None:
        # A re-read from a closer photo (see ReviewSession.offer), up for confirmation.
        rows.append("<i>Read again from your new photo.</i>")
    if session.awaiting_resend == i:
        rows.append("<i>⏳ Waiting for your text or photo of this line.</i>")
    rev = session.revision
    first: list[ButtonSpec] = []
    if not line.unreadable:
        first.append(ButtonSpec("✅ Confirm", pack(ReviewAction.confirm(session.id, i, rev))))
    first.append(ButtonSpec("🔁 Resend", pack(ReviewAction.resend(session.id, i, rev))))
    drop = [ButtonSpec("🗑 Drop", pack(ReviewAction.drop(session.id, i, rev)))]
    return MessageSpec("\n".join(rows), [first, drop])


def render_controls(session: ReviewSession) -> MessageSpec:
    """The message under the flagged lines: the counter and "Confirm all"."""
    if session.is_done:
        return MessageSpec("✅ All lines checked.")
    text = (
        f"<b>{_counter(session)}.</b>\n"
        "✅ keeps a line as read, 🔁 lets you type it or send a closer photo, "
        "🗑 leaves it out (shadows, page edges)."
    )
    confirmable = session.confirmable
    if len(session.pending) > 1 and confirmable:
        data = pack(ReviewAction.confirm_all(session.id, session.revision))
        return MessageSpec(text, [[ButtonSpec(f"✅ Confirm all ({len(confirmable)})", data)]])
    return MessageSpec(text)


def render_resend_prompt(session: ReviewSession, i: int) -> MessageSpec:
    """Asks for the replacement of line ``i``, with a Cancel button."""
    line = session.line(i)
    where = f"line {session.number(i)}"
    if session.is_album():
        where += f" (page {line.page + 1})"
    text = f"Send the correct text for {where}, or a closer photo of just that line."
    data = pack(ReviewAction.cancel_resend(session.id, i, session.revision))
    return MessageSpec(text, [[ButtonSpec("✖️ Cancel", data)]])


def render_done(session: ReviewSession) -> list[str]:
    """The finished note as message(s): the text alone, so it copies cleanly."""
    chunks = split_message(escape(session.final_text()))
    return chunks or ["<i>The note is empty: every line was dropped.</i>"]


def needs_document(session: ReviewSession) -> bool:
    """True when the note does not fit in one message (then also send it as a .txt file)."""
    return len(render_done(session)) > 1


def final_filename(session: ReviewSession) -> str:
    return f"note-{session.created_at:%Y-%m-%d-%H%M}.txt"
