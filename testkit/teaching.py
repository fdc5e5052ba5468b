"""A user teaching the bot a name by correcting it once (issue 18 part 2), as the end-to-end
and queue tests play it: the notes drawn, the correction sent, the next note checked."""

from __future__ import annotations

from testkit.drawing import note_png
from testkit.fake_bot_api import BotMessage
from testkit.harness import Conversation

NAME = "Priyanka Nguyễn"
# The first note: the name alone on a line, which the default engine reads "Priyanka Nguyn"
# and puts to the user.
FIRST = ("Buy milk and eggs tomorrow", NAME)
# A new note with the name in it (read "Priyanka Nguyn, 3 pm" and put to a user who never
# corrected it, whether RapidOCR is decoded greedily or with the language model).
NEXT = ("Pick up the dry cleaning", f"{NAME}, 3 pm")


def card_of(msg: BotMessage) -> bool:
    return msg.photo is not None and "Confirm" in " ".join(msg.button_texts)


def shown_line(msg: BotMessage) -> str:
    """The reading a review card shows under its title."""
    return msg.visible.splitlines()[-2] if msg.visible.count("\n") >= 2 else ""


async def correct_the_name(chat: Conversation) -> None:
    """The first note; the line with the name is read wrong, and the user sends it fixed
    (as ✏️ Edit, pasted and fixed, sends it); the note is saved."""
    chat.send_photo(note_png(FIRST, font_name="sans", size=40))
    card = await chat.await_reply(card_of, timeout=120)
    assert shown_line(card) != NAME, card.visible  # read wrong: there is something to teach
    chat.send_text(NAME)
    final = await chat.await_reply(contains="Your note (2 lines), saved", timeout=60)
    assert final.visible.splitlines()[1:] == list(FIRST)


async def next_note(chat: Conversation) -> tuple[BotMessage, BotMessage | None]:
    """The new note with the name: the message that shows the name's line, and the review
    card if a line was put to the user (None: nothing was left to check)."""
    chat.send_photo(note_png(NEXT, font_name="sans", size=40))

    def settled(msg: BotMessage) -> bool:
        return card_of(msg) or "Your note (2 lines), saved" in msg.visible

    shown = await chat.await_reply(settled, timeout=120)
    return shown, shown if card_of(shown) else None
