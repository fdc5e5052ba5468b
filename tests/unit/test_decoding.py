"""Decoding the recognizer's CTC output: the beam search on made-up probabilities, the
character LM built from the installed wordfreq data only, word spaces from ink gaps."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bot.ocr.decide.combined import decide, shipped_models
from bot.ocr.decide.evidence import Reading
from bot.ocr.decoding import ctc, lm, spaces
from bot.ocr.decoding.line import Decoded
from bot.ocr.languages import resolve

LABELS = ["blank", "c", "a", "e", "t", "l", " "]


def matrix(*steps: dict[str, float]) -> Any:
    """T x labels probabilities: each step's named labels, the rest of the mass on blank."""
    probs = np.zeros((len(steps), len(LABELS)), dtype=np.float32)
    for t, step in enumerate(steps):
        for label, p in step.items():
            probs[t, LABELS.index(label)] = p
        probs[t, 0] = 1.0 - sum(step.values())
    return probs


# "c", then "a" or "e" nearly even (greedy takes "e"), then "t"
CAT_OR_CET = matrix({"c": 0.9}, {}, {"e": 0.5, "a": 0.45}, {}, {"t": 0.9})
WORDS = lm.train([("cat", 1.0), ("tea", 0.5), ("tell", 0.5)], order=3)


def test_greedy_merges_repeats_and_keeps_a_letter_doubled_across_a_blank() -> None:
    probs = matrix({"t": 0.9}, {"e": 0.9}, {"l": 0.9}, {"l": 0.9}, {}, {"l": 0.9})
    reading = ctc.greedy(probs, LABELS)
    assert reading.text == "tell"
    assert reading.starts == (0, 1, 2, 5)
    assert reading.ends == (0, 1, 3, 5)


def test_the_beam_search_takes_the_reading_the_language_model_knows() -> None:
    assert ctc.greedy(CAT_OR_CET, LABELS).text == "cet"
    weights = ctc.Weights(alpha=1.0, beta=1.0, width=8, prune=0.01)
    assert ctc.search(CAT_OR_CET, LABELS, WORDS, weights)[0] == "cat"


def test_a_clear_image_outweighs_the_language_model() -> None:
    clear = matrix({"c": 0.95}, {}, {"e": 0.97, "a": 0.02}, {}, {"t": 0.95})
    weights = ctc.Weights(alpha=0.5, beta=1.0, width=8, prune=0.01)
    assert ctc.search(clear, LABELS, WORDS, weights)[0] == "cet"


def test_the_beam_search_sums_every_path_of_a_prefix() -> None:
    # greedy reads "ca" (blank is likelier at each step than "t"), but the two steps'
    # "t" paths together outweigh the blank path: a beam search keeps "cat"
    probs = matrix({"c": 0.9}, {"a": 0.9}, {"t": 0.4}, {"t": 0.4})
    assert ctc.greedy(probs, LABELS).text == "ca"
    neutral = ctc.Weights(alpha=0.0, beta=0.0, width=8, prune=0.01)
    assert ctc.search(probs, LABELS, WORDS, neutral)[0] == "cat"


def test_the_language_model_leaves_a_comma_the_image_shows_to_the_image() -> None:
    # "cat, tea": the comma is likelier than not (0.6), and the LM does not model signs; a
    # word ended by the comma must score as a word ended by the space, or the comma is lost
    labels = [*LABELS[:-1], ",", " "]
    steps: list[dict[str, float]] = [
        {"c": 0.9}, {}, {"a": 0.9}, {}, {"t": 0.9}, {",": 0.6}, {" ": 0.9},
        {"t": 0.9}, {}, {"e": 0.9}, {}, {"a": 0.9},
    ]  # fmt: skip
    probs = np.zeros((len(steps), len(labels)), dtype=np.float32)
    for t, step in enumerate(steps):
        for label, p in step.items():
            probs[t, labels.index(label)] = p
        probs[t, 0] = 1.0 - sum(step.values())
    weights = ctc.Weights(alpha=1.0, beta=3.0, width=8, prune=0.01)
    assert ctc.search(probs, labels, WORDS, weights)[0] == "cat, tea"


def test_a_one_read_as_a_letter_in_an_english_ordinal_is_put_back() -> None:
    both = Reading("Pay rent before the Ist", 0.99)
    verdict = decide(both, both, resolve("en"), shipped_models())
    assert verdict.text == "Pay rent before the 1st"
    german = Reading("Ist das gut", 0.99)
    assert decide(german, german, resolve("de"), shipped_models()).text == "Ist das gut"


def test_the_language_model_is_built_offline_from_the_installed_wordfreq(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the LM must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    english = lm.build("en")
    assert english.text_logp("the pacific") > english.text_logp("tne pacifc")
    assert english.text_logp("would") > english.text_logp("mould")
    # kept in the cache directory, read back the same
    lm.save(english, tmp_path / "en.npz")
    again = lm.load(tmp_path / "en.npz")
    assert again.text_logp("pacific would") == english.text_logp("pacific would")
    # Vietnamese is modelled on the letters without tone marks, as RapidOCR writes them
    vietnamese = lm.build("vi")
    assert vietnamese.knows(vietnamese.fold("ế"))
    assert vietnamese.text_logp("tiếng việt") == vietnamese.text_logp("tieng viet")
    assert vietnamese.text_logp("tieng viet") > vietnamese.text_logp("tieng vqet")
    assert not lm.supported("zh")


def words_image(words: list[str], gap: int) -> Image.Image:
    """Black bars standing for words: letters 4 px apart, words ``gap`` px apart."""
    img = Image.new("RGB", (40 + sum(len(w) * 14 + gap for w in words), 48), "white")
    draw = ImageDraw.Draw(img)
    x = 20
    for word in words:
        for _ in word:
            draw.rectangle((x, 12, x + 9, 36), fill="black")
            x += 14
        x += gap - 4
    return img


def test_a_word_space_the_recognizer_dropped_is_put_back_where_the_gap_is() -> None:
    img = words_image(["ab", "cd"], gap=10)
    # the four letters read at the steps over their bars, no space label argmax
    probs = np.zeros((img.width // 8 + 1, 7), dtype=np.float32)
    probs[:, 0] = 1.0
    at = [int((20 + 14 * i + (6 if i >= 2 else 0) + 5) / 8) for i in range(4)]
    for label, t in zip((1, 2, 3, 4), at, strict=True):
        probs[t, 0], probs[t, label] = 0.0, 1.0
    probs[at[1] + 1, 6], probs[at[1] + 1, 0] = 0.1, 0.9  # a hint of a space
    reading = ctc.greedy(probs, LABELS)
    assert reading.text == "caet"
    after = spaces.missing(img, reading, probs, space=6)
    assert after == [1]
    assert spaces.restored(reading.text, after) == ("ca et", [2])
    spaced = spaces.with_spaces(probs, reading, after, space=6)
    assert ctc.greedy(spaced, LABELS).text == "ca et"


@pytest.mark.parametrize(
    ("spaced", "at", "read", "shown"),
    [
        # a space put back in a word the LM knows: the LM may take it away again
        ("Stanf ord University", [5], "Stanford University", "Stanford University"),
        # ... not to join a number and its unit, or two words it does not know
        ("Call at 3 pm", [9], "Call at 3pm", "Call at 3 pm"),
        ("Call Dmitri Vasquez", [11], "Call DmitriVasquez", "Call Dmitri Vasquez"),
        ("ring at the door", [7], "ring atthe door", "ring at the door"),  # "atthe": no word
        # a space it read elsewhere, or letters it changed there, are left as it reads them
        ("at 3pm", [2], "at 3pm", "at 3pm"),
        ("Pacife mould", [6], "Pacific would", "Pacific would"),
    ],
)
def test_the_language_model_undoes_a_space_put_back_only_to_make_a_word(
    spaced: str, at: list[int], read: str, shown: str
) -> None:
    known = {"stanford", "university", "call", "at", "ring", "door", "pacific", "would"}
    assert [spaced[i] for i in at] == [" "] * len(at)
    assert spaces.kept(read, spaced, at, lambda word: word.lower() in known) == shown


@pytest.mark.parametrize(
    ("spaced", "read", "shown"),
    [
        # the image reads "kg" whole; the word list paid for the split ("k", "g" are
        # common words, "kg" none of the commonest): the whole is a word, so it stays whole
        ("2 kg sugar", "2 k g sugar", "2 kg sugar"),
        # any other split is the LM finding a space the recognizer lost: "a" is a word on
        # its own, and "pick up" is two words as well as "pickup" is one
        ("alot of them", "a lot of them", "a lot of them"),
        ("Pickup the dry cleaning", "Pick up the dry cleaning", "Pick up the dry cleaning"),
        ("ring atthe door", "ring at the door", "ring at the door"),
    ],
)
def test_the_language_model_splits_no_letter_off_a_word_the_image_reads_whole(
    spaced: str, read: str, shown: str
) -> None:
    known = {"kg", "alot", "pickup", "ring", "door"}

    def alone(letter: str) -> bool:
        return letter.lower() in {"a", "i"}

    assert spaces.unsplit(read, spaced, lambda word: word.lower() in known, alone) == shown


def test_a_line_the_language_model_changed_is_not_sure_on_the_recognizer_s_word() -> None:
    # the recognizer was sure of "Pacife mould" but for its "f" and "m" (the LM changes
    # only what the image leaves close); the LM preferred "Pacific would"
    changed = Decoded(
        greedy="Pacife mould",
        spaced="Pacife mould",
        text="Pacific would",
        score=0.97,
        least=0.8,
        margin=0.6,
    )
    assert changed.lm_changed
    # the beam search's standing of such a change: the LM's reading well ahead with the
    # LM, the image's own share of it small (the image preferred what the recognizer read)
    reading = Reading(
        changed.text,
        changed.score,
        steady=1.0,
        least=changed.least,
        margin=changed.margin,
        posterior=0.9,
        image_posterior=0.02,
        lead=2.0,
    ).changed_by_lm()
    assert reading.text == "Pacific would"
    assert reading.lm_changed
    en, models = resolve("en"), shipped_models()
    # RapidOCR's score is for what it read; with no other reader to agree, the line is asked
    for tesseract in (None, Reading("", 0.0), Reading("Pacife mauld", 0.6)):
        verdict = decide(reading, tesseract, en, models)
        assert verdict.text == "Pacific would"
        assert verdict.confidence is not None and verdict.confidence < 0.75, tesseract
        # and the change itself never makes a line surer
        unchanged = decide(replace(reading, lm_changed=False), tesseract, en, models)
        assert unchanged.confidence is not None and verdict.confidence <= unchanged.confidence
    # spaces put back from the ink are no change of the LM's
    kept = Decoded(
        greedy="WYuyuan Rd.E", spaced="W Yuyuan Rd. E", text="W Yuyuan Rd. E", score=0.97
    )
    assert not kept.lm_changed


def test_one_doubtful_character_in_a_sure_line_makes_the_line_less_sure() -> None:
    # "cat" read surely but for its "a" (0.55, "e" close behind): the line score, the mean
    # of the characters' probabilities, still says 0.82
    probs = matrix({"c": 0.96}, {}, {"a": 0.55, "e": 0.4}, {}, {"t": 0.96})
    reading = ctc.greedy(probs, LABELS)
    assert reading.text == "cat"
    assert reading.score > 0.8
    peak, margin = reading.peaks(probs)
    assert float(peak.min()) == pytest.approx(0.55)
    assert float(margin.min()) == pytest.approx(0.15)
    en, models = resolve("en"), shipped_models()
    for tesseract in (None, Reading("cat", 0.9), Reading("cet", 0.7)):
        sure = decide(Reading("cat", reading.score, steady=1.0), tesseract, en, models)
        doubted = decide(
            Reading("cat", reading.score, steady=1.0, least=0.55, margin=0.15),
            tesseract,
            en,
            models,
        )
        assert doubted.text == sure.text
        assert doubted.confidence is not None and sure.confidence is not None
        assert doubted.confidence < sure.confidence, tesseract


def test_the_setting_switches_the_default_engine_to_lm_decoding() -> None:
    from bot.config import EngineChoice, Settings
    from bot.ocr.engines import build_engine
    from bot.ocr.job.rapid_tesseract import RapidTesseract
    from bot.ocr.run.threads import ThreadRunner

    for choice in (EngineChoice.RAPID_TESSERACT, EngineChoice.RAPID):
        for on in (False, True):
            engine = build_engine(Settings(ocr_engine=choice, ocr_lm_decoding=on))
            assert isinstance(engine, ThreadRunner)
            assert isinstance(engine.pipeline, RapidTesseract)
            assert engine.pipeline.readers.lm is on
            assert engine.engine_name == (
                "rapid+tesseract" if choice is EngineChoice.RAPID_TESSERACT else "rapid"
            )
