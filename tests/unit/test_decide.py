"""Deciding: which reading is shown and how sure the bot is, per script."""

from __future__ import annotations

from dataclasses import replace

from bot.ocr import wordcase
from bot.ocr.decide.combined import CombinedModel, Models, decide, shipped_models
from bot.ocr.decide.evidence import (
    LineEvidence,
    Reading,
    Script,
    agreement,
    base_letters,
    rapid_contradicts,
    script_of,
    vietnamese_agreement,
)
from bot.ocr.decide.lexicon import capitals_inside
from bot.ocr.languages import resolve
from bot.ocr.model import ConfidenceSource

MODELS: Models = shipped_models()


def test_scripts() -> None:
    assert script_of(resolve("zh")) is Script.CHINESE
    assert script_of(resolve("vi")) is Script.VIETNAMESE
    assert script_of(resolve("de")) is Script.LATIN
    assert script_of(resolve("ru")) is Script.OTHER


def test_vietnamese_is_compared_on_base_letters_only() -> None:
    assert base_letters("Tiếng Việt đẹp") == "tieng viet dep"
    assert agreement("Tiếng Việt", "Ting Vit", Script.VIETNAMESE) < 1
    assert agreement("Tiếng Việt", "Tieng Viet", Script.VIETNAMESE) == 1


def test_rapid_leaving_out_letters_it_cannot_write_is_no_disagreement() -> None:
    # RapidOCR has no label for ờ, ẹ, ề, ệ, ớ, ả: it drops them, and narrow spaces.
    assert vietnamese_agreement("Hôm nay trời đẹp quá", "Hôm naytri đp quá") == 1
    assert vietnamese_agreement("Trả tiền điện trước", "Tr tin đin trưc") == 1
    # It can write ê: leaving it out says Tesseract's ê is not what the page shows (tiền).
    assert vietnamese_agreement("Trả tiên điện trước", "Tr tin đin trưc") < 1
    # Another base letter is a disagreement as before.
    assert vietnamese_agreement("Mua sữa và trứng ngày mơi", "Mua sa và trng ngày mai") < 1
    tesseract = Reading("Hôm nay trời đẹp quá", 0.9)
    dropped = decide(Reading("Hôm nay tri đp quá", 0.98), tesseract, resolve("vi"), MODELS)
    whole = decide(Reading("Hom nay troi dep qua", 0.98), tesseract, resolve("vi"), MODELS)
    assert dropped.confidence == whole.confidence


def test_a_vowel_both_readers_can_write_read_two_ways_keeps_the_line_unsure() -> None:
    # RapidOCR writes a and ê: where it read "mai" and "tin", Tesseract's "mũi" and "tiên"
    # are in doubt (the page shows mai and tiền); a letter it cannot write is no doubt.
    assert rapid_contradicts("Mua rau ngày mũi", "Mua rau ngày mai")
    assert rapid_contradicts("Trả tiên điện", "Tr tin đin")
    assert not rapid_contradicts("Trả tiền điện", "Tr tin đin")
    assert not rapid_contradicts("Mua sữa và trứng", "Mua sa và trúmg")  # m for n: not a vowel
    # The same vowel under another mark both can write, another digit: "bé", "ô", "19h" on
    # the page.
    assert rapid_contradicts("Cắt tóc cho bê Minh", "Ct tóc cho bé Minh")
    assert rapid_contradicts("Mang ồ vì", "Mang ô vì")
    assert rapid_contradicts("Họp lớp lúc 13h", "Hp lp lúc 19h")
    # A mark it dropped, or one it has no label for, is no doubt: it often writes "nuc" for
    # "nước", and "chì" for "chỉ" it cannot write.
    assert not rapid_contradicts("Thay nước bể cá", "Thay nuc b cá")
    assert not rapid_contradicts("Mượn bút chỉ", "Mưn bút chì")
    vi = resolve("vi")
    doubted = decide(
        Reading("Mua rau ngày mai", 0.99), Reading("Mua rau ngày mũi", 0.97), vi, MODELS
    )
    agreed = decide(
        Reading("Mua rau ngày mai", 0.99), Reading("Mua rau ngày mai", 0.97), vi, MODELS
    )
    assert doubted.confidence is not None and doubted.confidence < 0.75
    assert agreed.confidence is not None and agreed.confidence >= 0.75


def test_vietnamese_shows_tesseract_and_rapid_alone_is_never_sure() -> None:
    both = decide(
        Reading("Tieng Viet", 0.99, 1.0), Reading("Tiếng Việt", 0.95), resolve("vi"), MODELS
    )
    assert both.text == "Tiếng Việt" and both.reader == "tesseract"
    alone = decide(Reading("Tieng Viet", 0.999, 1.0), None, resolve("vi"), MODELS)
    assert alone.confidence is not None and alone.confidence < 0.75


def test_vietnamese_handwriting_tesseract_cannot_read_shows_rapids_letters_unsure() -> None:
    # Tesseract reads handwriting as noise or not at all: the user gets RapidOCR's letters to
    # fix in place (it cannot write the marks), never "could not read", never sure.
    vi = resolve("vi")
    rapid = Reading("Hom nay troi dep qua", 0.95, 1.0)
    for tesseract in (Reading("", 0.0), Reading("Hư 2772 _MBn", 0.12)):
        verdict = decide(rapid, tesseract, vi, MODELS)
        assert verdict.reader == "rapid"  # its letters, the marks put back as a guess
        assert base_letters(verdict.text) == base_letters("Hom nay troi dep qua")
        assert verdict.confidence is not None and verdict.confidence < 0.75
    # RapidOCR read a piece of a line Tesseract read whole: Tesseract's reading, unsure.
    whole = decide(
        Reading("Mua", 0.95, 1.0), Reading("Mua sữa và trứng ngày mai", 0.9), vi, MODELS
    )
    assert whole.text == "Mua sữa và trứng ngày mai" and whole.reader == "tesseract"
    assert whole.confidence is not None and whole.confidence < 0.75
    # Tesseract read nothing and neither did RapidOCR: a could-not-read line as before.
    assert decide(Reading("", 0.0), Reading("", 0.0), vi, MODELS).confidence is None


def test_vietnamese_tesseract_cannot_read_gets_its_tone_marks_back_unsure() -> None:
    # RapidOCR has no label for ờ, ẹ: it drops them, and writes ô bare. Where Tesseract read
    # nothing, the user is shown the likeliest Vietnamese those letters allow, to check.
    vi = resolve("vi")
    rapid = Reading("Hom nay tri đp quá", 0.95, 1.0)
    evidence = LineEvidence(None, rapid, Reading("", 0.0))
    line = CombinedModel(MODELS).line(evidence, vi)
    assert line.text == "Hôm nay trời đẹp quá"
    assert line.confidence is not None and line.confidence < 0.75
    # what is no Vietnamese syllable is left as read: a time, a name with f, an address
    odd = Reading("Họp 15h30 với Fiona ở toa B2", 0.95, 1.0)
    assert decide(odd, Reading("", 0.0), vi, MODELS).text == "Họp 15h30 với Fiona ở toa B2"
    # English read as Vietnamese: "to", "be" are syllables too, but not in this line
    english = Reading("I am sorry to be late", 0.95, 1.0)
    assert decide(english, Reading("", 0.0), vi, MODELS).text == "I am sorry to be late"
    # a capital RapidOCR wrote is the word's first letter: "Nh" is no "Ảnh" (whose Ả it
    # would have dropped, writing its n small)
    capital = decide(Reading("Nh goi đin cho bà ngoi", 0.95, 1.0), Reading("", 0.0), vi, MODELS)
    assert capital.text.startswith("Nh") and capital.text.endswith("gọi điện cho bà ngoại")


def test_a_latin_line_both_readers_read_alike_is_sure_at_every_preset() -> None:
    # Tesseract unsure of a handwritten line, RapidOCR fairly sure, both writing it letter
    # for letter alike: two readers this unlike are not wrong alike.
    en = resolve("en")
    rapid = Reading("Water the plants on Friday", 0.97, 1.0)
    alike = decide(rapid, Reading("Water the plants on Friday", 0.55), en, MODELS)
    assert alike.confidence is not None and alike.confidence >= 0.9
    # a capital inside a sentence is the one error both make alike: still a doubt
    five = decide(
        replace(rapid, text="Read chapter Five again"),
        Reading("Read chapter Five again", 0.55),
        en,
        MODELS,
    )
    assert five.confidence is not None and five.confidence < 0.75
    # too short for agreement to be more than chance
    short = decide(Reading("C C", 0.97, 1.0), Reading("C C", 0.55), en, MODELS)
    assert short.confidence is not None and short.confidence < 0.75
    # Chinese: character for character, Tesseract's spaces between words aside
    zh = decide(
        Reading("记得交水电费和物业费", 0.97, 1.0),
        Reading("记得 交 水 电费 和 物业 费", 0.55),
        resolve("zh"),
        MODELS,
    )
    assert zh.text == "记得交水电费和物业费"
    assert zh.confidence is not None and zh.confidence >= 0.9
    # RapidOCR's own deep doubt (its LM rewrote the line, its re-reads differ) stands
    doubtful = replace(rapid, score=0.9, steady=0.5, lm_changed=True)
    unsure = decide(doubtful, Reading("Water the plants on Friday", 0.55), en, MODELS)
    assert unsure.confidence is not None and unsure.confidence < 0.75


def test_a_latin_line_tesseract_only_misread_is_no_doubt_on_rapids() -> None:
    # Tesseract wrote no word where RapidOCR read an ordinary one, and agrees on the rest:
    # its misread of handwriting says nothing against RapidOCR's reading.
    en = resolve("en")
    rapid = Reading("Pay rent before the first", 0.95, 1.0, lm_changed=True)
    # (a capital inside the sentence is its misread too)
    for misread in ("Pay rent vopore the first", "Pay Rent before the first"):
        garbled = decide(rapid, Reading(misread, 0.5), en, MODELS)
        assert garbled.text == "Pay rent before the first"
        assert garbled.confidence is not None and garbled.confidence >= 0.75, misread
    # another real word there is a real disagreement
    doubted = decide(rapid, Reading("Pay rent before the fast", 0.5), en, MODELS)
    assert doubted.confidence is not None and doubted.confidence < 0.75
    # a name RapidOCR wrote small, a letter glued on, another digit: no
    for ours, theirs in (
        ("Send the invoice to anna", "Send the invoice to fiana"),
        ("Meeting notes:s budget review", "Meeting notes: budget review"),
        ("Send invoice 2041 to Anna", "Send invoice 2044 to Anna"),
    ):
        verdict = decide(Reading(ours, 0.95, 1.0), Reading(theirs, 0.5), en, MODELS)
        assert verdict.confidence is not None and verdict.confidence < 0.75, ours


def test_chinese_shows_rapid() -> None:
    verdict = decide(
        Reading("下周五之前提交报告", 0.99, 1.0),
        Reading("前提交报告", 0.94),
        resolve("zh"),
        MODELS,
    )
    assert verdict.text == "下周五之前提交报告"


def test_chinese_read_otherwise_in_another_crop_with_a_doubted_character_is_not_sure() -> None:
    # A hand RapidOCR reads confidently wrong (zh hands cache, Zhi Mang Xing): 洗 for 浇, shown
    # SURE at 0.92; Tesseract reads such a hand as noise.
    wrong = Reading("星期五给花洗水", 0.98, steady=0.5, least=0.945, margin=0.903)
    noise = Reading("星期 五 知 儿 将 沁", 0.15)
    zh = resolve("zh")
    assert decide(replace(wrong, steady=1.0), noise, zh, MODELS).confidence >= 0.9
    verdict = decide(wrong, noise, zh, MODELS)
    assert verdict.text == "星期五给花洗水"
    assert verdict.confidence is not None and verdict.confidence < 0.6  # flagged at every preset
    # Every character read surely, or not known (read greedily): the re-read alone decides
    # nothing more than the model weighs.
    for steady_enough in (replace(wrong, least=0.99, margin=0.98), replace(wrong, least=None)):
        confidence = decide(steady_enough, noise, zh, MODELS).confidence
        assert confidence is not None and confidence >= 0.75


def test_a_word_nothing_vouches_for_keeps_its_line_unsure_however_sure_the_reader() -> None:
    # RapidOCR has no ễ: "Nguyn" with no rival in its beam (share 1.0, lead 30), Tesseract
    # reading the word otherwise; no word list knows "nguyn"
    rapid = Reading(
        "Priyanka Nguyn, 3 pm",
        0.99,
        1.0,
        least=0.99,
        posterior=1.0,
        image_posterior=1.0,
        lead=30.0,
    )
    tesseract = Reading("Priyanka Nguyén, 3 pm", 0.95)
    misread = decide(rapid, tesseract, resolve("en"), MODELS)
    assert misread.confidence is not None and misread.confidence < 0.75
    # a word the user is known to write vouches for itself
    taught = decide(replace(rapid, known=frozenset({"nguyn"})), tesseract, resolve("en"), MODELS)
    assert taught.confidence is not None and taught.confidence >= 0.75
    # a common word the other reader misread is no doubt of this kind
    read = Reading("Pick up the dry cleaning", 0.99, 1.0, least=0.99, posterior=1.0, lead=30.0)
    sure = decide(read, Reading("Pick up the dny cleaning", 0.9), resolve("en"), MODELS)
    assert sure.confidence is not None and sure.confidence >= 0.75


def test_readers_that_agree_are_surer_than_readers_that_differ() -> None:
    rapid = Reading("Buy milk and eggs", 0.97, 1.0)
    same = decide(rapid, Reading("Buy milk and eggs", 0.8), resolve("en"), MODELS)
    differ = decide(rapid, Reading("Bvy mlk end eggs", 0.8), resolve("en"), MODELS)
    assert same.confidence is not None and differ.confidence is not None
    assert same.confidence > differ.confidence
    assert same.source is ConfidenceSource.VERIFIED


def test_nothing_read_is_a_could_not_read_line() -> None:
    verdict = decide(Reading("", 0.0), Reading("", 0.0), resolve("en"), MODELS)
    assert verdict.text == "" and verdict.confidence is None


def test_a_word_capitalised_inside_a_sentence_is_a_doubt() -> None:
    # the readers confuse a handwritten "f" with "F"; both read "Five", both sure
    en = resolve("en")
    plain = decide(
        Reading("Read chapter five again", 0.99, 1.0),
        Reading("Read chapter five again", 0.9),
        en,
        MODELS,
    )
    capital = decide(
        Reading("Read chapter Five again", 0.99, 1.0),
        Reading("Read chapter Five again", 0.9),
        en,
        MODELS,
    )
    assert plain.confidence is not None and capital.confidence is not None
    assert capital.confidence < plain.confidence
    assert capitals_inside("Read chapter Five again") == 1.0
    # a new sentence, a heading's colon, a word all in capitals: no doubt
    for text in ("Done. Next week", "Notes: Budget", "Call NASA today"):
        assert capitals_inside(text) == 0.0, text
    # where both readers read the line alike, a name or a title is written so; a common
    # word capitalised is still a doubt, and with the readers apart a name is too
    assert capitals_inside("Read chapter Five again", names="en") == 1.0
    for text in ("Your letter to Mr. Lathrop", "Email Dr. Okonkwo", "ask Mrs. Branner"):
        assert capitals_inside(text, names="en") == 0.0, text
        assert capitals_inside(text) == 1.0, text


def test_a_day_a_month_or_a_name_written_capitalised_is_no_doubt() -> None:
    # The language's word list keeps letter case (Debian's wamerican): "Friday", "May" and
    # "Anna" are written so; "Fence" never is, whether or not the readers agree. The
    # project's setup installs every list deciding reads (scripts/install-system-deps.sh).
    assert wordcase.installed()[1] == []
    en = resolve("en")
    for text in ("Water the plants on Friday", "Book train tickets for May 14", "Send it to Anna"):
        assert capitals_inside(text, "en") == 0.0, text
    for text in ("Ask Tom about the garden Fence", "Book train tickets For May 14"):
        assert capitals_inside(text, "en", names="en") == 1.0, text
    # German writes its nouns capitalised
    assert capitals_inside("Morgen Milch kaufen", "de") == 0.0

    def sure(text: str) -> bool:
        verdict = decide(Reading(text, 0.99, 1.0), Reading(text, 0.9), en, MODELS)
        return verdict.confidence is not None and verdict.confidence >= 0.75

    assert sure("Water the plants on Friday") and sure("Send invoice 2041 to Anna")
    assert not sure("Ask Tom about the garden Fence")


def test_vietnamese_marks_tesseract_reads_otherwise_when_enlarged_are_a_guess() -> None:
    # Written "Lau cửa sổ": Tesseract read "của", a word too, and RapidOCR, which has no ử,
    # dropped the vowel: nothing contradicted it, and the line was shown sure. Read again
    # enlarged, Tesseract wrote "cửa": its marks there are a guess.
    vi = resolve("vi")
    rapid = Reading("Lau ca s và quét sân", 0.97, 1.0)
    words = (0.93, 0.96, 0.97, 0.97, 0.9, 0.97)
    first = Reading("Lau của sổ và quét sân", 0.95, words=words)
    alike = decide(rapid, replace(first, again="Lau của sổ và quét sân"), vi, MODELS)
    assert alike.confidence is not None and alike.confidence >= 0.75
    otherwise = decide(rapid, replace(first, again="Lau cửa sổ và quét sân"), vi, MODELS)
    assert otherwise.text == "Lau của sổ và quét sân"
    assert otherwise.confidence is not None and otherwise.confidence < 0.75
    # not read again (another engine, an older cache): as before
    assert decide(rapid, first, vi, MODELS).confidence == alike.confidence
