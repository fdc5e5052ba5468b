"""Decoding RapidOCR's output for real (bot.ocr.decoding): word spaces it drops on drawn
Latin lines with narrow gaps are put back, a leaning word is stood upright before it is read,
Chinese is read as RapidOCR reads it, and the default engine reads with the language model
when asked to."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.ocr.decoding import line
from bot.ocr.engines import reading_engine
from bot.ocr.find.lines import find_lines
from bot.ocr.job.rapid_tesseract import BOTH
from bot.ocr.preprocess import prepare
from bot.ocr.readers import rapid
from testkit.drawing import CHINESE_HANDS, Effects, draw_lines, draw_words, note_png, to_bytes

# (text, font, word gap as a share of the font size): lines RapidOCR reads with spaces
# missing (a normal space is about 0.3 of the size)
NARROW = (
    ("W Yuyuan Rd. E", "sans", 0.16),
    ("315 309 Nguyen Van Linh", "serif", 0.12),
    ("Room 12 B second floor", "dkg", 0.2),
)


@pytest.fixture(autouse=True)
def lm_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # the character LMs are built here, not read from (or left in) the user's cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.mark.parametrize(("text", "font_name", "gap"), NARROW)
def test_spaces_dropped_in_narrow_gaps_are_put_back(text: str, font_name: str, gap: float) -> None:
    image = draw_words(text, font_name=font_name, size=34, gap=gap)
    greedy, _ = rapid.read_line(image)
    assert greedy != text and greedy.replace(" ", "") == text.replace(" ", "")
    assert line.read(image, "en").text == text


@pytest.mark.parametrize(
    ("text", "font_name", "joined"),
    [
        ("Bus leaves at 8 am", "comic", "8am"),
        ("Pay the gas bill by 30 June", "femke", "by30June"),
        ("Pick up the parcel at 4 pm", "femke", "at4pm"),
    ],
)
def test_a_narrow_space_next_to_a_number_is_read(text: str, font_name: str, joined: str) -> None:
    # handwriting-like faces at 28 px, blurred and compressed, as a phone photo of a note
    # would be: the recognizer reads the space before or after the number as nothing
    data = note_png(
        ("Pick up the dry cleaning", text),
        font_name=font_name,
        size=28,
        effects=Effects(blur_radius=1.0, jpeg_quality=60),
    )
    image = prepare(data, max_bytes=20 << 20, max_pixels=60_000_000).image
    (*_, last) = find_lines(image, rapid.detect_at(image, rapid.DETECT_SIDE))
    (quad,) = last.pieces
    decoded = line.read(rapid.crop(image, quad), "en")
    assert joined in decoded.greedy
    assert decoded.text == text


def test_a_gap_in_the_ink_puts_a_space_back_without_the_language_model() -> None:
    image = draw_words("Room 12 B second floor", font_name="dkg", size=34, gap=0.2)
    decoded = line.read(image, "en", use_lm=False)
    assert decoded.greedy == "Room 12 Bsecond floor"
    assert decoded.spaced == decoded.text == "Room 12 B second floor"


def test_a_print_line_read_surely_is_left_as_read() -> None:
    image = draw_words("Finish the quarterly report", font_name="sans", size=34, gap=0.3)
    decoded = line.read(image, "en")
    assert decoded.text == decoded.greedy == "Finish the quarterly report"


@pytest.mark.parametrize(
    ("word", "font_name"), [("Tuesday", "dkg"), ("building", "femke"), ("tomorrow", "comic")]
)
def test_a_word_written_leaning_is_read_once_stood_upright(word: str, font_name: str) -> None:
    # written leaning right by 35 degrees, as a fast hand writes: the recognizer, trained on
    # upright print, misreads the word as it leans ("Tesday", "ruiding", "formorrow")
    image = draw_lines(
        (word,), font_name=font_name, size=34, margin=16, effects=Effects(slant=0.7)
    )
    assert line.read(image, "en", deslant=False).text != word
    assert line.read(image, "en").text == word


def test_chinese_is_read_greedily() -> None:
    image = draw_words("明天买牛奶和鸡蛋", font_name="cjk", size=40, gap=0.3)
    decoded = line.read(image, "zh")
    assert decoded.text == decoded.greedy == "明天买牛奶和鸡蛋"


def test_chinese_is_read_as_rapidocr_reads_it_with_its_least_sure_character() -> None:
    # The default engine's Chinese (issue 18): RapidOCR's own reading, to the character and
    # score (a crop under 30 px high is enlarged by RapidOCR first), its doubt measured.
    for size in (40, 18):
        image = draw_words("明天买牛奶和鸡蛋", font_name="cjk", size=size, gap=0.3)
        decoded = line.as_read(image)
        assert (decoded.text, decoded.score) == rapid.read_line(image)
        assert decoded.text == "明天买牛奶和鸡蛋"
        assert 0.0 < decoded.margin <= decoded.least <= 1.0


async def test_chinese_handwriting_misread_in_one_character_is_put_to_the_user() -> None:
    # Three Chinese hands (scripts/fetch_fonts.py). In Zhi Mang Xing RapidOCR writes 洗 for 浇,
    # 0.945 sure of it, and Tesseract reads the hand as noise: the line was shown sure (0.91).
    lines = (
        *("明天买牛奶和鸡蛋", "星期五给花浇水", "下周一交实验报告"),
        *("复习高等数学第三章", "和小王讨论项目进度", "整理书架上的旧杂志"),
    )
    photo = Effects(skew_degrees=1.5, shadow=True, noise=0.2, jpeg_quality=75)
    engine = reading_engine(readers=replace(BOTH, lm=True), workers=1, timeout=120)
    await engine.start()
    try:
        for face in CHINESE_HANDS:
            image = draw_lines(lines, font_name=face, size=44, effects=photo, seed=1)
            page = await engine.recognize(to_bytes(image, "PNG"), "zh")
            read = list(zip(page.lines, lines, strict=True))
            wrong = [ln for ln, want in read if ln.text != want]
            sure_right = [ln for ln, want in read if ln.text == want and not ln.is_flagged(75)]
            assert all(ln.is_flagged(75) for ln in wrong), face
            assert len(sure_right) == (3 if face == "zhi-mang-xing" else len(lines)), face
        # A user who chose no language: the page guessed Chinese is read and decided alike.
        guessed = await engine.recognize(to_bytes(image, "PNG"), "auto")
        assert guessed.language == "zh" and guessed.lines == page.lines
    finally:
        await engine.close()


async def test_the_default_engine_reads_with_the_language_model_when_asked() -> None:
    lines = ("Finish the quarterly report", "Pick up the dry cleaning")
    engine = reading_engine(readers=replace(BOTH, lm=True), workers=1, timeout=120)
    await engine.start()
    try:
        page = await engine.recognize(note_png(lines, font_name="sans", size=40), "en")
    finally:
        await engine.close()
    assert [ln.text for ln in page.lines] == list(lines)
    assert not any(ln.is_flagged(75) for ln in page.lines)


@pytest.mark.parametrize("turned", [0, 180])
async def test_a_handwritten_page_upside_down_reads_upright_with_the_language_model(
    turned: int,
) -> None:
    # The way up is judged on RapidOCR's own scores: the LM's readings (whose scores are
    # capped for deciding) must not make an upright page look upside down, or the reverse.
    lines = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again")
    note = draw_lines(lines, font_name="comic", size=40).rotate(turned, expand=True)
    engine = reading_engine(readers=replace(BOTH, lm=True), workers=1, timeout=120)
    await engine.start()
    try:
        page = await engine.recognize(to_bytes(note), "en")
    finally:
        await engine.close()
    assert [ln.text for ln in page.lines] == list(lines)
