"""A user's rare words as hotwords of the beam search (issue 18 part 2), on made-up
probabilities: a reading the image leaves close to a user's word becomes it; the start of
one, or a clear image, changes nothing; no words, no change."""

from __future__ import annotations

from bot.ocr.decide.words import rare
from bot.ocr.decoding import ctc, hotwords
from bot.ocr.vocabulary import CONFIRMED, TYPED, Vocabulary
from tests.unit.test_decoding import CAT_OR_CET, LABELS, WORDS, matrix

WEIGHTS = ctc.Weights(alpha=1.0, beta=1.0, width=8, prune=0.01)


def read(probs: object, *words: str) -> str:
    return ctc.beam_search(probs, LABELS, WORDS, WEIGHTS, hotwords.of(words))  # type: ignore[arg-type]


def test_a_user_word_the_image_leaves_close_wins_over_the_language_model() -> None:
    assert read(CAT_OR_CET) == "cat"  # the LM's word
    assert read(CAT_OR_CET, "cet") == "cet"
    # matched without case or diacritics, as the recognizer may write it
    assert read(CAT_OR_CET, "Cét") == "cet"


def test_every_occurrence_in_a_line_is_helped() -> None:
    step = ({"c": 0.9}, {}, {"e": 0.5, "a": 0.45}, {}, {"t": 0.9})
    probs = matrix(*step, {" ": 0.9}, *step)
    assert read(probs) == "cat cat"
    assert read(probs, "cet") == "cet cet"


def test_only_a_whole_word_keeps_its_bonus() -> None:
    # "ce" starts the user's word, but the reading goes on otherwise: the bonus is paid back
    assert read(CAT_OR_CET, "cell") == "cat"
    assert read(CAT_OR_CET, "cete") == "cat"


def test_a_clear_image_outweighs_the_users_words() -> None:
    clear = matrix({"c": 0.95}, {}, {"a": 0.97, "e": 0.02}, {}, {"t": 0.95})
    assert read(clear, "cet") == "cat"


def test_no_words_no_hotwords() -> None:
    assert hotwords.of(()) is None
    assert ctc.beam_search(CAT_OR_CET, LABELS, WORDS, WEIGHTS, None) == "cat"


def test_only_rare_words_the_user_typed_are_hotwords() -> None:
    words = Vocabulary.of(
        [("Okonkwo", TYPED), ("garden", TYPED), ("Ferreira", CONFIRMED), ("Xu", TYPED)]
    )
    # a common word the LM knows already; a word only confirmed once; too short
    assert rare(words, "en") == ("Okonkwo",)
    assert rare(words, "zh") == ()
