"""Vietnamese words of several syllables: a tone mark that makes one where Tesseract's makes none.

Vietnamese writes each syllable apart, and most of its words are two of them ("cửa sổ",
window; "bút chì", pencil; "ban công", balcony). Where Tesseract ``vie`` writes a wrong
tone mark and the result is itself a syllable ("Lau cửa số", "bút chỉ", "bạn công"), no
rule on single words sees it, and RapidOCR, which has no label for most marked vowels
(ổ, ỉ, ạ), cannot contradict it: the line was shown sure, and wrong. But the wrong syllable
seldom makes a word with its neighbours, where the same letters under the right tone do.

So a line is cut into the words of a list of Vietnamese words (:data:`WORDS`, pyvi's),
covering as many of its syllables as it can. Where another tone on one syllable lets more
of the line be covered (a word is made that was not, and none is broken: "Đổi bóng đèn"
stays, though "đội bóng" is a word, for "bóng đèn" is one too), and RapidOCR's reading in
its place does not contradict that tone, Tesseract's tone is in doubt: the line stays
unsure, and is shown with that tone when one such reading stands out. RapidOCR contradicts
a tone by writing another mark on the syllable (it writes the grave, the acute and the
tilde where it has the letter); a hook above, which it never writes, it writes as a grave
or an acute ("cài" for "cải"); a bare vowel says nothing (it drops marks it could write).
A capitalised word inside a sentence is a name, whose tone no list knows.

Measured (2026-12-07, issue 18; bench/README "A wrong tone that is a word"): on
``bench.vi_training``'s lines in the five Vietnamese faces (1800 lines), 15 of the 25 wrong
lines shown sure are caught and no right line is doubted; the tone shown made 40 lines right
and none wrong on the drawn sets. On Vietnamese typed right (the bot's catalog, no RapidOCR)
it doubts 2 lines of 189 ("để xuất" -> "đề xuất"). The list is general Vietnamese: nothing
was added from the bench's texts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

# Vietnamese words of two to four syllables (pyvi's word list, MIT: vi_words.LICENSE).
WORDS = Path(__file__).with_name("vi_words.txt")
_LONGEST = 4
# Vietnamese's tone marks, combining, in the order of a key's digit: grave, acute, hook
# above, tilde, dot below (0: none).
TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"
_GRAVE, _ACUTE, _HOOK = 1, 2, 3
# A word's letters between the marks at its edges.
_CORE = re.compile(r"(\W*)(\w+)(\W*)")
# A sentence ends with these: a capital after them is the sentence's.
SENTENCE_ENDS = (".", ":", "!", "?")


class Retoned(NamedTuple):
    """A line's words, one of them under another tone where one reading stands out;
    ``doubted``: another tone of a syllable makes more of the line words."""

    words: tuple[str, ...]
    doubted: bool


@dataclass(frozen=True, slots=True)
class _Lexicon:
    words: frozenset[str]  # each word's syllables' keys, joined by spaces
    spelled: dict[str, str]  # a syllable's key -> the syllable


def retone(words: Sequence[str], seen: Sequence[str | None]) -> Retoned:
    """Tesseract's Vietnamese ``words`` (as split on spaces) with RapidOCR's reading in the
    place of each (``seen``; None: nothing there) beside them: a syllable whose tone another
    tone would make a word with a neighbour, where it makes none (see the module)."""
    lexicon = vi_words()
    cores = [_CORE.fullmatch(w) for w in words]
    keys: list[str | None] = [None] * len(words)
    for i, core in enumerate(cores):
        if core is None or not core.group(2).isalpha():
            continue
        name = i > 0 and core.group(2)[0].isupper() and not words[i - 1].endswith(SENTENCE_ENDS)
        if not name:
            keys[i] = key_of(core.group(2))
    # a mark between two words (a comma, a full stop) parts them
    apart = [not (a and b) or bool(a.group(3) or b.group(1)) for a, b in pairwise(cores)]
    covered = _covered(keys, apart, lexicon.words)
    found: list[tuple[int, str]] = []  # (word, key of its other tone) making the most words
    gain = 0
    for i, key in enumerate(keys):
        if key is None:
            continue
        for other in _other_tones(key, lexicon.spelled):
            if _contradicts(seen[i] or "", int(other[-1])):
                continue
            more = _covered([*keys[:i], other, *keys[i + 1 :]], apart, lexicon.words) - covered
            if more > gain:
                gain, found = more, [(i, other)]
            elif more == gain and more > 0:
                found.append((i, other))
    if not found:
        return Retoned(tuple(words), doubted=False)
    if len(found) > 1:
        return Retoned(tuple(words), doubted=True)  # two readings make words: the user says
    (i, other), core = found[0], cores[found[0][0]]
    assert core is not None  # a key was made of it
    lead, letters, trail = core.groups()
    spelled = _toned(letters, int(other[-1]), lexicon.spelled[other])
    return Retoned((*words[:i], lead + spelled + trail, *words[i + 1 :]), doubted=True)


def _toned(word: str, tone: int, listed: str) -> str:
    """``word`` under ``tone`` (its letters and their case kept), the mark on the letter that
    bore the word's own ("hòa" -> "hóa": writers differ on where it sits, "hoá"), else where
    the list spells it (``listed``: the same letters, lower case, under that tone)."""
    letters = [unicodedata.normalize("NFD", c) for c in word]
    toned = [i for i, c in enumerate(letters) if _tone(c)] or [
        i for i, c in enumerate(listed) if _tone(c)
    ]
    out = []
    for i, letter in enumerate(letters):
        bare = "".join(c for c in letter if c not in TONE_MARKS)
        mark = TONE_MARKS[tone - 1] if tone and toned and i == toned[0] else ""
        out.append(unicodedata.normalize("NFC", bare + mark))
    return "".join(out)


def _covered(keys: Sequence[str | None], apart: Sequence[bool], words: frozenset[str]) -> int:
    """How many syllables the line's best cut into words of several syllables covers
    (None: no syllable; ``apart[i]``: a mark between words i and i + 1)."""
    best = [0] * (len(keys) + 1)
    for start in range(len(keys) - 1, -1, -1):
        best[start] = best[start + 1]
        joined = keys[start]
        for end in range(start + 1, min(start + _LONGEST, len(keys))):
            following = keys[end]
            if joined is None or following is None or apart[end - 1]:
                break
            joined = f"{joined} {following}"
            if joined in words:
                best[start] = max(best[start], end + 1 - start + best[end + 1])
    return best[0]


def _other_tones(key: str, spelled: dict[str, str]) -> list[str]:
    """The keys of the syllables of the same letters under another tone."""
    return [k for tone in range(6) if (k := f"{key[:-1]}{tone}") != key and k in spelled]


def _contradicts(seen: str, tone: int) -> bool:
    """RapidOCR wrote a tone mark in this place that is not ``tone``, nor, for a hook above
    (it has no label for one), the grave or acute it writes for it."""
    read = _tone(seen)
    if not read or read == tone:
        return False
    return not (tone == _HOOK and read in (_GRAVE, _ACUTE))


def _tone(text: str) -> int:
    """The first tone mark in ``text`` (0: none)."""
    for char in unicodedata.normalize("NFD", text):
        if char in TONE_MARKS:
            return TONE_MARKS.index(char) + 1
    return 0


def key_of(syllable: str) -> str:
    """The syllable in lower case without its tone mark, and the tone's digit: the same
    key wherever the mark sits ("hòa", "hoà": "hoa1")."""
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return f"{bare}{_tone(syllable)}"


@lru_cache(maxsize=1)
def vi_words() -> _Lexicon:
    """:data:`WORDS`, read on the first Vietnamese line a process decides (25 000 words)."""
    words: set[str] = set()
    spelled: dict[str, str] = {}
    keys: dict[str, str] = {}
    for line in WORDS.read_text(encoding="utf-8").splitlines():
        syllables = line.split()
        for syllable in syllables:
            if syllable not in keys:
                keys[syllable] = key = key_of(syllable)
                spelled.setdefault(key, syllable)
        words.add(" ".join(keys[s] for s in syllables))
    return _Lexicon(frozenset(words), spelled)
