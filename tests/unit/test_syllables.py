"""Vietnamese words Tesseract could not read, rewritten from both readings (issue 18)."""

from __future__ import annotations

import pytest

from bot.ocr.decide.combined import decide, shipped_models
from bot.ocr.decide.evidence import Reading
from bot.ocr.decide.syllables import Repair, read_through, repair, syllables, toneless
from bot.ocr.languages import resolve


@pytest.mark.parametrize(
    ("tesseract", "rapid", "mended"),
    [
        # A digit for the vowel it could not read; RapidOCR dropped that vowel.
        ("Gặp ngư8i bạn cũ", "Gặp ngưi bạn cũ", "Gặp người bạn cũ"),
        # A capital inside the word; RapidOCR wrote an odd letter for the vowel, or none.
        ("Ngày mai đi hRc", "Ngày mai đi høc", "Ngày mai đi học"),
        ("Ngày mai đi hRc", "Ngày mai đi hc", "Ngày mai đi học"),
        # A word in capitals stays in capitals.
        ("HỌP LÚC 8 GIÑ", "HOP LUC 8 GIØ", "HỌP LÚC 8 GIỜ"),
        # No RapidOCR reading at all: the syllable list alone.
        ("Gặp ngư8i bạn cũ", "", "Gặp người bạn cũ"),
    ],
)
def test_a_word_no_vietnamese_writes_so_becomes_the_likeliest_syllable(
    tesseract: str, rapid: str, mended: str
) -> None:
    repaired = repair(tesseract, rapid)
    assert repaired.text == mended
    assert repaired.guessed


@pytest.mark.parametrize(
    ("tesseract", "rapid"),
    [
        ("Chị Priyanka gọi", "Chi Priyanka goi"),  # a name both readers read alike
        ("Họp lúc 15h30", "Hop lúc 15h30"),  # a time
        ("In giấy A4", "In giây A4"),  # a code
        ("Gửi email cho ATM", "Gui email cho ATM"),  # a loanword, an acronym
        ("Mua bánh mỳ", "Mua bánh my"),
        ("Nhà 50 m2 có Wi-Fi", "Nha 50 m2 co Wi-Fi"),  # a unit, a hyphenated loanword
        ("Nhà 50 m2", "Nha 50"),  # a digit RapidOCR missed, no letter after it
        ("Đi 60 km/h", "Đi 60 km/h"),
        ("Viết cho a@b.vn", "Viet cho a@b.vn"),
    ],
)
def test_words_that_are_not_broken_stay_as_read(tesseract: str, rapid: str) -> None:
    assert repair(tesseract, rapid).text == tesseract
    assert not repair(tesseract, rapid).guessed


def test_a_letter_tesseract_wrote_as_a_symbol_and_rapidocr_read_is_no_guess() -> None:
    # A handwritten t read as a dagger; RapidOCR read the t, Tesseract the ầ.
    repaired = repair("Nghỉ ngơi cuối †uần", "Nghi ngơi cuôi tuân")
    assert repaired == Repair("Nghỉ ngơi cuối tuần", guessed=False)
    # Where neither reader read the letter, the rewrite is a guess.
    assert repair("Nghỉ ngơi cuối †uần", "Nghi ngơi cuôi uân").guessed


def test_a_speck_rapid_did_not_see_goes_and_a_mark_it_saw_stays() -> None:
    assert repair("Mua rau.", "Mua rau").text == "Mua rau"
    assert repair("Mua :rau", "Mua rau").text == "Mua rau"
    assert repair("Nhớ mua rau-", "Nhø mua rau").text == "Nhớ mua rau"
    assert repair("Mua rau.", "Mua rau.").text == "Mua rau."
    assert repair("Mua rau.", "").text == "Mua rau."  # no one to say it is a speck
    # A speck standing alone, at either end of the line (a smudge read as "-" or "_").
    assert repair("_ Mua rau -", "Mua rau").text == "Mua rau"
    assert repair("Mua rau -", "Mua rau-").text == "Mua rau -"
    assert not repair("Mua rau.", "Mua rau").guessed
    # A speck between two letters where the space is, RapidOCR reading none in the line;
    # an abbreviation both readers read with its dot ("TP.HCM") keeps it.
    assert repair("Mua.rau muống", "Mua rau muong").text == "Mua rau muống"
    assert repair("Về TP.HCM", "Ve TP.HCM").text == "Về TP.HCM"


def test_a_syllable_read_with_an_odd_capital_inside_is_the_syllable() -> None:
    # a typewriter face's tall ử read as a capital: every letter and mark read, only the
    # case odd; not a letter Tesseract could not read (RapidOCR, without the ử, reads "sa"
    # and "Gi": "Gọi", another word, was chosen before)
    assert repair("SỬa máy giặt", "sa máy git").text == "Sửa máy giặt"
    assert repair("GỬi báo cáo", "Gi báo cáo").text == "Gửi báo cáo"
    # a capital inside that makes no syllable is still a letter Tesseract could not read
    assert repair("HRp nhóm", "Hp nhóm").guessed
    # every letter and mark was Tesseract's: only their case was mended, no letter guessed
    assert not repair("SỬa máy giặt", "sa máy git").guessed
    assert not repair("MƯợn sách", "Mưn sách").guessed
    # unless RapidOCR read a capital inside the word too (a word in capitals, "GỬI"?)
    assert repair("GỬi báo cáo", "GI báo cáo").guessed
    # RapidOCR read the word letter for letter, in lower case: its case
    assert repair("chị HƯơng", "ch Hương") == repair("chị Hương", "ch Hương")


def test_a_line_whose_only_mend_is_case_is_judged_as_read() -> None:
    models = shipped_models()
    vi = resolve("vi")
    recased = decide(
        Reading("Gi báo cáo cho ch Hương", 0.98, 1.0),
        Reading("GỬi báo cáo cho chị Hương", 0.96),
        vi,
        models,
    )
    read_right = decide(
        Reading("Gi báo cáo cho ch Hương", 0.98, 1.0),
        Reading("Gửi báo cáo cho chị Hương", 0.96),
        vi,
        models,
    )
    assert recased.text == read_right.text == "Gửi báo cáo cho chị Hương"
    assert recased.confidence == read_right.confidence
    assert recased.confidence is not None and recased.confidence >= 0.75


def test_a_quotation_mark_rapid_read_nowhere_in_the_line_is_a_speck() -> None:
    # RapidOCR writes quotation marks: none in its reading of the line, none on the page
    assert repair("“Gọi cho nha sĩ", "Gi cho nha sĩ") == repair("Gọi cho nha sĩ", "Gi cho nha sĩ")
    assert repair('"Trả tiền điện', "Tr tin đin").text == "Trả tiền điện"
    assert repair("Văn Bình”", "Văn Bình").text == "Văn Bình"
    # one RapidOCR read in the line stays, and so do those nobody can check
    assert repair("Anh nói “Chào”", "Anh nói “Chào”").text == "Anh nói “Chào”"
    assert repair("Anh nói “Chào”", "Anh nói Chào”").text == "Anh nói “Chào”"
    assert repair("“Chào”", "").text == "“Chào”"


def test_syllables_are_vietnamese_syllables_only() -> None:
    listed = syllables()
    assert {"người", "học", "tuần", "giờ"} <= listed.keys()
    # wordfreq's list holds names and loanwords; none is a syllable to rewrite a word as.
    assert "leila" not in listed and "email" not in listed


def test_a_line_with_a_rewritten_word_stays_unsure() -> None:
    models = shipped_models()
    vi = resolve("vi")
    verdict = decide(
        Reading("Gặp ngưi bạn cũ", 0.99, 1.0), Reading("Gặp ngư8i bạn cũ", 0.97), vi, models
    )
    assert verdict.text == "Gặp người bạn cũ"
    assert verdict.confidence is not None and verdict.confidence < 0.6
    alone = decide(None, Reading("Gặp ngư8i bạn cũ", 0.99), vi, models)
    assert alone.text == "Gặp người bạn cũ"
    assert alone.confidence is not None and alone.confidence < 0.6
    # A speck dropped is no guess: the line is as sure as the model says of it.
    speck = decide(
        Reading("Gặp người bạn cũ", 0.99, 1.0), Reading("Gặp người bạn cũ.", 0.97), vi, models
    )
    assert speck.text == "Gặp người bạn cũ"
    assert speck.confidence is not None and speck.confidence >= 0.75


@pytest.mark.parametrize(
    ("tesseract", "rapid", "word", "read"),
    [
        # RapidOCR read the base letters, Tesseract a letter with the same marks in each place.
        ("noy", "nay", "nay", True),
        ("vòo", "vào", "vào", True),
        ("Ngòy", "Ngay", "Ngày", True),
        # RapidOCR wrote the very letter where Tesseract could not read it.
        ("gi8", "giờ", "giờ", True),
        # An odd character or a capital inside: no reader read that vowel's marks.
        ("G8i", "Gøi", "Gọi", False),
        ("HRp", "Høp", "Hợp", False),
        ("gi8", "giø", "giờ", False),
        # RapidOCR drops the marks it cannot write: its plain a says nothing of them.
        ("gi8", "gia", "gia", False),
        # A vowel RapidOCR left out, a letter Tesseract left out, a mark neither wrote.
        ("ngư8i", "ngưi", "người", False),
        ("sa", "sa", "sữa", False),
        ("noy", "nay", "này", False),
        # A stroke neither reader wrote is guessed too.
        ("dep", "dep", "đẹp", False),
        # RapidOCR read the t Tesseract wrote as a dagger, and left out the ớ it has no
        # label for, which Tesseract read: every letter was read.
        ("†rước", "trưc", "trước", True),
        # ... but a letter it could have written and left out is not read.
        ("†rước", "trc", "trước", False),
    ],
)
def test_a_rewrite_is_read_through_only_where_a_reader_read_each_letter(
    tesseract: str, rapid: str, word: str, read: bool
) -> None:
    assert read_through(word, tesseract, rapid) is read


def test_a_word_the_readers_read_between_them_is_judged_as_read_and_a_guess_is_not() -> None:
    models = shipped_models()
    vi = resolve("vi")
    rapid = Reading("Hôm nay trời đẹp quá", 0.99, 1.0)
    read_right = decide(rapid, Reading("Hôm nay trời đẹp quá", 0.97), vi, models)
    # Tesseract read the a as an o: RapidOCR read the base letters, Tesseract the marks.
    pieced = decide(rapid, Reading("Hôm noy trời đẹp quá", 0.97), vi, models)
    assert pieced.text == read_right.text == "Hôm nay trời đẹp quá"
    assert pieced.confidence == read_right.confidence
    assert pieced.confidence is not None and pieced.confidence >= 0.75
    # A digit for the vowel: "Gọi" is the likeliest syllable, and right here, but gái and
    # gửi fit both readings almost as well. However sure the readers, the user checks it.
    guessed = decide(
        Reading("Gøi cho nha sĩ lúc ba giờ", 0.99, 1.0),
        Reading("G8i cho nha sĩ lúc ba giờ", 0.97),
        vi,
        models,
    )
    assert guessed.text == "Gọi cho nha sĩ lúc ba giờ"
    assert guessed.confidence is not None and guessed.confidence < 0.6


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # A dot below neither reader read: "hoc" is typed-without-marks text, "học" the word.
        ("Ôn tập chương ba môn hóa hoc", "hoc"),
        ("Goi cho nha sĩ lúc ba giờ", "Goi"),
        # A syllable ending in p, t, c or ch takes an acute or a dot below.
        ("Hop nhóm vào thứ Năm", "Hop"),
        # Words Vietnamese writes without a mark, and loanwords common as they are.
        ("Mua ba quả cam cho con", ""),
        ("Đăng lên web, lên top", ""),
        ("Hôm nay trời đẹp quá", ""),
    ],
)
def test_a_word_whose_tone_mark_was_missed_is_found(text: str, word: str) -> None:
    assert toneless(text) == word


@pytest.mark.parametrize(
    ("tesseract", "rapid", "shown"),
    [
        # Tesseract missed the dot below a handwritten ọ; RapidOCR has no ọ to write ("hóa
        # học" is a word, "hóa hoc" none: the word is shown, bot/ocr/decide/compounds.py).
        (
            "Ôn tập chương ba môn hóa hoc",
            "Ôn tp chưong ba môn hóa hoc",
            "Ôn tập chương ba môn hóa học",
        ),
        # Tesseract capitalised a word RapidOCR read in small letters: RapidOCR's case.
        ("Đọc Lại chương năm", "Đc li chuong năm", "Đọc lại chương năm"),
        # RapidOCR saw the crossbar of Đ where Tesseract read a b ("bà" is the commoner word).
        ("Đặt vé xe khách đi bà Lạt", "Đt vé xe khách đi Đà Lt", None),
    ],
)
def test_a_vietnamese_line_the_readers_contradict_on_stays_unsure(
    tesseract: str, rapid: str, shown: str | None
) -> None:
    verdict = decide(
        Reading(rapid, 0.99, 1.0), Reading(tesseract, 0.99, 1.0), resolve("vi"), shipped_models()
    )
    assert verdict.text == (shown or tesseract)
    assert verdict.confidence is not None and verdict.confidence < 0.75


@pytest.mark.parametrize(
    ("tesseract", "rapid", "shown"),
    [
        # A handwritten M Tesseract read as H: RapidOCR's consonant makes the commoner word.
        ("Hua sữa và trứng ngày mai", "Mua sa và trng ngày mai", "Mua sữa và trứng ngày mai"),
        # ... and not the other way round.
        ("Mua sữa và trứng ngày mai", "Hua sa và trng ngày mai", "Mua sữa và trứng ngày mai"),
        # A mark RapidOCR can write either way and wrote otherwise: its own.
        ("Ồn tập chương ba", "Ôn tp chương ba", "Ôn tập chương ba"),
        # Its bare vowel says nothing: it drops marks it could write.
        ("Mua trứng gà mái", "Mua trng ga mai", "Mua trứng gà mái"),
    ],
)
def test_rapidocrs_letters_are_shown_where_they_make_the_commoner_word(
    tesseract: str, rapid: str, shown: str
) -> None:
    verdict = decide(
        Reading(rapid, 0.99, 1.0), Reading(tesseract, 0.99, 1.0), resolve("vi"), shipped_models()
    )
    assert verdict.text == shown


def test_a_capital_both_readers_read_is_no_doubt() -> None:
    # Vietnamese capitalises names inside a sentence.
    verdict = decide(
        Reading("Đóng tiền học cho con trước thứ Sáu", 0.99, 1.0),
        Reading("Đóng tiền học cho con trước thứ Sáu", 0.99, 1.0),
        resolve("vi"),
        shipped_models(),
    )
    assert verdict.confidence is not None and verdict.confidence >= 0.75
