"""The default engine's way in (``Settings.ocr_lm_decoding``): a line's crops read by
RapidOCR's recognizer and decoded here, where ``bot.ocr.readers.rapid.read_line`` reads
them greedily.

A line the language model changed is marked so
(:meth:`bot.ocr.decide.evidence.Reading.changed_by_lm`): the recognizer's score vouches
for the greedy reading, not for the one the LM preferred, and deciding weighs the change
(:class:`bot.ocr.decide.combined.LineModel`). So is its least sure character (issue 18
part 3): the score is the mean of the characters' probabilities, which averages away the
one character the recognizer doubted.

A user's words (issue 18 part 2) go with the language: :class:`DecodeAs`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from PIL import Image

from bot.ocr.decoding import line
from bot.ocr.decoding.hotwords import Hotwords
from bot.ocr.decoding.standing import Doubt, Standing


class DecodeAs(NamedTuple):
    """How a line's crops are decoded: with ``language``'s LM, a user's ``hotwords`` helped
    along (None: nobody's)."""

    language: str
    hotwords: Hotwords | None = None


class Pieces(NamedTuple):
    """A line's pieces as ``rapid.read_line`` gives them, (text, score 0..1) each (the
    score is the recognizer's, for its greedy reading), and what deciding weighs besides."""

    parts: list[tuple[str, float]]
    lm_changed: bool  # the LM changed any of them
    doubt: Doubt


def read_pieces(crops: list[Image.Image], decode_as: DecodeAs) -> Pieces:
    """Each crop read and decoded (:func:`bot.ocr.decoding.line.read`), or read as RapidOCR
    reads it where the language is not decoded (:func:`bot.ocr.decoding.line.as_read`:
    Chinese, its doubt measured all the same)."""
    language, hotwords = decode_as
    read_one: Callable[[Image.Image], line.Decoded] = line.as_read
    if line.decodes(language):
        read_one = partial(line.read, language=language, hotwords=hotwords)
    decoded = [read_one(c) for c in crops if c.width >= 4 and c.height >= 4]
    read = [d for d in decoded if d.greedy]
    standing = Standing.least(d.standing for d in read if d.standing is not None)
    return Pieces(
        [(d.text, d.score if d.text else 0.0) for d in decoded],
        any(d.lm_changed for d in decoded),
        Doubt(
            least=min((d.least for d in read), default=None),
            margin=min((d.margin for d in read), default=None),
            posterior=standing.posterior if standing else None,
            image_posterior=standing.image if standing else None,
            lead=standing.lead if standing else None,
        ),
    )
