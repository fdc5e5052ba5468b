"""The default engine's way in (``Settings.ocr_lm_decoding``): a line's crops read by
RapidOCR's recognizer and decoded here, where ``bot.ocr.readers.rapid.read_line`` reads
them greedily.

A line the language model changed is marked so
(:meth:`bot.ocr.decide.evidence.Reading.changed_by_lm`): the recognizer's score vouches
for the greedy reading, not for the one the LM preferred, and deciding weighs the change
(:class:`bot.ocr.decide.combined.LineModel`).
"""

from __future__ import annotations

from PIL import Image

from bot.ocr.decoding import line


def read_pieces(crops: list[Image.Image], language: str) -> tuple[list[tuple[str, float]], bool]:
    """Each crop's (text, score 0..1) as ``rapid.read_line`` gives them (the score is the
    recognizer's, for its greedy reading), and whether the LM changed any of them."""
    decoded = [line.read(c, language) for c in crops if c.width >= 4 and c.height >= 4]
    return [(d.text, d.score if d.text else 0.0) for d in decoded], any(
        d.lm_changed for d in decoded
    )
