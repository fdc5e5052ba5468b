"""Real Tesseract on drawn notes: what a user sees when the bot reads their photo."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image, ImageDraw

from bot.config import Settings
from bot.errors import (
    AnimatedImage,
    BadImageShape,
    DecompressionBomb,
    EmptyFile,
    ImageTooLarge,
    LanguageUnavailable,
    OcrTimeout,
    QueueFull,
    UnsupportedImage,
)
from bot.ocr.decide.calibration import Calibration, RereadModel
from bot.ocr.decide.evidence import Reading, agreement
from bot.ocr.engines import tesseract_engine
from bot.ocr.job import Limits
from bot.ocr.job.aspose_checked import check_crop
from bot.ocr.languages import resolve
from bot.ocr.model import Box, ConfidenceSource, Page
from bot.ocr.run.threads import ThreadRunner
from testkit.drawing import NOTE_LINES, Effects, draw_lines, note_png, to_bytes

THRESHOLD = 75
MB = 1024 * 1024


def _engine(**kwargs: object) -> ThreadRunner:
    opts: dict[str, object] = {"workers": 2, "max_bytes": 20 * MB, "max_pixels": 60_000_000}
    opts.update(kwargs)
    return tesseract_engine(**opts)  # type: ignore[arg-type]


@pytest.fixture
async def engine() -> AsyncIterator[ThreadRunner]:
    eng = _engine()
    await eng.start()
    try:
        yield eng
    finally:
        await eng.close()


def _texts(page: Page) -> list[str]:
    return [line.text for line in page.lines]


async def test_clean_print_reads_exactly_and_nothing_is_flagged(engine: ThreadRunner) -> None:
    page = await engine.recognize(note_png(), "en")
    assert _texts(page) == list(NOTE_LINES)
    assert not [line.text for line in page.lines if line.is_flagged(THRESHOLD)]
    assert page.engine == "tesseract"
    assert page.language == "en"
    img = Image.open(io.BytesIO(note_png()))
    assert (page.width, page.height) == img.size
    for line in page.lines:
        assert line.box is not None
        assert line.box.left >= 0 and line.box.right <= page.width
        assert line.box.top >= 0 and line.box.bottom <= page.height


@pytest.mark.parametrize(
    "effects",
    [
        Effects(skew_degrees=2, blur_radius=1.2),
        Effects(skew_degrees=-3, blur_radius=1.5, jpeg_quality=50),
    ],
    ids=["script-skew-blur", "script-skew-blur-jpeg"],
)
async def test_handwriting_every_line_is_there_and_mistakes_are_flagged(
    engine: ThreadRunner, effects: Effects
) -> None:
    data = note_png(font_name="script", effects=effects)
    page = await engine.recognize(data, "en")
    # One line per written line, in order: read, or pointed at as "could not read".
    assert len(page.lines) == len(NOTE_LINES), _texts(page)
    for truth, line in zip(NOTE_LINES, page.lines, strict=True):
        if line.source is ConfidenceSource.DETECTED:
            assert line.text == "" and line.is_flagged(THRESHOLD)
            continue
        assert agreement(truth, line.text) > 0.5, (truth, line.text)
        if line.text != truth:
            assert line.is_flagged(THRESHOLD), (truth, line.text, line.confidence)


async def test_lines_the_page_reading_misses_are_read_one_by_one(engine: ThreadRunner) -> None:
    # Blurred joined-up writing: Tesseract's page layout analysis finds no text at all here,
    # yet read band by band most lines come out right. The user gets the text to check
    # instead of six "could not read" lines to type.
    data = note_png(font_name="script", effects=Effects(skew_degrees=2, blur_radius=1.0))
    page = await engine.recognize(data, "en")
    assert len(page.lines) == len(NOTE_LINES), _texts(page)
    pairs = list(zip(NOTE_LINES, page.lines, strict=True))
    assert sum(line.text == truth for truth, line in pairs) >= 4, _texts(page)
    for truth, line in pairs:
        if line.text != truth:
            assert line.is_flagged(THRESHOLD), (truth, line.text, line.confidence)


async def test_a_line_the_engine_drops_comes_back_as_detected(engine: ThreadRunner) -> None:
    # A scribble between two lines: Tesseract reads no text there, segmentation sees ink.
    img = draw_lines(["Buy milk and eggs tomorrow", "", "Read chapter five again"])
    zigzag = [(80 + 6 * i, 175 + (12 if i % 2 else -12)) for i in range(70)]
    ImageDraw.Draw(img).line(zigzag, fill=(30, 30, 40), width=4)
    page = await engine.recognize(to_bytes(img), "en")
    texts = [line.text for line in page.lines if line.source is not ConfidenceSource.DETECTED]
    assert "Buy milk and eggs tomorrow" in texts
    assert "Read chapter five again" in texts
    middle = [ln for ln in page.lines if ln.box is not None and 120 < ln.box.top < 200]
    assert middle and all(ln.is_flagged(THRESHOLD) for ln in middle)


async def test_vietnamese_keeps_its_diacritics(engine: ThreadRunner) -> None:
    page = await engine.recognize(note_png(("Xin chào các bạn",)), "vi")
    assert _texts(page) == ["Xin chào các bạn"]
    assert page.language == "vi"


async def test_chinese_comes_back_without_spaces_between_characters(
    engine: ThreadRunner,
) -> None:
    # Tesseract separates every Chinese character with a space; the writer did not.
    written = ("明天买牛奶和鸡蛋", "完成季度报告", "星期五给花浇水")
    page = await engine.recognize(note_png(written, font_name="cjk", size=40), "zh")
    texts = [ln.text for ln in page.lines if ln.text]
    assert texts and all(" " not in text for text in texts), texts
    assert agreement("".join(written), "".join(texts)) > 0.8, texts


async def test_a_confident_line_that_reads_differently_when_reread_is_flagged() -> None:
    # The re-read model at work: the same crop read at another scale disagreeing costs a
    # line its acceptance, however sure the page reading was.
    rereads = RereadModel.load("tesseract")
    assert rereads is not None
    assert rereads(0.96, len(rereads.scales)) >= THRESHOLD / 100
    assert rereads(0.96, 0) < THRESHOLD / 100
    # ...and a middling score is never rescued by agreement alone.
    assert rereads(0.6, len(rereads.scales)) < THRESHOLD / 100


async def test_unknown_language(engine: ThreadRunner) -> None:
    with pytest.raises(LanguageUnavailable):
        await engine.recognize(note_png(), "xx")


async def test_known_language_without_traineddata(engine: ThreadRunner) -> None:
    # Korean is in our table but its traineddata is not installed on this server.
    assert "ko" not in engine.available_languages()
    with pytest.raises(LanguageUnavailable):
        await engine.recognize(note_png(), "ko")


async def test_available_languages_are_the_installed_ones(engine: ThreadRunner) -> None:
    langs = engine.available_languages()
    assert {"en", "vi", "de", "fr", "ru", "zh"} <= set(langs)


async def test_two_photos_at_once_both_complete(engine: ThreadRunner) -> None:
    first, second = await asyncio.gather(
        engine.recognize(note_png(), "en"),
        engine.recognize(note_png(("Xin chào các bạn",)), "vi"),
    )
    assert _texts(first) == list(NOTE_LINES)
    assert _texts(second) == ["Xin chào các bạn"]


async def test_queue_reports_positions_and_refuses_when_full() -> None:
    eng = _engine(workers=1, queue_size=1)
    await eng.start()
    first_started = asyncio.Event()
    let_first_go = asyncio.Event()
    positions: list[int] = []

    async def hold_first(position: int) -> None:
        if position == 0:
            first_started.set()
            await let_first_go.wait()  # keeps the only slot busy, no sleeping

    second_queued = asyncio.Event()

    async def record(position: int) -> None:
        positions.append(position)
        if position > 0:
            second_queued.set()

    try:
        first = asyncio.create_task(eng.recognize(note_png(), "en", on_queue=hold_first))
        await first_started.wait()
        second = asyncio.create_task(eng.recognize(note_png(), "en", on_queue=record))
        await second_queued.wait()
        with pytest.raises(QueueFull):
            await eng.recognize(note_png(), "en")
        let_first_go.set()
        pages = await asyncio.gather(first, second)
    finally:
        await eng.close()
    assert positions == [1, 0]
    assert all(_texts(page) == list(NOTE_LINES) for page in pages)


async def test_timeout_is_reported() -> None:
    eng = _engine(timeout=0.001)
    await eng.start()
    try:
        with pytest.raises(OcrTimeout):
            await eng.recognize(note_png(), "en")
    finally:
        await eng.close()


async def test_exif_rotated_photo_reads_upright(engine: ThreadRunner) -> None:
    note = draw_lines(NOTE_LINES)
    # A phone held sideways: pixels stored rotated, EXIF Orientation 6 says "turn 90 CW".
    stored = note.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, "JPEG", exif=exif.tobytes(), quality=92)
    page = await engine.recognize(buf.getvalue(), "en")
    assert _texts(page) == list(NOTE_LINES)
    assert (page.width, page.height) == note.size


@pytest.mark.parametrize("turned", [90, 180, 270])
async def test_photo_turned_without_exif_reads_upright(engine: ThreadRunner, turned: int) -> None:
    # No EXIF to say so: the page itself is sideways or upside down.
    note = draw_lines(NOTE_LINES)
    stored = note.rotate(turned, expand=True)
    page = await engine.recognize(to_bytes(stored), "en")
    assert _texts(page) == list(NOTE_LINES)
    assert not [line.text for line in page.lines if line.is_flagged(THRESHOLD)]
    # Boxes stay in the photo as sent, so the boxed picture marks the right place.
    assert (page.width, page.height) == stored.size
    for line in page.lines:
        assert line.box is not None
        assert line.box.left >= 0 and line.box.right <= stored.width
        assert line.box.top >= 0 and line.box.bottom <= stored.height
        if turned in (90, 270):
            assert line.box.height > line.box.width  # a sideways line stands tall


async def test_large_photo_boxes_are_in_the_photos_pixels(engine: ThreadRunner) -> None:
    img = draw_lines(NOTE_LINES, size=40)
    big = img.resize((img.width * 4, img.height * 4), Image.Resampling.LANCZOS)
    page = await engine.recognize(to_bytes(big), "en")
    assert _texts(page) == list(NOTE_LINES)
    assert (page.width, page.height) == big.size
    last = page.lines[-1].box
    assert last is not None and last.bottom > big.height * 0.7


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (100, 100), c) for c in ("white", "black")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyFile),
        (b"%PDF-1.7\n%%EOF\n", UnsupportedImage),
        (to_bytes(draw_lines(["Buy milk"]), "JPEG")[:900], UnsupportedImage),
        (_animated_gif(), AnimatedImage),
        (to_bytes(Image.new("RGB", (3000, 40), "white")), BadImageShape),
    ],
    ids=["empty", "pdf", "truncated-jpeg", "animated", "banner"],
)
async def test_bad_input_gets_its_own_error(
    engine: ThreadRunner, data: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await engine.recognize(data, "en")


async def test_limits_from_the_engine_settings() -> None:
    eng = _engine(max_bytes=1000, max_pixels=10_000)
    await eng.start()
    try:
        with pytest.raises(ImageTooLarge):
            await eng.recognize(note_png(), "en")
        with pytest.raises(DecompressionBomb):
            await eng.recognize(to_bytes(Image.new("L", (200, 200), 255)), "en")
    finally:
        await eng.close()


def test_tesseract_crop_check_reads_one_line() -> None:
    img = draw_lines(NOTE_LINES)
    # Second line: pen at y = 60 + 76; glyphs about 40 px tall.
    reading = check_crop(img, Box(55, 140, 500, 45), resolve("en"), "tesseract")
    assert reading.text == "Call the dentist at 3 pm"
    assert Calibration.load("tesseract")(reading.score) * 100 >= THRESHOLD


def test_tesseract_crop_check_of_blank_paper_is_empty() -> None:
    img = Image.new("RGB", (600, 200), "white")
    assert check_crop(img, Box(10, 10, 500, 60), resolve("en"), "tesseract") == Reading("", 0.0)


def test_tesseract_crop_check_without_traineddata() -> None:
    with pytest.raises(LanguageUnavailable):
        check_crop(draw_lines(["Buy milk"]), Box(0, 0, 100, 50), resolve("ko"), "tesseract")


def test_built_from_the_app_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        ocr_workers=3,
        ocr_timeout_seconds=30,
        ocr_queue_size=5,
        max_image_bytes=1234,
        max_pixels=5678,
        ocr_max_side=1500,
    )
    eng = tesseract_engine(settings)
    assert (eng.workers, eng.timeout, eng.queue_size) == (3, 30, 5)
    assert eng.limits == Limits(1234, 5678, 1500)
    assert eng.engine_name == "tesseract"
