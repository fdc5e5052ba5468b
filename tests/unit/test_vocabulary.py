"""The rules by which a user's words rewrite a reading (issue 18 part 2), and what a review
teaches: a misread user word is written as they wrote it; a right word is never turned into
a user word; an empty vocabulary changes nothing."""

from __future__ import annotations

import pytest

from bot.ocr.decide.combined import CombinedModel, shipped_models
from bot.ocr.decide.evidence import LineEvidence, Reading
from bot.ocr.decide.lexicon import plausibility
from bot.ocr.decide.words import applied, rewrite
from bot.ocr.languages import resolve
from bot.ocr.model import Line, Page
from bot.ocr.vocabulary import CONFIRMED, NO_WORDS, TYPED, Vocabulary
from bot.review.session import ReviewSession
from bot.review.taught import taught

NAMES = Vocabulary.of([("Priyanka", TYPED), ("Nguyễn", TYPED), ("Okonkwo", TYPED)])


@pytest.mark.parametrize(
    ("read", "written"),
    [
        ("Priyanka Nguyen", "Priyanka Nguyễn"),  # diacritics aside
        ("Priyanka Nguyn", "Priyanka Nguyễn"),  # a letter missed
        ("PRiyanka Nguyin", "Priyanka Nguyễn"),  # a capital inside, a letter wrong
        ("Call Priyanka Nguy n at 3 pm", "Call Priyanka Nguyễn at 3 pm"),  # split at a letter
        ("NGUYEN", "NGUYỄN"),  # in capitals where the line is
        ("Okonkwa, Priyank.", "Okonkwo, Priyanka."),  # punctuation kept
    ],
)
def test_a_misread_user_word_is_written_as_the_user_wrote_it(read: str, written: str) -> None:
    assert rewrite(read, NAMES, "en") == written


@pytest.mark.parametrize(
    "line",
    [
        "Buy milk and eggs tomorrow",
        "Call the dentist at 3 pm",
        "Pick up the dry cleaning",
        "Nguy is not a word",  # a near match that is not one word's misreading
        "Tran and Trang",  # real words near no user word
    ],
)
def test_right_words_stay_as_read(line: str) -> None:
    assert rewrite(line, NAMES, "en") == line


def test_a_common_word_is_never_written_over() -> None:
    words = Vocabulary.of([("résumé", TYPED), ("Treat", TYPED), ("cafés", TYPED)])
    # "resume" is itself a common English word: the user's accented form does not replace it.
    assert rewrite("resume the meeting", words, "en") == "resume the meeting"
    # A user word that is common in the language is not written in: the readers know it.
    assert rewrite("Trcat the team", words, "en") == "Trcat the team"


def test_a_near_match_keeps_apostrophes_and_hyphens_as_read() -> None:
    words = Vocabulary.of([("Stanford's", TYPED), ("pallbearers", TYPED)])
    assert rewrite("Irs. Stanfors so well", words, "en") == "Irs. Stanfors so well"
    assert rewrite("the pall-hearers", words, "en") == "the pall-hearers"
    assert rewrite("Mrs. Slanfod's funeral", words, "en") == "Mrs. Stanford's funeral"


def test_two_user_words_a_reading_is_equally_near_leave_it_as_read() -> None:
    words = Vocabulary.of([("Marisol", TYPED), ("Marisel", TYPED)])
    assert rewrite("Marisal", words, "en") == "Marisal"


def test_words_only_confirmed_neither_rewrite_nor_count_until_confirmed_twice() -> None:
    once = Vocabulary.of([("Okonkwo", CONFIRMED)])
    assert rewrite("Okonkwa", once, "en") == "Okonkwa"
    assert once.known == frozenset()
    twice = Vocabulary.of([("Okonkwo", 2 * CONFIRMED)])
    assert twice.known == frozenset({"okonkwo"})
    assert rewrite("Okonkwa", twice, "en") == "Okonkwa"


def test_vietnamese_lines_and_unlisted_scripts() -> None:
    # In Vietnamese "Nguyễn" is a common word: Tesseract's reading of it stands as read,
    # while a foreign name in the line is written in.
    assert rewrite("Gặp Priyank Nguyên", NAMES, "vi") == "Gặp Priyanka Nguyên"
    assert rewrite("和 Priyank 开会", NAMES, "zh") == "和 Priyank 开会"


def test_an_empty_vocabulary_changes_nothing() -> None:
    evidence = LineEvidence(None, rapid=Reading("Priyanka Nguyn", 0.9), tesseract=None)
    assert applied(evidence, NO_WORDS, resolve("en")) is evidence
    assert not NO_WORDS and rewrite("Priyanka Nguyn", NO_WORDS, "en") == "Priyanka Nguyn"


def test_the_users_words_are_ordinary_words_for_deciding() -> None:
    assert plausibility("Priyanka Okonkwo", "en") < 0.5
    # As ordinary as an everyday word; the user's common words count as they always did.
    assert plausibility("Priyanka Okonkwo", "en", frozenset({"priyanka", "okonkwo"})) == 0.75
    line = "Read chapter five again"
    assert plausibility(line, "en", frozenset({"read", "chapter", "five"})) == plausibility(
        line, "en"
    )
    # A capital inside a word is a misread, the user's words too.
    assert plausibility("PRiyanka", "en", frozenset({"priyanka"})) == 0.0
    # A line two readers read alike as the user's words is far surer than the misread line.
    model = CombinedModel(shipped_models())
    evidence = LineEvidence(
        None, rapid=Reading("Call Priyanka Nguyn", 0.95, steady=1.0),
        tesseract=Reading("Call Priyanka Nguyen", 0.9),
    )  # fmt: skip
    english = resolve("en")
    before = model.line(evidence, english)
    after = model.line(applied(evidence, NAMES, english), english)
    assert before.text == "Call Priyanka Nguyn" and before.is_flagged(75)
    assert after.text == "Call Priyanka Nguyễn"
    assert after.confidence is not None and before.confidence is not None
    assert after.confidence > before.confidence + 0.2


def test_the_vocabulary_crosses_the_queue_whole() -> None:
    wire = NAMES.to_wire()
    assert Vocabulary.from_wire(wire) == NAMES
    assert Vocabulary.from_wire(None) == NO_WORDS
    assert Vocabulary.from_wire([["x", "not a weight"], "junk"]) == NO_WORDS


def test_a_review_teaches_typed_words_and_at_a_lower_weight_confirmed_ones() -> None:
    read = [("Priyanka Nguyn", 0.1), ("Buy milk and eggs", 0.2), ("Drop me", 0.2), ("Sure", 0.99)]
    page = Page("rapid+tesseract", "en", tuple(Line(t, c) for t, c in read))
    s = ReviewSession.from_pages([page], owner=1, chat_id=1, threshold=75, file_ids=["f"])
    s.replace(0, "Priyanka Nguyễn")
    s.confirm(1)
    s.drop(2)
    assert taught(s) == {"Priyanka": TYPED, "Nguyễn": TYPED, "Buy": 1, "milk": 1, "and": 1,
                         "eggs": 1}  # fmt: skip


def test_the_users_words_vouch_only_for_a_reading_the_readers_agree_on() -> None:
    english = resolve("en")
    agreeing = LineEvidence(
        None, rapid=Reading("Priyanka Nguyn", 0.9), tesseract=Reading("Priyanka Nguyen", 0.8)
    )
    both = applied(agreeing, NAMES, english)
    assert both.rapid is not None and both.tesseract is not None
    assert both.rapid.text == both.tesseract.text == "Priyanka Nguyễn"
    assert both.rapid.known == both.tesseract.known == frozenset({"priyanka", "nguyễn"})
    torn = LineEvidence(
        None, rapid=Reading("Priyank Okonkwa", 0.9), tesseract=Reading("Priya Oknoko", 0.8)
    )
    apart = applied(torn, NAMES, english)
    assert apart.rapid is not None and apart.rapid.text == "Priyanka Okonkwo"
    assert apart.rapid.known == frozenset()
