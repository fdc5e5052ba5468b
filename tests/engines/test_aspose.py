"""The real Aspose engine behind the pool: what a user gets back for a photo of notes.

No license is configured here, so Aspose runs in trial mode: it reads only the first lines
and stamps a marker line. The user must still see every line (unread ones flagged) and a
warning, and never the marker.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from bot.errors import LicenseProblem, ModelMissing
from bot.i18n import load_catalogs
from bot.ocr.job.aspose_checked import TRIAL_WARNING
from bot.ocr.model import ConfidenceSource, Page
from bot.ocr.readers.aspose import AsposeWorkerConfig
from bot.ocr.run.processes import ProcessRunner
from testkit.drawing import NOTE_LINES, Effects, note_png

pytestmark = [pytest.mark.aspose, pytest.mark.asyncio(loop_scope="module")]

THRESHOLD = 75


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _best_match(text: str) -> float:
    return max(_similar(text, drawn) for drawn in NOTE_LINES)


def _assert_trial_page(page: Page) -> None:
    assert page.truncated
    assert TRIAL_WARNING in page.warnings
    assert not any("Trial Licenses" in line.text for line in page.lines)
    assert not any("Trial Licenses" in warning for warning in page.warnings)


async def test_clean_note_gives_every_drawn_line(aspose_pool: ProcessRunner) -> None:
    page = await aspose_pool.recognize(note_png(), "en")

    assert page.engine == "aspose"
    assert page.language == "en"
    _assert_trial_page(page)
    # Trial or not, the user sees one line per drawn line, top to bottom.
    assert len(page.lines) == len(NOTE_LINES)
    read = [line for line in page.lines if line.text]
    assert read, "Aspose read nothing"
    assert _similar(read[0].text, NOTE_LINES[0]) > 0.9
    for line in read:
        assert _best_match(line.text) > 0.8, line.text
        # Trial Aspose gives no score: the line's confidence comes from a second reading
        # (or is unknown), never a made-up low number. Lines the trial cut off are
        # Tesseract's reading of them, with Tesseract's own confidence.
        assert line.source in (
            ConfidenceSource.VERIFIED,
            ConfidenceSource.UNKNOWN,
            ConfidenceSource.SECOND_ENGINE,
        )
    # The trial cuts the text short, yet every clean printed line reaches the user as text.
    assert [line.text for line in page.lines] == list(NOTE_LINES)
    assert any(line.source is ConfidenceSource.SECOND_ENGINE for line in page.lines)
    for line in page.lines:
        if line.source is ConfidenceSource.DETECTED:
            assert line.text == ""
            assert line.is_flagged(THRESHOLD)
    # Boxes are in the user's photo, in reading order.
    tops = [line.box.top for line in page.lines if line.box is not None]
    assert tops == sorted(tops)
    assert all(0 <= top < page.height for top in tops)


async def test_big_photo_boxes_map_back_to_the_original(aspose_pool: ProcessRunner) -> None:
    # Drawn at twice the size, so the pool downscales before Aspose (max_side 2000 -> 1000).
    aspose_pool.max_side = 1000
    try:
        page = await aspose_pool.recognize(note_png(size=80), "en")
    finally:
        aspose_pool.max_side = 2000
    assert page.width > 1000
    assert len(page.lines) == len(NOTE_LINES)
    first = page.lines[0]
    assert _similar(first.text, NOTE_LINES[0]) > 0.9
    assert first.box is not None
    # Drawn at y=60 with 80 px letters: the box is where the user's photo has the line.
    assert 30 < first.box.top < 110
    assert first.box.height > 50


async def test_skewed_photo_like_note(aspose_pool: ProcessRunner) -> None:
    photo = note_png(
        effects=Effects(skew_degrees=4, blur_radius=0.8, shadow=True, noise=0.05, jpeg_quality=70)
    )
    page = await aspose_pool.recognize(photo, "en")

    _assert_trial_page(page)
    read = [line for line in page.lines if line.text]
    assert read
    assert _similar(read[0].text, NOTE_LINES[0]) > 0.8
    assert all(_best_match(line.text) > 0.7 for line in read)
    # The page was straightened for reading; the second reading must still crop the right
    # place (a crop off the line would give a correct line no confidence at all).
    assert read[0].source is ConfidenceSource.VERIFIED
    assert read[0].confidence is not None and read[0].confidence > 0.1
    assert len(page.lines) >= len(NOTE_LINES) - 1


async def test_language_without_installed_model_names_the_model(
    aspose_pool: ProcessRunner,
) -> None:
    with pytest.raises(ModelMissing) as caught:
        await aspose_pool.recognize(note_png(), "zh")
    assert caught.value.model == "aspose-ocr-chinese-v2.ocr"
    told = load_catalogs(["en"]).get("en").error(caught.value)
    assert "aspose-ocr-chinese-v2.ocr" in told and "Chinese" in told
    # Offered languages match: Chinese is not offered, bundled Latin ones are.
    languages = aspose_pool.available_languages()
    assert "zh" not in languages
    assert {"en", "vi", "de"} <= set(languages)
    # The worker is fine afterwards.
    page = await aspose_pool.recognize(note_png(), "en")
    assert page.lines


async def test_unreadable_license_tells_the_user_the_server_is_misconfigured(
    aspose_config: AsposeWorkerConfig, tmp_path: Path
) -> None:
    bad = tmp_path / "Aspose.OCR.lic"
    bad.write_text("not a license")
    pool = ProcessRunner(replace(aspose_config, license_path=str(bad)), workers=1)
    await pool.start()
    try:
        with pytest.raises(LicenseProblem) as caught:
            await pool.recognize(note_png(), "en")
    finally:
        await pool.close()
    assert caught.value.key == LicenseProblem.key
    told = load_catalogs(["en"]).get("en").error(caught.value)
    assert told == "The OCR engine is misconfigured on this server. The admin has been told."
    assert str(bad) in caught.value.detail


async def test_missing_license_file_is_logged_once_at_start_and_the_pool_still_starts(
    aspose_config: AsposeWorkerConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere" / "Aspose.OCR.lic"
    pool = ProcessRunner(replace(aspose_config, license_path=str(missing)), workers=1)
    with caplog.at_level(logging.ERROR, logger="bot.ocr.run.processes"):
        await pool.start()
    try:
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and str(missing) in errors[0].getMessage()
        with pytest.raises(LicenseProblem):
            await pool.recognize(note_png(), "en")
    finally:
        await pool.close()
