"""Which language a page is written in, from the script RapidOCR reads on it.

RapidOCR's reader knows Chinese and the Latin letters at once, so one reading of the page
tells Han characters from Latin ones. It cannot write most Vietnamese tone marks ("trời" ->
"tri"), but it does write the letters only Vietnamese has among our languages (ơ ư đ ă) and
the syllables without tone marks or with simple ones ("Hôm nay", "và", "ngày mai"): a page
with enough of those letters, or whose words are far more common in Vietnamese than in the
Latin-script language it would otherwise be read in, is Vietnamese; a page with enough Han
characters is Chinese; otherwise it is in that Latin-script language (the user's or the
server's). ``bench.language_guess`` measures how often this is right.
"""

from __future__ import annotations

import re

from bot.ocr.decide.lexicon import commonness

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_VIETNAMESE_ONLY = frozenset("ơưđăƠƯĐĂ")
# Share of a page's letters that must be Han for the page to be Chinese (a Latin page
# may carry a stray misread character; a Chinese note often has Latin digits and names).
_HAN_SHARE = 0.3
# Vietnamese-only letters a page needs (one can be a misread; Vietnamese prose has one in
# about every third word).
_VIETNAMESE_LETTERS = 2
# How much more common (mean Zipf frequency of the words) a page's words must be in
# Vietnamese than in the Latin-script language for it to be read as Vietnamese.
_MARGIN = 1.0


def guess_language(text: str, latin: str) -> str:
    """ "zh", "vi", or ``latin`` (the reader's default for Latin script) for ``text``."""
    letters = sum(c.isalpha() for c in text)
    han = len(_HAN.findall(text))
    if han >= 2 and han >= _HAN_SHARE * letters:
        return "zh"
    if latin == "vi" or sum(c in _VIETNAMESE_ONLY for c in text) >= _VIETNAMESE_LETTERS:
        return "vi"
    if commonness(text, "vi") > commonness(text, latin) + _MARGIN:
        return "vi"
    return latin


def text_language(requested: str, text: str) -> str:
    """The language of ``text`` that is already text (a PDF's text layer): ``requested``
    itself, or for an automatic request ("auto:vi"), the one the script shows."""
    from bot.ocr.languages import AUTO, resolve

    language = resolve(requested)
    if language.code != AUTO.code:
        return language.code
    return guess_language(text, language.latin)
