"""How many Bot API calls one photo costs, and how many messages it leaves in the chat, for a
note with 0, 5 and 20 lines to check, reviewed to the end with one Confirm per line.

Run: .venv/bin/python -m bench.bot_api_calls [--flagged 0 5 20]

The real bot (Tesseract) against the fake Bot API. The note has 22 drawn lines; the engine's
reading is kept, but the first N lines read are made unsure (confidence 0.5) and the rest sure
(0.99), so exactly N lines are put to the user whatever the engine's own scores.

The script drives the review through the callback data (``r1:...:c:...`` Confirm buttons), so
it runs unchanged against an older checkout, whose review sent one message per line: copy it
there with testkit/ (older trees kept it in tests/) and run it from that tree
(``cd /tmp/before && python -m bench.bot_api_calls``) for the "before" column. Counted per
photo, from the photo to the final note with every review button gone: send =
sendMessage/sendPhoto/sendDocument, edit = editMessageText/Caption/ReplyMarkup, media =
editMessageMedia, and answerCallbackQuery, getFile apart.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bot.ocr.model import Page
from bot.ocr.recognizer import Ahead, Recognizer
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from testkit.recognizers import DelegatingRecognizer

LINES = tuple(f"Line {i:02d}: buy milk, call Anna, water the plants" for i in range(1, 23))
SEND = ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup")
EDIT = ("editMessageText", "editMessageCaption", "editMessageReplyMarkup")
MEDIA = ("editMessageMedia",)


class UnsureFirst(DelegatingRecognizer):
    """The engine's lines, the first ``flagged`` of them unsure and the rest sure."""

    def __init__(self, inner: Recognizer) -> None:
        super().__init__(inner)
        self.flagged = 0

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        page = await self.inner.recognize(image, language, on_queue=on_queue, words=words)
        read = [line for line in page.lines if line.text.strip()]
        lines = tuple(
            dataclasses.replace(line, confidence=0.5 if n < self.flagged else 0.99)
            for n, line in enumerate(read)
        )
        return dataclasses.replace(page, lines=lines)


def _review_buttons(fake: Any, chat_id: int) -> list[tuple[int, str]]:
    return [
        (m.message_id, data)
        for m in fake.bot_messages(chat_id)
        for row in m.buttons
        for _, data in row
        if data and data.startswith(("r1:", "g1:"))
    ]


def _final(fake: Any, chat_id: int) -> Any:
    for m in fake.bot_messages(chat_id):
        if (
            # No button that asks something (✏️ Fix a line stays under a saved note).
            not any(d and d.startswith(("r1:", "g1:")) for row in m.buttons for _, d in row)
            and "Read in" not in m.visible
            and LINES[0][:7] in m.visible
            and LINES[-1][:7] in m.visible
        ):
            return m
    return None


async def one_photo(
    fake: Any, recognizer: UnsureFirst, chat_id: int, image: bytes, n: int
) -> dict[str, int]:
    from bot.review.callbacks import ReviewAction, ReviewVerb, unpack
    from testkit.harness import Conversation

    recognizer.flagged = n
    chat = Conversation(fake, chat_id=chat_id)
    start = len(fake.calls)
    photo = chat.send_photo(image)
    taps = 0

    def ready() -> bool:
        # The final note, or a Confirm button to press.
        return _final(fake, chat_id) is not None or any(
            isinstance(a := unpack(d), ReviewAction) and a.verb is ReviewVerb.CONFIRM
            for _, d in _review_buttons(fake, chat_id)
        )

    while True:
        await fake.wait_for(ready, timeout=300)
        if _final(fake, chat_id) is not None:
            break
        message_id, data = next(
            (mid, d)
            for mid, d in _review_buttons(fake, chat_id)
            if isinstance(a := unpack(d), ReviewAction) and a.verb is ReviewVerb.CONFIRM
        )
        before = fake.bot_message(chat_id, message_id).revision
        fake.user_presses(chat_id, chat_id, message_id, data)
        taps += 1

        def moved(mid: int = message_id, rev: int = before) -> bool:
            msg = fake.bot_message(chat_id, mid)
            return msg is not None and msg.revision > rev

        await fake.wait_for(moved, timeout=60)
    # Whatever is still on its way after the note (closing the review's buttons).
    await fake.wait_for(lambda: not _review_buttons(fake, chat_id), timeout=60)
    calls = Counter(method for method, _ in fake.calls[start:])
    messages = [m for m in fake.bot_messages(chat_id) if m.message_id > photo["message_id"]]
    return {
        "send": sum(calls[m] for m in SEND),
        "edit": sum(calls[m] for m in EDIT),
        "media": sum(calls[m] for m in MEDIA),
        "answer": calls["answerCallbackQuery"],
        "getFile": calls["getFile"],
        "messages": len(messages),
        "taps": taps,
    }


async def run(flagged: list[int]) -> None:
    from bot.app import build_application

    try:
        from bot.ocr.engines import build_recognizer
    except ImportError:  # a checkout from before the engines moved (the "before" column)
        from bot.ocr.run.processes import build_recognizer  # type: ignore[no-redef,attr-defined]
    from testkit.drawing import note_png
    from testkit.fake_bot_api import FakeBotApi
    from testkit.harness import running_bot
    from testkit.settings import TOKEN, make_settings

    image = note_png(LINES, size=32)
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as tmp, FakeBotApi(TOKEN) as fake:
        settings = make_settings(fake, Path(tmp))
        recognizer = UnsureFirst(build_recognizer(settings))
        app = build_application(settings, recognizer=recognizer)
        async with running_bot(app):
            print("Bot API calls per photo, reviewed to the end (one Confirm per line)")
            print("flagged  send  edit  media  answers  getFile  messages  taps")
            for n in flagged:
                got = await one_photo(fake, recognizer, 10_000 + n, image, n)
                print(
                    f"{n:7d}  {got['send']:4d}  {got['edit']:4d}  {got['media']:5d}  "
                    f"{got['answer']:7d}  {got['getFile']:7d}  {got['messages']:8d}  "
                    f"{got['taps']:4d}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--flagged", type=int, nargs="+", default=[0, 5, 20])
    args = parser.parse_args()
    asyncio.run(run(args.flagged))


if __name__ == "__main__":
    main()
