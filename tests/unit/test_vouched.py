"""Tesseract's doubt on a Vietnamese word RapidOCR read alike is answered; on a word only
Tesseract could judge it is not (issue 18)."""

from __future__ import annotations

import pytest

from bot.ocr.decide.combined import decide, shipped_models
from bot.ocr.decide.evidence import Reading
from bot.ocr.decide.vouched import vouched
from bot.ocr.languages import resolve

# Tesseract's readings of drawn lines (bench.flag_quality's pages), its confidence in each
# word, and RapidOCR's reading of the same line.
MAI = Reading("Mua sữa và trứng ngày mai", 0.848, words=(0.96, 0.96, 0.96, 0.97, 0.97, 0.27))
MUONG = Reading("Mua rau muỗng và cá thu", 0.913, words=(0.96, 0.97, 0.68, 0.95, 0.96, 0.96))


def test_a_line_read_right_whose_doubtful_word_rapid_read_alike_is_sure() -> None:
    # Tesseract doubted "mai"; RapidOCR read it letter for letter (it cannot write ữ or ứ,
    # so those two words are Tesseract's alone, and it was sure of them).
    rapid = Reading("Mua sa và trng ngày mai", 0.98, 1.0)
    assert vouched(MAI, rapid.text).score > MAI.score
    verdict = decide(rapid, MAI, resolve("vi"), shipped_models())
    assert verdict.text == "Mua sữa và trứng ngày mai"
    assert verdict.confidence is not None and verdict.confidence >= 0.75
    # Without the words' confidences (an older reading), judged on the line's score.
    plain = decide(rapid, Reading(MAI.text, MAI.score), resolve("vi"), shipped_models())
    assert plain.confidence is not None and plain.confidence < 0.75


def test_a_tone_only_tesseract_could_judge_and_doubted_keeps_the_line_unsure() -> None:
    # "muỗng" for "muống": RapidOCR writes "muông" for both, and is sure of the rest.
    # Tesseract doubted the word at 0.68: since the words a wrong tone fails to make catch
    # this one (rau muống), only a deeper doubt (under 0.5) holds a line by itself.
    rapid = Reading("Mua rau muông và cá thu", 0.999, 1.0)
    assert not vouched(MUONG, rapid.text).doubted
    verdict = decide(rapid, MUONG, resolve("vi"), shipped_models())
    assert verdict.confidence is not None and verdict.confidence < 0.75
    deep = Reading(MUONG.text, 0.85, words=(0.96, 0.97, 0.45, 0.95, 0.96, 0.96))
    assert vouched(deep, rapid.text).doubted


def test_a_consonant_rapid_read_otherwise_keeps_the_line_unsure() -> None:
    # "Gắt" for "Cắt": RapidOCR writes every consonant, and read C.
    rapid = Reading("Ct tóc cho bé Minh", 0.99, 1.0)
    tesseract = Reading("Gắt tóc cho bé Minh", 0.95, words=(0.9, 0.96, 0.96, 0.96, 0.96))
    verdict = decide(rapid, tesseract, resolve("vi"), shipped_models())
    assert verdict.confidence is not None and verdict.confidence < 0.75
    # d for đ is no disagreement: RapidOCR misses the crossbar
    agreed = Reading("Đi chợ", 0.97, words=(0.97, 0.97))
    sure = decide(Reading("Di chợ", 0.99, 1.0), agreed, resolve("vi"), shipped_models())
    assert sure.confidence is not None and sure.confidence >= 0.75


def test_words_rapid_read_otherwise_or_not_at_all_are_tesseracts_alone() -> None:
    reading = Reading("Hôm nay trời", 0.9, words=(0.97, 0.46, 0.97))
    assert vouched(reading, "Hôm nay tri") == (pytest.approx(0.97), False)
    assert vouched(reading, "Hôm nav tri").doubted  # "nay" not read alike: doubted
    assert vouched(reading, "") == (0.9, False)  # no RapidOCR: as read
    assert vouched(Reading("Hôm nay trời", 0.9), "Hôm nay tri") == (0.9, False)  # not known
