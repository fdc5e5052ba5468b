"""A user's rare words as hotwords of the beam search (issue 18 part 2), on made-up
probabilities: a reading the image leaves close to a user's word becomes it; the start of
one, a user's word that starts or ends the word written or skips a letter of it, or a clear
image, changes nothing; no words, no change."""

from __future__ import annotations

from bot.ocr.decide.words import rare
from bot.ocr.decoding import ctc, hotwords
from bot.ocr.vocabulary import CONFIRMED, TYPED, Vocabulary
from tests.unit.test_decoding import LABELS, WORDS, matrix

WEIGHTS = ctc.Weights(alpha=1.0, beta=1.0, width=8, prune=0.01)
# "tell", then "a" or "e" nearly even: "tella" by the image and by the LM alike
TELL = ({"t": 0.9}, {"e": 0.9}, {"l": 0.9}, {}, {"l": 0.9})
TELLA_OR_TELLE = matrix(*TELL, {"a": 0.5, "e": 0.45})


def read(probs: object, *words: str) -> str:
    return ctc.search(probs, LABELS, WORDS, WEIGHTS, hotwords.of(words))[0]  # type: ignore[arg-type]


def test_a_user_word_the_image_leaves_close_wins() -> None:
    assert read(TELLA_OR_TELLE) == "tella"
    assert read(TELLA_OR_TELLE, "telle") == "telle"
    # matched without case or diacritics, as the recognizer may write it
    assert read(TELLA_OR_TELLE, "Tellé") == "telle"


def test_every_occurrence_in_a_line_is_helped() -> None:
    probs = matrix(*TELL, {"a": 0.5, "e": 0.45}, {" ": 0.9}, *TELL, {"a": 0.5, "e": 0.45})
    assert read(probs) == "tella tella"
    assert read(probs, "telle") == "telle telle"


def test_only_a_whole_word_counts() -> None:
    # "telle" starts the user's word, but the image has no more letters
    assert read(TELLA_OR_TELLE, "tellex") == "tella"
    # and short words are no hotwords (too many near neighbours)
    assert read(matrix(*TELL), "tel") == read(matrix(*TELL)) == "tell"
    assert hotwords.of(("tele",)) is None


def test_a_user_word_that_starts_the_written_word_leaves_it_whole() -> None:
    # "tellat" written (as "bearers" with the user's "bearer"): the word goes on after "tella"
    tellat = (*TELL, {"a": 0.9}, {}, {"t": 0.8}, {"t": 0.8})
    assert read(matrix(*tellat)) == read(matrix(*tellat), "tella") == "tellat"
    # the same inside a line: no bonus for ending the word where the image shows a letter
    line = matrix(*tellat, {" ": 0.9}, {"c": 0.9}, {"a": 0.9}, {"t": 0.9})
    assert read(line) == read(line, "tella") == "tellat cat"
    # where the LM would end the word sooner, the user's word does not make it so: "tellae"
    # is read "tell" (the LM knows "tell"), never "tella"
    tellae = matrix(*TELL, {"a": 0.9}, {"e": 0.8}, {"e": 0.5})
    assert read(tellae) == read(tellae, "tella") == "tell"


def test_a_letter_the_image_shows_is_never_skipped_for_a_users_word() -> None:
    # "tellca" written (as "Johnson" with the user's "Jonson"): "tella" would drop the "c"
    tellca = matrix(*TELL, {"c": 0.8}, {"a": 0.9}, {" ": 0.9}, {"c": 0.9}, {"a": 0.9},
                    {"t": 0.9})  # fmt: skip
    assert read(tellca) == read(tellca, "tella") == "tellca cat"


def test_a_user_word_is_no_word_the_image_does_not_delimit() -> None:
    # "catella" written, a space hardly likelier than a slip between "ca" and "tella": the
    # user's "tella" is not split off the end of it
    catella = matrix({"c": 0.9}, {"a": 0.9}, {" ": 0.05}, *TELL, {"a": 0.9})
    assert read(catella, "tella") == read(catella)
    # "tella" and a speck (5% a "t"): the user's "tellat" does not lengthen it
    speck = matrix(*TELL, {"a": 0.9}, {"t": 0.05}, {})
    assert read(speck, "tellat") == read(speck)


def test_a_user_word_ended_by_the_image_still_wins() -> None:
    # the user's word, then blanks (its letter's run going on) and a space, then a word
    probs = matrix(*TELL, {"a": 0.5, "e": 0.45}, {"e": 0.5}, {}, {" ": 0.9}, {"c": 0.9},
                   {"a": 0.9}, {"t": 0.9})  # fmt: skip
    assert read(probs) == "tella cat"
    assert read(probs, "telle") == "telle cat"


def test_a_clear_image_outweighs_the_users_words() -> None:
    # "tella" with two letters the image is sure of (98%): the user's "talle" is not read
    clear = matrix({"t": 0.9}, {"e": 0.98, "a": 0.015}, {"l": 0.9}, {}, {"l": 0.9},
                   {"a": 0.98, "e": 0.015})  # fmt: skip
    assert read(clear) == read(clear, "talle") == "tella"


def test_no_words_no_hotwords() -> None:
    assert hotwords.of(()) is None
    assert ctc.search(TELLA_OR_TELLE, LABELS, WORDS, WEIGHTS, None)[0] == "tella"


def test_only_rare_words_the_user_typed_are_hotwords() -> None:
    words = Vocabulary.of(
        [("Okonkwo", TYPED), ("garden", TYPED), ("Ferreira", CONFIRMED), ("Xu", TYPED)]
    )
    # a common word the LM knows already; a word only confirmed once; too short
    assert rare(words, "en") == ("Okonkwo",)
    assert rare(words, "zh") == ()
