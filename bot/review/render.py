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
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.i18n import Translator
from bot.review.callbacks import ReadAgain, ReviewAction, pack
from bot.review.fix import FixSaved
from bot.review.session import LineState, ReviewLine, ReviewSession
from bot.review.split import MESSAGE_LIMIT as MESSAGE_LIMIT
from bot.review.split import split_message, utf16_units

# A flagged line is shown whole unless it is absurdly long (OCR of a barcode, say); the cut is
# made before escaping so no entity is broken.
MAX_LINE_SHOWN = 3000
CAPTION_LIMIT = 1024  # Telegram's maximum caption (the review card is a photo)
# The card shows this much of a line: its caption must stay under CAPTION_LIMIT.
MAX_CARD_LINE = 600
# A flagged line's number is shown beside "please check" only from here up: "3% sure" reads
# as broken, not as "have a look".
SHOW_PERCENT_FROM = 0.2
# Telegram's CopyTextButton holds 1-256 characters: a longer line gets no Edit button.
COPY_TEXT_LIMIT = 256


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """A button: it sends ``callback_data`` to the bot, or (``copy_text``) copies that text to
    the user's clipboard without telling the bot, or (``web_app``) opens that HTTPS page inside
    Telegram (a Mini App)."""

    text: str
    callback_data: str = ""
    copy_text: str | None = None
    web_app: str | None = None


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


def render_card(
    session: ReviewSession,
    t: Translator,
    *,
    notice: str = "",
    fixing: bool = False,
    page: str | None = None,
) -> MessageSpec:
    """The review card's caption and buttons for the line it shows (``session.current_line``):
    the line, how sure the reader was, a hint on how to fix it, and Edit (copies the line) /
    Confirm / Drop / Retype / Confirm all the rest; or, while new text for it is awaited, the
    request with a Cancel button. ``notice``: one line on top about what just happened ("Line
    3 replaced."). ``fixing``: a saved note is being fixed: every line is shown in turn, with
    Edit / Confirm / Drop / Done. ``page``: the whole-page review page's address, opened by a
    last row's 📝 button."""
    i = session.current_line
    if i is None:
        return render_card_done(session, t)
    line = session.line(i)
    left = len(session.pending)
    rows = [f"<i>{escape(notice)}</i>"] if notice else []
    if fixing:
        rows.append(_bold(t("card-fix-line", line=session.number(i), count=len(session.lines))))
    else:
        rows.append(
            f"<b>{escape(line_label(session, i, t))}</b> · {escape(confidence_words(line, t))}"
            + " · "
            + escape(t.plural("card-left", left))
        )
    if line.text:
        rows.append(_code(line.text, MAX_CARD_LINE))
    if line.original_text is not None and line.state is LineState.FLAGGED and not fixing:
        # A re-read from a closer photo (see ReviewSession.offer), up for confirmation.
        rows.append(_italic(t("card-read-again-from-photo")))
    rev = session.revision
    if session.awaiting_resend == i:
        rows.append(escape(t("card-send-correct-text")))
        cancel = ButtonSpec(
            t("button-cancel"), pack(ReviewAction.cancel_resend(session.id, i, rev))
        )
        return MessageSpec("\n".join(rows), [[cancel]])
    editable = bool(line.text) and utf16_units(line.text) <= COPY_TEXT_LIMIT
    rows.append(_italic(t("card-hint-edit") if editable else t("card-hint-type")))
    first: list[ButtonSpec] = []
    if editable:
        first.append(ButtonSpec(t("button-edit"), copy_text=line.text))
    if not line.unreadable:
        first.append(
            ButtonSpec(t("button-confirm"), pack(ReviewAction.confirm(session.id, i, rev)))
        )
    first.append(ButtonSpec(t("button-drop"), pack(ReviewAction.drop(session.id, i, rev))))
    confirm_all = pack(ReviewAction.confirm_all(session.id, rev))
    whole_page = [[ButtonSpec(t("button-review-page"), web_app=page)]] if page else []
    if fixing:
        # Every line of a saved note is shown in turn: Done keeps the rest as they are.
        done = [ButtonSpec(t("button-done"), confirm_all)]
        return MessageSpec("\n".join(rows), [first, done, *whole_page])
    second = [ButtonSpec(t("button-retype"), pack(ReviewAction.resend(session.id, i, rev)))]
    confirmable = session.confirmable
    if left > 1 and confirmable:
        second.append(ButtonSpec(t.plural("button-confirm-rest", len(confirmable)), confirm_all))
    return MessageSpec("\n".join(rows), [first, second, *whole_page])


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


def render_fix_done(session: ReviewSession, t: Translator, saved: FixSaved) -> MessageSpec:
    """The card once a saved note's fix is written: what changed, and every change another
    fix (saved first, elsewhere) made impossible, with the text the user sent for it."""
    changed = sum(1 for line in session.lines if line.state is LineState.REPLACED)
    dropped = sum(1 for line in session.lines if line.state is LineState.DROPPED)
    rows = [_bold(t("card-fix-done", replaced=changed, dropped=dropped))]
    for refused in saved.refused:
        if refused.text:
            row = t("fix-conflict", line=refused.number, text=_shorter(refused.text))
        else:
            row = t("fix-conflict-drop", line=refused.number)
        if sum(len(r) for r in rows) + len(row) > CAPTION_LIMIT - 64:
            rows.append("…")  # the caption is full; the note below shows what was kept
            break
        rows.append(escape(row))
    return MessageSpec("\n".join(rows))


def _shorter(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def render_done(session: ReviewSession, t: Translator, text: str | None = None) -> list[str]:
    """The finished note as message(s): a one-line heading, then the text alone, so it
    copies cleanly. ``text``: the note as stored, when that is not the session's own text (a
    fix merged with another)."""
    text = session.final_text() if text is None else text
    lines = len(text.splitlines())
    heading = _bold(t.plural("note-heading", lines)) + "\n"
    if not lines:
        return [heading + _italic(t("note-empty"))]
    return split_message(heading + escape(text))


def needs_document(session: ReviewSession, t: Translator) -> bool:
    """True when the note does not fit in one message (then also send it as a .txt file)."""
    return len(render_done(session, t)) > 1


def final_filename(session: ReviewSession) -> str:
    return f"note-{session.created_at:%Y-%m-%d-%H%M}.txt"
