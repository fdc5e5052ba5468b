"""Telegram misbehaving (getFile errors, cut-off downloads, 429s) and who may use the bot; plus
what a run leaves behind: no token in logs or data files, no temporary image folders."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.ocr.model import Page
from bot.ocr.recognizer import Ahead
from bot.ocr.vocabulary import NO_WORDS, Vocabulary
from bot.review.callbacks import NoteAction, pack
from testkit.buttons import questions
from testkit.drawing import note_png
from testkit.fake_bot_api import FakeBotApi
from testkit.harness import Conversation, running_bot
from testkit.settings import TOKEN, make_settings
from tests.e2e.test_resend_and_long_notes import LongNoteRecognizer

CLEAN = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
DOWNLOAD_FAILED = "could not download this photo"


class GatedRecognizer(LongNoteRecognizer):
    """Reads the scripted long note once ``gate`` is set; ``entered``: a photo is waiting."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def recognize(
        self, image: bytes, language: str, *, on_queue: Ahead = None, words: Vocabulary = NO_WORDS
    ) -> Page:
        self.entered.set()
        await self.gate.wait()
        return await super().recognize(image, language, on_queue=on_queue)


def _final_note(m: Any) -> bool:
    return all(line in m.visible for line in CLEAN) and not questions(m)


async def test_get_file_failure_is_one_sentence_and_a_retry_works(
    bot: Any, fake_api: FakeBotApi
) -> None:
    fake_api.fail_get_file(times=1)
    chat = Conversation(fake_api, chat_id=4001)
    chat.send_photo(note_png(CLEAN))
    reply = await chat.await_reply(contains=DOWNLOAD_FAILED)
    assert reply.visible.count(".") <= 2 and len(reply.visible) < 120
    assert "Downloading" not in " ".join(m.visible for m in chat.bot_messages()), (
        "no status message is left saying it is still downloading"
    )
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(_final_note, timeout=60)


async def test_an_album_page_that_cannot_be_fetched_is_told_once_and_a_resend_works(
    bot: Any, fake_api: FakeBotApi
) -> None:
    # Album pages are fetched as they arrive; a refused one still ends in one sentence in the
    # album's status, not a note with a page missing.
    fake_api.fail_get_file(times=1)
    chat = Conversation(fake_api, chat_id=4011)
    chat.send_photo(note_png(CLEAN[:2]), media_group_id="a1")
    chat.send_photo(note_png(CLEAN[2:]), media_group_id="a1")
    reply = await chat.await_reply(contains=DOWNLOAD_FAILED, timeout=30)
    assert reply.reply_to_message_id is not None, "told in the album's status message"
    assert sum(DOWNLOAD_FAILED in m.visible for m in chat.bot_messages()) == 1
    chat.send_photo(note_png(CLEAN[:2]), media_group_id="a2")
    chat.send_photo(note_png(CLEAN[2:]), media_group_id="a2")
    await chat.await_reply(_final_note, timeout=60)


async def test_cut_off_download_gets_a_clear_message(bot: Any, fake_api: FakeBotApi) -> None:
    fake_api.truncate_downloads(keep_bytes=100, times=1)
    chat = Conversation(fake_api, chat_id=4002)
    chat.send_photo(note_png(CLEAN))
    reply = await chat.await_reply(contains=DOWNLOAD_FAILED, timeout=30)
    assert "send it again" in reply.visible
    chat.send_command("start")
    await chat.await_reply(contains="Send me a photo")
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(_final_note, timeout=60)


async def test_reply_arrives_despite_429(bot: Any, fake_api: FakeBotApi) -> None:
    fake_api.rate_limit("sendMessage", times=1, retry_after=1)
    chat = Conversation(fake_api, chat_id=4003)
    chat.send_command("start")
    await chat.await_reply(contains="Send me a photo", timeout=15)
    assert fake_api.call_count("sendMessage") == 2, "refused once with 429, then retried"
    assert len(chat.bot_messages()) == 1, "and the user sees the reply once"


@pytest.fixture
async def private_bot(fake_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Settings]:
    settings = make_settings(fake_api, tmp_path / "data", allowed_user_ids=frozenset({1}))
    async with running_bot(build_application(settings)):
        yield settings


def _count(settings: Settings, table: str, user_id: int) -> int:
    path = Path(settings.effective_database_url.split(":///", 1)[1])
    with sqlite3.connect(path) as conn:
        sql = f"SELECT COUNT(*) FROM {table} WHERE user_id = ?"  # table: a fixed name
        (n,) = conn.execute(sql, (user_id,)).fetchone()
    return int(n)


async def test_strangers_get_one_polite_refusal_and_nothing_is_processed(
    private_bot: Settings, fake_api: FakeBotApi
) -> None:
    stranger = Conversation(fake_api, chat_id=4004)
    stranger.send_command("start")
    refusal = await stranger.await_reply(contains="private")
    assert len(refusal.visible) < 80
    stranger.send_photo(note_png(CLEAN))
    stranger.send_command("language", "de")
    stranger.send_text("hello")
    stranger.send_document(note_png(CLEAN), "note.png", "image/png")
    # A forged library button: answered (clients spin otherwise), but nothing is done.
    qid = fake_api.user_presses(
        4004, 4004, refusal.message_id, pack(NoteAction.forget_yes()), strict=False
    )
    assert "private" in ((await stranger.await_callback_answer(qid)).text or "")
    # The owner's message is answered after the stranger's: the stranger's are handled by then.
    owner = Conversation(fake_api, chat_id=1)
    owner.send_command("start")
    await owner.await_reply(contains="Send me a photo")
    assert [m.visible for m in stranger.bot_messages()] == [refusal.visible]
    assert fake_api.call_count("getFile") == 0
    assert _count(private_bot, "user_settings", 4004) == 0
    assert _count(private_bot, "notes", 4004) == 0
    assert _count(private_bot, "review_sessions", 4004) == 0


@pytest.fixture
def log_filters() -> Iterator[None]:
    """Give back every logger's filters as they were (redact_token_in_logs is process-wide)."""
    saved = {name: list(logging.getLogger(name).filters) for name in _logger_names()}
    yield
    for name in _logger_names():
        logging.getLogger(name).filters[:] = saved.get(name, [])


def _logger_names() -> list[str]:
    return [n for n in logging.Logger.manager.loggerDict if not n.startswith("_")]


async def _photo_flow_leaks(fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> list[str]:
    """A whole photo flow at DEBUG, through an error path too; returns leaking records."""
    secret = TOKEN.split(":", 1)[1]
    caplog.set_level(logging.DEBUG)
    fake_api.fail_get_file(times=1)
    chat = Conversation(fake_api, chat_id=4005)
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(contains=DOWNLOAD_FAILED)
    fake_api.truncate_downloads(keep_bytes=100, times=1)
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(contains=DOWNLOAD_FAILED)
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(_final_note, timeout=60)
    # The final note is sent before it is stored: ask again until the export has it.
    for _ in range(20):
        chat.send_command("export")
        reply = await chat.await_reply(lambda m: m.document is not None or "no saved" in m.visible)
        if reply.document is not None:
            break
    else:
        raise AssertionError("the confirmed note never reached /export")
    formatter = logging.Formatter("%(name)s %(message)s")
    texts = [formatter.format(r) for r in caplog.records]
    return [t[:200] for t in texts if secret in t]


async def test_token_stays_out_of_log_records_once_redaction_is_on(
    fake_api: FakeBotApi,
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
    log_filters: None,
) -> None:
    app = build_application(bot_settings)
    async with running_bot(app):
        assert await _photo_flow_leaks(fake_api, caplog) == []
    files = [p for p in bot_settings.data_dir.rglob("*") if p.is_file()]
    assert files, "the database lives under data_dir"
    secret = TOKEN.split(":", 1)[1].encode()
    assert not [p for p in files if secret in p.read_bytes()]


async def test_token_stays_out_of_log_records_of_the_app_as_built(
    bot: Any, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture, log_filters: None
) -> None:
    assert await _photo_flow_leaks(fake_api, caplog) == []


async def test_temporary_image_folders_are_removed(
    fake_api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A private temp root: other test runs on this machine create notes-ocr-* folders too.
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    settings = make_settings(fake_api, tmp_path / "data")
    async with running_bot(build_application(settings)):
        chat = Conversation(fake_api, chat_id=4006)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(_final_note, timeout=60)
        fake_api.truncate_downloads(keep_bytes=100, times=1)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains=DOWNLOAD_FAILED, timeout=30)
        chat.send_document(b"not an image at all", "x.png", "image/png")
        await chat.await_reply(contains="not an image", timeout=30)
        assert not list(root.glob("notes-ocr-*"))
    assert not list(root.glob("notes-ocr-*"))


async def test_a_refused_request_is_our_bug_not_the_network(
    bot: Any, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    # A BadRequest (PTB derives it from NetworkError) must not be blamed on the connection,
    # and must leave a traceback in the log for whoever fixes it.
    # The status message is the photo's first new message.
    fake_api.fail_method(
        "sendMessage", description="Bad Request: can't parse entities: unclosed tag"
    )
    chat = Conversation(fake_api, chat_id=4007)
    chat.send_photo(note_png(CLEAN))
    reply = await chat.await_reply(contains="something went wrong", timeout=30)
    assert "reach Telegram" not in reply.visible
    # The token redactor formats the traceback into exc_text (cleaned of the token).
    assert any(r.levelno == logging.ERROR and (r.exc_info or r.exc_text) for r in caplog.records)
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(_final_note, timeout=60)


async def test_a_summary_telegram_refuses_still_leaves_the_note_once(
    bot: Any, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    # With nothing to check, the final note goes out while the status turns into the
    # summary. If Telegram refuses that edit, the user still has the note, stored once, and
    # the log has the traceback.
    fake_api.fail_method("editMessageText", description="Bad Request: message to edit not found")
    chat = Conversation(fake_api, chat_id=4009)
    chat.send_photo(note_png(CLEAN))
    await chat.await_reply(_final_note, timeout=60)
    chat.send_command("notes")
    listing = await chat.await_reply(contains="Your notes")
    assert "(1-1 of 1)" in listing.visible, listing.visible
    assert not any("went wrong" in m.visible for m in chat.bot_messages())
    assert any(r.levelno == logging.ERROR and (r.exc_info or r.exc_text) for r in caplog.records)


async def test_a_note_whose_summary_could_not_be_sent_is_not_kept(
    fake_api: FakeBotApi, bot_settings: Settings
) -> None:
    # A long note's summary takes several messages. When one of them is refused, the user is
    # told and never sees the note, so the library does not keep it either (sending the
    # photo again must not leave two copies).
    lines = [f"{i:03d} a long line of notes to keep" for i in range(160)]
    recognizer = GatedRecognizer(lines)
    async with running_bot(build_application(bot_settings, recognizer=recognizer)):
        chat = Conversation(fake_api, chat_id=4010)
        chat.send_photo(note_png(CLEAN))
        await chat.await_reply(contains="Reading")
        await asyncio.wait_for(recognizer.entered.wait(), timeout=30)
        # The next new message is the summary's second part.
        fake_api.fail_method("sendMessage", description="Bad Request: injected failure")
        recognizer.gate.set()
        await chat.await_reply(contains="something went wrong", timeout=30)
        chat.send_command("notes")
        await chat.await_reply(contains="no saved notes")


async def test_file_telegram_calls_too_big_is_called_too_large(
    bot: Any, fake_api: FakeBotApi
) -> None:
    # When the update has no file_size the bot can only learn the size from getFile's refusal.
    fake_api.fail_get_file(description="Bad Request: file is too big")
    chat = Conversation(fake_api, chat_id=4008)
    chat.send_photo(note_png(CLEAN))
    reply = await chat.await_reply(contains="too large")
    assert DOWNLOAD_FAILED not in reply.visible
