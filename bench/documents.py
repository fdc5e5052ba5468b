"""PDFs in and out, as a user waits for them: the real bot (Tesseract) against the fake Bot API.

Run: .venv/bin/python -m bench.documents [--quick] [--pages 10] [--note-pages 5]
--quick: a 3-page PDF and a 2-page note.

(a) A scanned PDF of ``--pages`` pages (drawn notes on A4 at 150 dpi, slightly skewed and
    blurred, as a phone scanner app saves them), sent as a file: end to end from the document
    reaching the server to the bot's last reply, beside its parts measured alone on the same
    bytes: splitting the PDF (PDFium renders every page) and the engine reading the pages.
(b) /export pdf of one note of ``--note-pages`` photo pages (1600x1200 JPEGs): end to end from
    the command to the PDF received, beside writing the PDF alone (pikepdf, images already in
    memory). The size of the PDF.
Everything runs in this one process, like the e2e tests; the machine is shared, so read the
ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.e2e_bot_latency import last_reply, ms, notes


def scanned_pdf(pages: int) -> bytes:
    from PIL import Image

    from testkit.drawing import NOTE_LINES, Effects, apply_effects, draw_lines
    from testkit.pdfs import make_pdf

    scans: list[Image.Image] = []
    for i in range(pages):
        lines = NOTE_LINES[i % 3 :] + NOTE_LINES[: i % 3]
        note = draw_lines(lines, font_name="sans", size=36, seed=i)
        page = Image.new("RGB", (1240, 1754), (246, 245, 240))  # A4 at 150 dpi
        page.paste(note, (80, 120))
        scans.append(apply_effects(page, Effects(skew_degrees=0.8, blur_radius=0.5), seed=i))
    return make_pdf(list(scans), image_page_size=(595, 842))


async def run(pdf_pages: int, note_pages: int) -> None:
    from bot.app import build_application
    from bot.documents.refs import PageRef
    from bot.documents.sources import Limits, pages_of
    from bot.export.pages import image_page
    from bot.export.pdf import TextLine, write_pdf
    from bot.ocr.run.processes import build_recognizer
    from testkit.fake_bot_api import FakeBotApi
    from testkit.harness import Conversation, running_bot
    from testkit.settings import TOKEN, make_settings

    pdf = scanned_pdf(pdf_pages)
    photos = notes(note_pages, first_seed=300, phone=True)
    with tempfile.TemporaryDirectory(prefix="bench-docs-") as tmp, FakeBotApi(TOKEN) as fake:
        settings = make_settings(fake, Path(tmp), ocr_workers=2)
        engine = build_recognizer(settings)
        app = build_application(settings, recognizer=engine)
        async with running_bot(app):
            warm = Conversation(fake, chat_id=9_100)
            warm.send_photo(notes(1, first_seed=100)[0])
            await last_reply(warm)

            limits = Limits(settings.max_pdf_pages, settings.ocr_max_side, settings.max_pixels)
            t0 = time.perf_counter()
            split = await asyncio.to_thread(pages_of, [("F", pdf)], language="en", limits=limits)
            t_split = time.perf_counter() - t0
            t0 = time.perf_counter()
            for page in split:
                await engine.recognize(page.image, "en")
            t_engine = time.perf_counter() - t0
            chat = Conversation(fake, chat_id=9_101)
            t0 = time.perf_counter()
            chat.send_document(pdf, "scan.pdf", "application/pdf")
            await last_reply(chat)
            t_e2e = time.perf_counter() - t0
            print(
                f"(a) scanned PDF, {pdf_pages} pages ({len(pdf) / 1e6:.1f} MB), "
                f"engine={engine.engine_name}, 2 workers"
            )
            print(f"    split (render all pages) {ms(t_split)}")
            print(f"    engine, pages one by one {ms(t_engine)}")
            print(
                f"    end to end in the bot    {ms(t_e2e)}   "
                f"e2e/(split+engine) {t_e2e / (t_split + t_engine):.3f}"
            )

            chat = Conversation(fake, chat_id=9_102)
            for photo in photos:
                chat.send_photo(photo, media_group_id="bench-album")
            await last_reply(chat)
            note = None
            for _ in range(100):  # stored right after the final message
                found = await app.bot_data["services"].db.notes.get_notes(9_102)
                if found:
                    note = found[0]
                    break
                await asyncio.sleep(0.05)
            assert note is not None, "the album's note was not stored"
            t0 = time.perf_counter()
            chat.send_command("export", "pdf")
            sent = await chat.await_reply(lambda m: m.document is not None, timeout=300)
            t_export = time.perf_counter() - t0
            assert sent.document is not None
            # The same pages with their lines, images already in memory: the writer alone.
            pages = []
            for number, photo in enumerate(photos):
                on_page = [
                    TextLine(ln["text"], tuple(ln["box"]) if ln.get("box") else None)
                    for ln in note.lines
                    if ln.get("page") == number
                ]
                pages.append(image_page(photo, PageRef("P"), on_page, settings.max_pixels))
            t0 = time.perf_counter()
            written = write_pdf(pages)
            t_write = time.perf_counter() - t0
            print(f"(b) /export pdf of a {note_pages}-page note (1600x1200 JPEG photos)")
            print(
                f"    end to end in the bot    {ms(t_export)}   "
                f"({len(sent.document.data) / 1e6:.2f} MB, {len(note.lines)} lines)"
            )
            print(f"    writing the PDF alone    {ms(t_write)}   ({len(written) / 1e6:.2f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=10, help="pages of the scanned PDF")
    parser.add_argument("--note-pages", type=int, default=5, help="photo pages of the note")
    parser.add_argument("--quick", action="store_true", help="3-page PDF, 2-page note")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.note_pages = 3, 2
    asyncio.run(run(args.pages, args.note_pages))


if __name__ == "__main__":
    main()
