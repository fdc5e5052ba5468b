"""Tone marks put back on RapidOCR's Vietnamese where Tesseract could not read the line.

RapidOCR has no label for most marked vowels (ờ ẹ ổ ạ ả ...): it writes "Hom nay tri đp
quá" for "Hôm nay trời đẹp quá", dropping a vowel it cannot write or writing its base
letter, and it drops marks it could write too. Where Tesseract ``vie`` reads a line as
nothing or noise (real handwriting, :func:`bot.ocr.decide.combined.garbled`), RapidOCR's
letters are all there is, and the user would add every mark by hand. So the line is shown
as the likeliest Vietnamese its letters allow, a guess to check (the line stays unsure):

- each word may be any syllable RapidOCR's reading allows (its letters with any marks, the
  vowels it could not write put back: :func:`~bot.ocr.decide.syllables.candidates_for`);
- each is weighed by how far RapidOCR's reading is from it (:func:`_letter_cost`, how often
  RapidOCR reads a letter so: a vowel it has no label for is mostly dropped, seldom written
  bare; a mark it could write is almost always written), by how common it is (wordfreq's
  Zipf), and by the Vietnamese words of several syllables it makes with its neighbours
  (pyvi's list, :mod:`.compounds`);
- the likeliest line is found by a beam search over the words, left to right.

What is no Vietnamese syllable is left alone: a word with a digit or a letter Vietnamese
does not write (f, j, w, z), one no syllable fits, a capital letter alone or a word in
capitals without a vowel (an initial, "PNG"), and a line more than a quarter of whose words
no syllable fits (another language: English handwriting read as Vietnamese).
Measured in bench/README "Tone marks put back on RapidOCR's Vietnamese".
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Sized
from functools import lru_cache

from bot.ocr.decide.compounds import key_of, vi_words
from bot.ocr.decide.evidence import RAPID_WRITES
from bot.ocr.decide.syllables import (
    LETTERS,
    VOWELS,
    base_of,
    candidates_for,
    edit_cost,
    marks_of,
    syllables,
)

# The weights of a syllable's commonness (Zipf 0..7) and of each listed word of several
# syllables it ends, against RapidOCR's reading (:func:`_letter_cost`); fitted on the
# fitting set.
COMMONNESS = 1.5
IN_A_WORD = 2.0
# How many syllables each word keeps, and how many readings of the line the beam keeps.
_PER_WORD, _BEAM = 12, 32
_LONGEST = 4  # syllables in a listed word
_WORD = re.compile(r"(\W*)(\w+)(\W*)")
# Letters Vietnamese writes only in loanwords: a word with one is not mended.
_FOREIGN = frozenset("fjwz")


def restore(text: str) -> str:
    """RapidOCR's reading of a Vietnamese line with the marks it could not write put back
    (see the module); word by word as read where no syllable fits."""
    return _restore(text, COMMONNESS, IN_A_WORD)


@lru_cache(maxsize=256)  # deciding and the text shown ask for the same line
def _restore(text: str, commonness: float, in_a_word: float) -> str:
    tokens = text.split()
    parts = [_WORD.fullmatch(t) for t in tokens]
    options = [_options(p.group(2), commonness) if p else () for p in parts]
    if _foreign(parts, options):
        return text
    # apart[i]: no listed word spans words i - 1 and i (a sign between them, or one of
    # them no syllable)
    apart = [
        i == 0 or not options[i - 1] or not options[i] or _parted(parts[i - 1], parts[i])
        for i in range(len(tokens))
    ]
    words = vi_words().words
    # each reading of the line so far: its score, its syllables, their keys (compounds.key_of)
    beam: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = [(0.0, (), ())]
    for choices in options:
        grown = []
        for score, chosen, keys in beam:
            for syllable, key, local in choices or (("", "", 0.0),):
                line = (*keys, key)
                made = _words_ending(line, apart, words) if key else 0
                grown.append((score + local + in_a_word * made, (*chosen, syllable), line))
        grown.sort(key=lambda g: -g[0])
        beam = grown[:_BEAM]
    out = []
    for token, part, syllable in zip(tokens, parts, beam[0][1], strict=True):
        if part is None or not syllable:
            out.append(token)
        else:
            lead, core, trail = part.groups()
            out.append(lead + _cased(syllable, core) + trail)
    return " ".join(out)


def _foreign(parts: Sequence[re.Match[str] | None], options: Sequence[Sized]) -> bool:
    """More than a quarter of the line's words are no Vietnamese syllable, nor any RapidOCR's
    letters allow: another language (English handwriting read as Vietnamese: "President",
    "smuter"), whose words that are syllables too ("to", "sit") are not Vietnamese here.
    (On the drawn Vietnamese of every cache, 5 lines of 2 781 are; on the real English
    notes read as Vietnamese, 2 in 3.)"""
    words = [i for i, p in enumerate(parts) if p is not None and p.group(2).isalpha()]
    return 4 * sum(not options[i] for i in words) > len(words)


def _parted(before: re.Match[str] | None, after: re.Match[str] | None) -> bool:
    """A sign between two words (a comma, a full stop): no word spans them."""
    return before is None or after is None or bool(before.group(3) or after.group(1))


def _words_ending(keys: tuple[str, ...], apart: list[bool], words: frozenset[str]) -> int:
    """How many listed words of several syllables the line's last syllable ends (``keys``:
    its syllables' keys so far)."""
    made = 0
    for length in range(2, _LONGEST + 1):
        if length > len(keys) or apart[len(keys) - length + 1]:
            break
        if " ".join(keys[-length:]) in words:
            made += 1
    return made


@lru_cache(maxsize=4096)
def _options(core: str, commonness: float) -> tuple[tuple[str, str, float], ...]:
    """The syllables RapidOCR's word ``core`` may be, each with its key and its score, best
    first; none for a word that is no syllable to mend."""
    read = core.lower()
    if core.isupper() and (len(core) == 1 or not any(c in VOWELS for c in read)):
        return ()  # an initial, a list's letter ("C.", "V"), "PNG"; a small "s" is "sự"
    if any(c.isdigit() or c in _FOREIGN for c in read):
        return ()
    if not all(base_of(c) in LETTERS for c in read):
        return ()
    known = syllables()
    found = candidates_for(read, rapid=True)
    if read in known:
        found.add(read)
    if core[0].isupper():
        # A capital RapidOCR wrote is the word's first letter: "Nh" is "Nhớ", not "Ảnh",
        # whose capital it would have dropped and whose "n" it would have written small.
        found = {s for s in found if base_of(s[0]) == base_of(read[0])}
    scored = sorted(
        ((commonness * known[s] - edit_cost(s, read, _letter_cost), s) for s in found),
        reverse=True,
    )
    return tuple((s, key_of(s), score) for score, s in scored[:_PER_WORD])


def _cased(syllable: str, core: str) -> str:
    """The syllable in the case RapidOCR read the word in."""
    if len(core) > 1 and core.isupper():
        return syllable.upper()
    return syllable[0].upper() + syllable[1:] if core[0].isupper() else syllable


# -ln of how often RapidOCR reads a letter so, counted on the fitting set's drawn Vietnamese
# (bench.vi_training's faces, 40 805 letters aligned with what was written): a vowel it
# has no label for is dropped 87% of the time (0.14), written bare 6.5% (2.7), with
# other marks 3.8% (3.3; a hook above as a grave or an acute: 1.3%); a vowel it can write
# is written so 97.6% of the time, bare 1.4% (4.3), as an odd letter ("ǎ", "ę") 0.8%;
# anything else (a letter dropped or added, another letter) about 1 in 1000 or rarer,
# capped at 6 (real handwriting is read worse than drawn notes).
_DROPPED, _BARE, _OTHER_MARKS, _HOOK_AS_ACCENT = 0.14, 2.7, 3.3, 2.5
_WRITABLE_BARE, _ODD, _RARE = 4.3, 4.5, 6.0


@lru_cache(maxsize=8192)
def _letter_cost(letter: str | None, seen: str | None) -> float:
    """The cost of RapidOCR reading the syllable's ``letter`` as ``seen`` (None: nothing)."""
    if letter is None:
        return _RARE  # a letter the syllable has not
    if seen is None:
        return _DROPPED if letter in VOWELS and letter not in RAPID_WRITES else _RARE
    if letter == seen:
        return 0.0
    if base_of(letter) != base_of(seen):
        return _RARE
    if seen not in LETTERS:
        return _ODD  # a mark it has no Vietnamese letter for
    if letter in RAPID_WRITES:
        return _WRITABLE_BARE if not marks_of(seen) else _RARE
    if not marks_of(seen):
        return _BARE
    return _HOOK_AS_ACCENT if _tone_as_hook(letter, seen) else _OTHER_MARKS


def _tone_as_hook(letter: str, seen: str) -> bool:
    """RapidOCR, which has no hook above, writes one as a grave or an acute ("cài")."""
    hook, grave, acute = "\u0309", "\u0300", "\u0301"
    return hook in marks_of(letter) and (grave in marks_of(seen) or acute in marks_of(seen))
