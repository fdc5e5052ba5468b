"""The default engine's way in (``Settings.ocr_lm_decoding``): one crop read by RapidOCR's
recognizer and decoded here, as ``bot.ocr.readers.rapid.read_line`` reads it greedily.

A line the language model changed keeps at most :data:`LM_CHANGED_SCORE` as its score:
the recognizer's score vouches for the greedy reading, not for the one the LM preferred,
so such a line is never sure on RapidOCR's word alone (another reader agreeing can still
make it sure). Deciding with the changed-line feature itself is issue 18 part 3.
"""

from __future__ import annotations

from PIL import Image

from bot.ocr.decoding import line

LM_CHANGED_SCORE = 0.5


def read_piece(crop: Image.Image, language: str) -> tuple[str, float]:
    """(text, score 0..1) of one crop, like ``rapid.read_line``; ("", 0.0) for nothing."""
    if crop.width < 4 or crop.height < 4:
        return "", 0.0
    return shown(line.read(crop, language))


def shown(decoded: line.Decoded) -> tuple[str, float]:
    """The text shown for a decoded line and the score deciding gets for it."""
    if not decoded.text:
        return "", 0.0
    score = max(0.0, min(1.0, decoded.score))
    if decoded.lm_changed:
        score = min(score, LM_CHANGED_SCORE)
    return decoded.text, score
