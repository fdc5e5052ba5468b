"""Corrections teach (issue 18 part 2): a name a user corrected once is read as they wrote it
in their next notes, and is not put to them again; another user gets no such bias; /forget
undoes it. The real default engine (RapidOCR and Tesseract) on drawn notes, its output decoded
greedily or with the language model (OCR_LM_DECODING); with the language model, the user's
words help the decoding itself (hotwords), where a misreading is too far off to rewrite."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from bot.app import build_application
from bot.config import EngineChoice
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, free_port, running_bot
from testkit.settings import make_settings
from testkit.teaching import (
    NAME,
    NEXT,
    card_of,
    correct_the_name,
    next_note,
    shown_line,
)


@pytest.mark.parametrize("lm", [False, True], ids=["greedy", "lm-decoding"])
async def test_a_name_corrected_once_is_read_as_written_for_that_user_only(
    fake_api: FakeBotApi, tmp_path: Path, lm: bool
) -> None:
    settings = make_settings(
        fake_api, tmp_path / "data", ocr_engine=EngineChoice.AUTO, ocr_lm_decoding=lm
    )
    async with running_bot(build_application(settings)):
        alice = Conversation(fake_api, chat_id=18201, language_code="en")
        bob = Conversation(fake_api, chat_id=18202, language_code="en")
        # Before any correction, the name is misread and put to Bob.
        _, card = await next_note(bob)
        assert card is not None and NAME not in shown_line(card), card and card.visible

        await correct_the_name(alice)
        shown, card = await next_note(alice)
        # Read as Alice wrote it, and nothing is left to check: the note is saved at once.
        assert card is None, shown.visible
        assert shown.visible.splitlines()[1:] == list(NEXT)

        # Bob never corrected it: the same note is read and asked about as before.
        _, card = await next_note(bob)
        assert card is not None and NAME not in shown_line(card), card and card.visible

        # Alice makes the bot forget the words it learned (her notes stay).
        alice.send_command("forget")
        ask = await alice.await_reply(contains="Or forget only the words I learned")
        assert "🧠 Only the words I learned" in ask.button_texts
        alice.press("🧠 Only the words I learned", message_id=ask.message_id)
        done = await alice.await_reply(contains="Done: I forgot the")
        assert "Your notes are kept." in done.visible
        _, card = await next_note(alice)
        assert card is not None and NAME not in shown_line(card), card and card.visible
        alice.send_command("notes")
        # Her two saved notes are still there (the third waits on its card).
        await alice.await_reply(contains="Your notes (1-2 of 2)")

        # Forgetting again: nothing left.
        alice.send_command("forget", "words")
        await alice.await_reply(contains="I have learned no words from your corrections yet")


# Drawn in a handwriting-like face, the "O" of the name looks like "@": RapidOCR reads
# "@konkwo", which no rule rewrites (the rewrite leaves a word's first letter alone).
TAUGHT = "Ask Okonkwo about the keys"
HANDWRITTEN = "Okonkwo brings the cake"


async def test_a_handwritten_name_taught_once_is_decoded_right_for_that_user_only(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    settings = make_settings(fake_api, tmp_path / "data", ocr_engine=EngineChoice.AUTO)
    assert settings.ocr_lm_decoding

    async def send(chat: Conversation, line: str) -> tuple[str, bool]:
        """The reading of a one-line handwritten note, and whether it was put to the user."""
        chat.send_photo(note_png((line,), font_name="femke", size=36))
        reply = await chat.await_reply(
            lambda m: card_of(m) or "Your note (1 line), saved" in m.visible, timeout=120
        )
        if card_of(reply):
            return shown_line(reply), True
        return reply.visible.splitlines()[1], False

    async with running_bot(build_application(settings)):
        alice = Conversation(fake_api, chat_id=18204, language_code="en")
        bob = Conversation(fake_api, chat_id=18205, language_code="en")
        before = await send(bob, HANDWRITTEN)
        assert before[0] != HANDWRITTEN and before[1], before

        # Alice's note with the name is misread too; she types the line as it is written.
        read, asked = await send(alice, TAUGHT)
        assert asked and "Okonkwo" not in read, read
        alice.send_text(TAUGHT)
        await alice.await_reply(contains="Your note (1 line), saved", timeout=60)

        # Her next note with the name is read right, and nothing is left to check.
        assert await send(alice, HANDWRITTEN) == (HANDWRITTEN, False)
        # Bob's reading of the same note is what it was.
        assert await send(bob, HANDWRITTEN) == before


async def test_corrections_made_through_the_api_teach_too(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    app = build_application(
        make_settings(fake_api, tmp_path / "data", api_port=port, webhook_listen="127.0.0.1")
    )
    async with running_bot(app), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
        chat = Conversation(fake_api, chat_id=18203, language_code="en")
        chat.send_command("api")
        reply = await chat.await_reply(contains="Your API token")
        found = re.search(r"nob_[A-Za-z0-9_-]{43}", reply.visible)
        assert found, reply.visible
        auth = {"Authorization": f"Bearer {found.group(0)}"}
        lines = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm")
        files = [("files", ("note.png", note_png(lines), "image/png"))]
        started = await api.post("/v1/readings", headers=auth, files=files,
                                 data={"strictness": "100"})  # fmt: skip
        (reading,) = started.json()["readings"]
        url = f"/v1/readings/{reading['id']}"

        deadline = time.monotonic() + 90
        waiting = ("queued", "reading")
        while (got := (await api.get(url, headers=auth)).json())["status"] in waiting:
            assert time.monotonic() < deadline, got
            await asyncio.sleep(0.2)  # polled as an API client does
        revision = got["revision"]
        # Line 1 typed anew in the Mini App, line 2 dropped; the note saved.
        change = {"action": "replace", "text": "Call Priyanka Nguyễn", "revision": revision}
        r = await api.patch(f"{url}/lines/1", headers=auth, json=change)
        r = await api.patch(f"{url}/lines/2", headers=auth,
                            json={"action": "drop", "revision": r.json()["revision"]})  # fmt: skip
        saved = await api.post(f"{url}/note", headers=auth)
        assert saved.status_code == 201, saved.text
        # Then a line of the saved note fixed through the API.
        note = f"/v1/notes/{saved.json()['note_id']}"
        revision = (await api.get(note, headers=auth)).json()["revision"]
        change = {"action": "replace", "text": "Ask Okonkwo", "revision": revision}
        assert (await api.patch(f"{note}/lines/1", headers=auth, json=change)).status_code == 200
        # Call, Priyanka, Nguyễn; Ask, Okonkwo.
        chat.send_command("forget", "words")
        await chat.await_reply(contains="Done: I forgot the 5 words I learned")
