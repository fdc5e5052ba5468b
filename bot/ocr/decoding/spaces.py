"""Word spaces the recognizer dropped, put back from where its characters stand.

RapidOCR reads a narrow word space as nothing at all: "W Yuyuan Rd. E" comes out
"WYuyuan Rd.E", "315 309" as "315309". Its CTC output still says where each character
was read (the timesteps of :class:`bot.ocr.decoding.ctc.Greedy`; each timestep covers
:data:`STEP_PX` pixels of the line scaled to :data:`HEIGHT_PX` high). Between two
characters read next to each other, the widest run of ink-free columns of the line's image
is measured; a run clearly wider than the line's letter gaps, and wide for the height of
its writing, is a word space where the recognizer gave a space there a small chance, or
where it is about as wide as the line's other word spaces (a handwriting-like face at 28
px: "Call Okonkwo at3pm").

The space is given back as a timestep of its own added to the probability matrix
(:func:`with_spaces`): greedy decoding writes it; the beam search gets it as a likely
chance, and its language model may take it away again only to make a word (:func:`kept`:
a typewriter's narrow "f" stands in a wide gap, "Stanf ord"; but not "3pm", nor two names
joined).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.ocr.decoding.crops import ink, rows_of
from bot.ocr.decoding.ctc import Greedy

# The recognizer's input height, and the pixels of it one timestep covers.
HEIGHT_PX = 48
STEP_PX = 8
# A gap is a word space when it is at least this share of the writing's height ...
MIN_SPACE = 0.22
# ... and at least this many times the line's median gap between letters.
OVER_LETTER_GAP = 1.8
# ... and the recognizer gave a space between the two characters at least this chance.
HINT = 0.02
# Or, without that chance, at least this share of the median width of the line's word spaces
# (the recognizer's and those it gave that chance), where it has at least READ_SPACES.
AS_WIDE_AS_READ = 0.8
READ_SPACES = 2
# A column is blank when fewer of its pixels than this share of the writing's height are ink.
_INK_SHARE = 0.02
# One word: a run of letters, signs before and after it.
_ONE_WORD = re.compile(r"[^\w]*([^\W\d_]+)[^\w]*")
# Signs written against the word before them.
_NO_SPACE_BEFORE = frozenset(".,;:!?)]}%'\u2019")
# ... and against the word after them ("(3)", "Stanford's").
_NO_SPACE_AFTER = frozenset("([{'\u2019")


def ink_columns(line: Image.Image) -> tuple[NDArray[np.bool_], int]:
    """(which columns of the line hold ink, the height in pixels of the writing)."""
    pixels = ink(line)
    rows = rows_of(pixels)
    if pixels is None or rows is None:  # no contrast: nothing to measure
        return np.zeros(line.width, dtype=bool), 0
    height = rows[1] - rows[0]
    columns = pixels.sum(axis=0) > max(0.0, _INK_SHARE * height)
    return columns, height


def blank_runs(columns: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, last + 1) of each run of ink-free columns between the first and last ink."""
    inked = np.flatnonzero(columns)
    if inked.size < 2:
        return []
    # (in one pass of numpy: a loop over a wide line's columns cost ~1 ms a line)
    gaps = np.flatnonzero(np.diff(inked) > 1)
    return [(int(inked[g]) + 1, int(inked[g + 1])) for g in gaps.tolist()]


def missing(
    line: Image.Image, reading: Greedy, probs: NDArray[np.float32], space: int
) -> list[int]:
    """Indexes ``i`` of ``reading.text`` after which a word space is missing.

    The line's ink-free runs of columns are measured; a run wide for the writing's height
    and clearly wider than the line's typical gap is a word space, and it belongs between
    the two characters read nearest either side of its middle, if the recognizer itself
    gave a space there at least a small chance (:data:`HINT`): a narrow letter (i, l, 1)
    stands in a wide gap of its own. Without that chance, it is one where it is about as
    wide as the line's other word spaces (:data:`AS_WIDE_AS_READ`): a writer's narrow
    spaces, the recognizer reading only the wider of them ("at3pm" in a line it reads
    "Call Okonkwo at3pm")."""
    text = reading.text
    columns, height = ink_columns(line)
    runs = blank_runs(columns)
    if not height or len(text) < 2 or not runs:
        return []
    typical = float(np.median([b - a for a, b in runs]))
    px_per_step = STEP_PX * line.height / HEIGHT_PX
    # where each boundary between neighbouring characters lies, in pixels
    bounds = [
        (reading.ends[i] + reading.starts[i + 1] + 1) / 2 * px_per_step
        for i in range(len(text) - 1)
    ]
    widest: dict[int, int] = {}  # the widest run at each boundary
    for a, b in runs:
        middle = (a + b) / 2
        i = min(range(len(bounds)), key=lambda k: abs(bounds[k] - middle))
        if abs(bounds[i] - middle) <= (b - a) / 2 + px_per_step:
            widest[i] = max(widest.get(i, 0), b - a)
    wide = [
        i
        for i, width in sorted(widest.items())
        if width >= MIN_SPACE * height
        and width >= OVER_LETTER_GAP * typical
        and not (text[i].isspace() or text[i] in _NO_SPACE_AFTER)
        and not (text[i + 1].isspace() or text[i + 1] in _NO_SPACE_BEFORE)
    ]
    hinted = {
        i for i in wide if probs[reading.ends[i] : reading.starts[i + 1] + 1, space].max() >= HINT
    }
    # the word spaces the line shows: the recognizer's own and those it gave a chance
    shown = [j for j in range(1, len(text) - 1) if text[j].isspace()]
    found = [max(widest.get(j - 1, 0), widest.get(j, 0)) for j in shown]
    found = [width for width in found if width] + [widest[i] for i in hinted]
    if len(found) < READ_SPACES:
        return sorted(hinted)
    read = float(np.median(found))
    return [i for i in wide if i in hinted or widest[i] >= AS_WIDE_AS_READ * read]


def with_spaces(
    probs: NDArray[np.float32],
    reading: Greedy,
    after: list[int],
    space: int,
    chance: float = 1.0,
) -> NDArray[np.float32]:
    """``probs`` with a timestep added after each character in ``after`` (just before the
    next one's first), giving the ``space`` label this ``chance`` (the rest to the blank):
    certain, greedy decoding writes it; even, the language model decides."""
    if not after:
        return probs
    row = np.zeros((1, probs.shape[1]), dtype=probs.dtype)
    row[0, space] = chance
    row[0, 0] = 1.0 - chance
    cuts = [reading.starts[i + 1] for i in after]
    parts, begin = [], 0
    for cut in cuts:
        parts += [probs[begin:cut], row]
        begin = cut
    parts.append(probs[begin:])
    return np.concatenate(parts)


def restored(text: str, after: list[int]) -> tuple[str, list[int]]:
    """``text`` with a space after each index in ``after``, runs of spaces collapsed and
    the ends stripped; and where in it the spaces put back stand."""
    marks = set(after)
    out: list[str] = []
    at: list[int] = []
    for i, c in enumerate(text):
        if not c.isspace():
            out.append(c)
        elif out and out[-1] != " ":
            out.append(" ")
        if i in marks:
            at.append(len(out))
            out.append(" ")
    if out and out[-1] == " ":
        out.pop()
    return "".join(out), at


def kept(text: str, spaced: str, at: list[int], known: Callable[[str], bool]) -> str:
    """The language model's reading ``text`` with the spaces put back at ``at`` in
    ``spaced`` (:func:`restored`) that it took away again where what it joined is ``known``
    by no means (``known``: a word of the language's list or of the user's): the language
    model may undo a space only to make a word ("Stanf ord"), not to join two words it
    does not know ("Dmitri Vasquez") or a number and its unit ("3 pm")."""
    if not at:
        return text
    where = _matched(spaced, text)
    cuts = []
    for p in at:
        left, right = where.get(p - 1), where.get(p + 1)
        if left is None or right != left + 1:
            continue  # the space is read, or the letters either side are not
        start = text.rfind(" ", 0, right) + 1
        if not known(text[start : _word_end(text, right)]):
            cuts.append(right)
    for cut in sorted(cuts, reverse=True):
        text = text[:cut] + " " + text[cut:]
    return text


def unsplit(
    text: str, spaced: str, known: Callable[[str], bool], alone: Callable[[str], bool]
) -> str:
    """The language model's reading ``text`` without the spaces it put between two letters
    the image reads together (``spaced``: no gap in the ink there) where that cut off a
    single letter that is no word on its own (``alone``: English "a" and "I" are) and the
    two together are a word ``known``: "2 kg sugar" read "2 k g sugar" (wordfreq counts
    "k" and "g" among the common words, "kg" is none of the 5,000 commonest, so the word
    list paid for the split). Any other split stays: the LM finding a space the recognizer
    lost ("atthe" -> "at the", "Pickup the" -> "Pick up the", "alot" -> "a lot")."""
    where = _matched(spaced, text)
    joins = []
    for p in range(len(spaced) - 1):
        left, right = where.get(p), where.get(p + 1)
        if left is None or right != left + 2 or text[left + 1] != " ":
            continue
        if not (spaced[p].isalpha() and spaced[p + 1].isalpha()):
            continue
        start = text.rfind(" ", 0, left) + 1
        first, second = text[start : left + 1], text[right : _word_end(text, right)]
        letters = [w for w in (first, second) if len(w) == 1]
        if letters and not all(alone(w) for w in letters) and known(first + second):
            joins.append(left + 1)
    for join in sorted(joins, reverse=True):
        text = text[:join] + text[join + 1 :]
    return text


def _matched(spaced: str, text: str) -> dict[int, int]:
    """Where each character of ``spaced`` that ``text`` kept stands in ``text``."""
    matcher = SequenceMatcher(None, spaced, text, autojunk=False)
    return {a + k: b + k for a, b, size in matcher.get_matching_blocks() for k in range(size)}


def _word_end(text: str, at: int) -> int:
    """The end of the word of ``text`` that goes on at ``at``."""
    end = text.find(" ", at)
    return len(text) if end < 0 else end


def one_word(word: str) -> str | None:
    """``word``'s letters, the signs it stands between set aside ("ford," -> "ford"); None
    where it holds anything but one run of letters ("3pm", "and/or")."""
    found = _ONE_WORD.fullmatch(word)
    return found.group(1) if found else None
