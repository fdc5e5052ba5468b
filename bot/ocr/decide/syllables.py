"""Vietnamese words Tesseract could not read, rewritten as the likeliest syllable.

Where Tesseract ``vie`` cannot read a tone-marked vowel it writes a digit, a symbol or a
capital in its place ("G8i", "†rÑi", "HRp"); RapidOCR reads the same word's base letters,
or drops the vowel it cannot write ("Gi", "trøi"). No Vietnamese word holds a digit after
a letter, a letter outside the Vietnamese alphabet or a capital inside it, and every
Vietnamese word is one syllable of a closed list (wordfreq's Vietnamese words, as
:mod:`bot.ocr.decoding.lm` learns from). Such a *broken* word is rewritten as the syllable
that both readings allow and that is nearest both, the more common one winning a close
call. A word that is no syllable but holds only Vietnamese letters ("noy") is rewritten
only where RapidOCR read other base letters and a syllable fits RapidOCR's reading.

A rewritten word is a guess, however likely, where a letter of it is one neither reader
read: a vowel in place of an odd character or of nothing ("G8i" -> "Gọi": gọi, gái and gửi
fit both readings about as well, and on the training seeds no measure of how far the
likeliest syllable led told the right guesses from the wrong ones). Deciding keeps its
line unsure (:mod:`bot.ocr.decide.combined`). A word whose every letter one reader or the
other read (RapidOCR its base letters one for one; in each place, Tesseract a letter with
the same marks or RapidOCR the letter itself: "noy" and "nay" are "nay", "gi8" and "giờ"
are "giờ") is no guess: its line is judged as read; nor is a word whose only mend is its
case ("SỬa" -> "Sửa", a typewriter's tall ử read as a capital), where RapidOCR read no
capital inside it. A '.', ':', '-' or '_' at a word's edge or standing alone that RapidOCR
did not read, where it read the line, is a speck on the paper, and goes; so does a
quotation mark where RapidOCR, which writes every one, read none in the line; a '.', ':'
or '_' between two letters ("Mua.rau"), where RapidOCR read none between letters anywhere
in the line, stands for the space it sits in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.ocr.decide.compounds import SENTENCE_ENDS, TONE_MARKS, retone
from bot.ocr.decide.evidence import RAPID_WRITES

# The Vietnamese vowels with every tone mark, and the consonants (f, j, w, z: loanwords).
VOWELS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"
LETTERS = frozenset(VOWELS + "bcdđfghjklmnpqrstvwxz")
# Marks a word may start or end with; the ones a speck on the paper is read as.
_EDGE = ".,:;!?\"'()[]…-_“”„«»\u2018\u2019=~—\u2039\u203a"
_SPECKS = frozenset(".:_-=~—\u2039\u203a")
# Quotation marks: RapidOCR writes every one of them, so one Tesseract read at a word's edge
# where RapidOCR read none in the whole line is a speck too ("“Gọi", "Bình”").
_QUOTES = frozenset('"“”„«»')
# A speck between two letters of one word ("Mua.rau": a dot on the paper where the space is).
_INNER_SPECK = re.compile(r"(?<=[^\W\d_])[.:_](?=[^\W\d_])")
# What joins the parts of one written word ("Wi-Fi", "km/h", "o'clock"): kept, by a split.
_JOINED = re.compile("([-/'\u2019])")
# What a reader writes for a letter that looks alike (1 for l, † for a handwritten t).
_LOOKALIKES = {"1": "il", "|": "il", "0": "o", "5": "s", "8": "b", "†": "t", "i": "l", "l": "i"}
# A Vietnamese syllable: an onset, one to three vowels, a coda (wordfreq's list holds
# loanwords and names too: "leila" is no syllable to rewrite a word as).
_SYLLABLE = re.compile(
    "(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnprstvx])?"
    f"[{VOWELS}]{{1,3}}(?:ch|ng|nh|[cmnpt])?"
)
# How much a syllable's commonness (Zipf 0..7) counts against one edit; how close to
# RapidOCR's reading a rewrite of a word that is not broken must be; how many candidates
# nearest Tesseract's reading are weighed against RapidOCR's too.
_COMMONNESS, _NEAR_RAPID, _SHORTLIST = 0.25, 0.6, 24


@dataclass(frozen=True, slots=True)
class Repair:
    """Tesseract's line as repaired; ``guessed``: a word of it was rewritten with a letter
    neither reader read (:func:`read_through`), or a syllable's tone is in doubt: another
    makes a Vietnamese word with a neighbour where it makes none (:mod:`.compounds`)."""

    text: str
    guessed: bool


@lru_cache(maxsize=256)  # deciding judges a line's repair, and the text shown is the same
def repair(tesseract: str, rapid: str) -> Repair:
    """Tesseract's reading of a Vietnamese line with its broken words rewritten and its specks
    dropped, RapidOCR's reading of the same line (``""``: none) as evidence."""
    if rapid.strip() and not _INNER_SPECK.search(rapid):
        tesseract = _INNER_SPECK.sub(" ", tesseract)
    tokens = tesseract.split()
    if not tokens:
        return Repair(tesseract, guessed=False)
    facing = aligned(tokens, rapid)
    quoted = any(c in _QUOTES for c in rapid)
    out: list[str] = []
    faced: list[str] = []  # what RapidOCR read in the place of each word of ``out``
    guessed = False
    for token, seen in zip(tokens, facing, strict=True):
        lead, core, trail = split_edges(token)
        if seen is not None or rapid.strip():  # RapidOCR read the line, if not this place
            lead, trail = (_unspecked(m, seen or "", quoted=quoted) for m in (lead, trail))
        other = split_edges(seen)[1] if seen else ""
        word = _mend(core, other)
        guessed |= word != core and not (
            read_through(word, core, other) or recased(word, core, other)
        )
        if out and not out[-1].endswith(SENTENCE_ENDS) and _small_seen(word, other):
            word = word[0].lower() + word[1:]
        if lead or word or trail:
            out.append(lead + word + trail)
            faced.append(other)
    retoned = retone(out, faced)
    return Repair(" ".join(retoned.words), guessed or retoned.doubted)


def _small_seen(word: str, rapid: str) -> bool:
    """Tesseract capitalised a word (not all in capitals) whose first letter RapidOCR read
    small: a handwritten l or t Tesseract takes for L or T ("Lúc", "Lại", "Tháng" inside a
    sentence). Names keep their capital where RapidOCR read one too ("chị Hương")."""
    return (
        len(word) > 1
        and word[0].isupper()
        and not word.isupper()
        and rapid[:1].islower()
        and base_of(rapid[0]) == base_of(word[0])
    )


def _mend(core: str, rapid: str) -> str:
    """The word, each of its parts joined by a hyphen, slash or apostrophe rewritten on its
    own ("Wi-Fi"), against RapidOCR's parts where it read as many."""
    parts = _JOINED.split(core)
    if len(parts) == 1:
        return _rewrite(core, rapid)
    seen = _JOINED.split(rapid)
    if len(seen) != len(parts):
        seen = [""] * len(parts)
    return "".join(
        part if i % 2 else _rewrite(part, other)
        for i, (part, other) in enumerate(zip(parts, seen, strict=True))
    )


def _rewrite(core: str, rapid: str) -> str:
    """One word as read by Tesseract, mended against RapidOCR's (``""``: none), or as is."""
    if len(core) < 2 or core[0].isdigit() or not any(c in LETTERS for c in core.lower()):
        return core  # an initial, a number, a time ("15h30"): not a syllable to mend
    if core.lower() == rapid.lower() and _inner_capital(core) and not _inner_capital(rapid):
        return core[0] + rapid[1:]  # a capital inside RapidOCR read small ("HƯơng" / "Hương")
    if core.lower() == rapid.lower() or "@" in core:
        return core  # both readers read it so ("m2", "C++"), an address
    if not any(c.islower() for c in core) and any(c.isdigit() for c in core):
        return core  # a code ("A4", "H2O")
    broken = _broken(core, rapid)
    if not broken and rapid:
        letters = _letters_seen(core, rapid)
        known = syllables()
        if letters != core and known.get(letters.lower(), 0.0) >= known.get(core.lower(), 0.0):
            return letters  # RapidOCR's, where the word it makes is no rarer
    if not broken and (
        core.lower() in syllables() or not rapid or _skeleton(rapid) == _skeleton(core)
    ):
        return core
    read = _unreadable_capitals(core)
    candidates = candidates_for(read)
    if rapid:
        candidates |= candidates_for(rapid.lower(), rapid=True)
    if not candidates:
        return core
    known = syllables()

    def by_tesseract(word: str) -> float:
        return edit_cost(word, read, _tesseract_cost) - _COMMONNESS * known[word]

    # The nearest to Tesseract's reading first (a word RapidOCR allows can be far from it).
    scored = sorted((by_tesseract(w), w) for w in candidates)[:_SHORTLIST]
    if rapid:
        seen = _skeleton(rapid)
        scored = [(near + edit_cost(w, seen, _rapid_cost), w) for near, w in scored]
    best = min(scored)[1]
    if not broken and edit_cost(best, _skeleton(rapid), _rapid_cost) > _NEAR_RAPID:
        return core
    if core.isupper() and (not rapid or rapid.isupper()):
        return best.upper()  # a word in capitals ("HỌP")
    # the case of its first letter: Tesseract's where the word is its own reading ("SỬa":
    # only the case inside was odd), else RapidOCR's
    own = best == core.lower()
    first = rapid[0] if rapid and rapid[0].isalpha() and not own else core[0]
    return best[0].upper() + best[1:] if first.isupper() else best


def _letters_seen(core: str, rapid: str) -> str:
    """Tesseract's word with RapidOCR's letters where they read as many letters and differ
    only on consonants ("Hua" / "Mua" -> "Mua"), or on the marks of a vowel RapidOCR can
    write both ways and wrote marked ("Ồn" / "Ôn" -> "Ôn"): RapidOCR reads the shapes of
    handwritten letters far better (real pages: CER 0.33 against 0.93). Its bare vowels
    say nothing: it drops marks it could write; and Tesseract's marks it has no label for
    stay."""
    if len(rapid) != len(core):
        return core
    out = []
    for mine, seen in zip(core, rapid, strict=True):
        low, their = mine.lower(), seen.lower()
        if base_of(mine) == base_of(seen):
            marked = low != their and not seen.isascii() and {low, their} <= RAPID_WRITES
            out.append((their.upper() if mine.isupper() else their) if marked else mine)
        elif low in VOWELS or their in VOWELS or their not in LETTERS:
            return core
        else:
            out.append(seen)
    return "".join(out)


def read_through(word: str, tesseract: str, rapid: str) -> bool:
    """Every letter of ``word`` (a rewrite of Tesseract's word) was read by one reader or the
    other: RapidOCR read its base letters one for one, but for a letter it has no label for
    that Tesseract read ("†rước" / "trưc": the ớ), and in the place of each either
    Tesseract read a Vietnamese letter with the same marks (its base letter may differ:
    RapidOCR's stands) or RapidOCR wrote the very letter, marks and all (a consonant: it has
    none but đ's stroke; a bare vowel may be one whose mark it cannot write). An
    odd character, a capital inside the word or a letter either reader left out is a place
    where the rewrite's letter was guessed."""
    if _inner_capital(tesseract):
        return False  # a case-only mend is judged by :func:`recased`
    read, seen, word = tesseract.lower(), rapid.lower(), word.lower()
    if len(read) != len(word):
        return False
    # reach[j]: RapidOCR's first j letters account for the word's letters so far
    reach = [True] + [False] * len(seen)
    for t, w in zip(read, word, strict=True):
        skipped = w not in RAPID_WRITES and w in VOWELS and _same_marks(t, w)
        step = [False] * (len(seen) + 1)
        for j in range(len(seen) + 1):
            if not reach[j]:
                continue
            if skipped:
                step[j] = True
            if j < len(seen) and base_of(seen[j]) == base_of(w):
                r = seen[j]
                step[j + 1] |= (
                    t == w
                    or _same_marks(t, w)
                    or (r == w and (bool(marks_of(w)) or w not in VOWELS))
                )
        reach = step
    return reach[-1]


def recased(word: str, tesseract: str, rapid: str) -> bool:
    """``word`` is Tesseract's own letters and marks with only their case mended ("SỬa" ->
    "Sửa", "MƯợn" -> "Mượn": a typewriter face's tall ử or ư read as a capital), and RapidOCR
    read the word without a capital after its first letter: no letter was guessed."""
    return (
        word.lower() == tesseract.lower()
        and rapid[:1].isalpha()
        and not any(c.isupper() for c in rapid[1:])
    )


def _same_marks(tesseract: str, letter: str) -> bool:
    """Tesseract read a Vietnamese letter with the marks ``letter`` has (đ's stroke too)."""
    return (
        tesseract in LETTERS
        and marks_of(tesseract) == marks_of(letter)
        and (tesseract == "đ") == (letter == "đ")
    )


def _unreadable_capitals(core: str) -> str:
    """The word in lower case, a capital inside it (not all capitals) as an unreadable
    character: "HRp" is "h?p", Tesseract's way of writing a letter it could not read; but
    a word that is a syllable in lower case ("SỬa": a tall ử of a typewriter face) is one
    whose case was misread, its letters and marks read."""
    if core.isupper() or core.lower() in syllables():
        return core.lower()
    return core[0].lower() + "".join("?" if c.isupper() else c for c in core[1:])


def _broken(core: str, rapid: str) -> bool:
    """A character outside the Vietnamese alphabet that RapidOCR did not read too (a digit:
    between letters, or where RapidOCR read the word without it; "m2" is a unit), or a
    capital inside a word not all in capitals: no Vietnamese word is written so."""
    for i, char in enumerate(core):
        if char.lower() in LETTERS or char in rapid:
            continue
        if not char.isdigit() or rapid or core[i + 1 : i + 2].isalpha():
            return True
    return _inner_capital(core)


def _inner_capital(word: str) -> bool:
    """A capital after the first letter of a word not all in capitals."""
    return not word.isupper() and any(c.isupper() for c in word[1:])


@lru_cache(maxsize=1)
def syllables() -> dict[str, float]:
    """Vietnamese syllables (lower case) and their Zipf frequency, from the installed wordfreq
    data (no network)."""
    from wordfreq import top_n_list, zipf_frequency

    return {
        w: zipf_frequency(w, "vi")
        for w in top_n_list("vi", 100_000)  # all it has: about 10 600 words
        if _SYLLABLE.fullmatch(w) and sum(_toned(c) for c in w) <= 1
    }


# A word written without a tone mark that Vietnamese writes with one far more often is a
# mark the readers missed: wordfreq's Vietnamese also counts text typed without marks, so
# "hoc" (Zipf 3.3; "học" 6.5), "goi" (3.3; "gọi" 6.0) or "ngoai" (3.0; "ngoài" 6.1) look like
# words. A handwritten dot below is small and far from its letter: Tesseract misses it, and
# RapidOCR has no label for it to read. Words common without a mark ("ba", "nha", "lai",
# "top", "web") are no doubt. A syllable ending in p, t, c or ch takes an acute or a dot
# below in every Vietnamese word: without one ("hop", "hoc") it is a loanword at best.
_TONELESS_RARE = 4.5  # the word without a mark is rarer than this (Zipf)
_TONELESS_GAP = 1.5  # and a marked form of it commoner by at least this much
_CHECKED = ("p", "t", "c", "ch")


# The consonants a Vietnamese syllable starts with (the longest first).
_ONSET = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])")


def onset_contradicts(tesseract: str, rapid: str) -> bool:
    """A word of Tesseract's starts with another consonant than RapidOCR read in its place
    ("Gắt" / "Ct" on the page "Cắt"): RapidOCR writes every consonant, so the two readers
    differ on a letter both can write (d and đ aside: RapidOCR misses the crossbar)."""
    words = tesseract.split()
    for word, seen in zip(words, aligned(words, rapid), strict=True):
        if seen is None:
            continue
        ours, theirs = (_ONSET.match(split_edges(w)[1].lower()) for w in (word, seen))
        if ours and theirs and _other_consonant(ours.group()[0], theirs.group()[0]):
            return True
    return False


def _other_consonant(ours: str, theirs: str) -> bool:
    return ours != theirs and {ours, theirs} != {"d", "đ"}


def toneless(text: str) -> str:
    """The first word of ``text`` that is most likely a Vietnamese syllable whose tone mark
    was not read ("Hop" for "Họp", "hoc" for "học"), or ""."""
    for found in re.finditer(r"[^\W\d_]{2,}", text):
        word = found.group()
        lower = word.lower()
        if any(_toned(c) for c in lower) or not all(c in LETTERS for c in lower):
            continue
        own = syllables().get(lower, 0.0)
        gap = 0.0 if lower.endswith(_CHECKED) else _TONELESS_GAP
        marked = _marked().get(lower)
        if own < _TONELESS_RARE and marked is not None and marked - own >= gap:
            return word
    return ""


@lru_cache(maxsize=1)
def _marked() -> dict[str, float]:
    """The Zipf frequency of the commonest tone-marked syllable of each spelling without
    tone marks ("hoc": that of "học")."""
    best: dict[str, float] = {}
    for word, zipf in syllables().items():
        if any(_toned(c) for c in word):
            bare = _untoned(word)
            best[bare] = max(best.get(bare, 0.0), zipf)
    return best


def _untoned(word: str) -> str:
    """``word`` without its tone marks, its other marks kept ("học" -> "hoc", "mười" -> "mươi")."""
    kept = "".join(c for c in unicodedata.normalize("NFD", word) if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", kept)


def _toned(char: str) -> bool:
    """The letter carries a tone mark (grave, acute, hook, tilde, dot below)."""
    return any(m in unicodedata.normalize("NFD", char) for m in TONE_MARKS)


@lru_cache(maxsize=1)
def _listing() -> str:
    return "\n".join(syllables())


@lru_cache(maxsize=64)
def _variants(base: str) -> str:
    """Every Vietnamese letter whose base letter is ``base`` (a regex class body)."""
    return "".join(sorted(c for c in LETTERS if _skeleton(c) == base)) or re.escape(base)


def candidates_for(word: str, *, rapid: bool = False) -> set[str]:
    """The syllables this reading allows: its letters with any marks (or a letter they look
    like), an unreadable character as the letter it looks like or one or two vowels (where
    the marks a reader fails on are); RapidOCR's reading with the vowels it could not write
    put back anywhere."""
    vowel = f"[{VOWELS}]"
    gap = f"{vowel}{{0,2}}" if rapid else ""
    parts = [gap]
    for char in word:
        base = _skeleton(char)
        if char in LETTERS or (rapid and base in LETTERS):
            alike = "".join(_variants(_skeleton(a)) for a in _LOOKALIKES.get(base, ""))
            parts.append(f"[{_variants(base)}{alike}]")
        elif char in _LOOKALIKES:
            alike = "".join(_variants(a) for a in _LOOKALIKES[char])
            parts.append(f"(?:[{alike}]|{vowel}{{1,2}})")
        else:
            parts.append(f"{vowel}{{1,2}}")
        parts.append(gap)
    pattern = re.compile("^" + "".join(parts) + "$", re.MULTILINE)
    return set(pattern.findall(_listing()))


def _skeleton(text: str) -> str:
    """Base letters, lower case, one character for one: a letter with marks Vietnamese has
    or not ("ờ", "ā", "Ñ") counts as its base letter; a character without one stays."""
    return "".join(base_of(c) for c in text)


@lru_cache(maxsize=4096)
def base_of(char: str) -> str:
    char = char.lower()
    base = "d" if char == "đ" else unicodedata.normalize("NFD", char)[0]
    return base if "a" <= base <= "z" else char


def _unread(letter: str) -> float:
    """Cost of a reader writing an odd character for ``letter``: it is a letter with marks
    it could not read or write far more often than a plain one."""
    if letter not in VOWELS:
        return 0.6
    return 0.45 if letter in "aeiouy" else 0.3


def _tesseract_cost(a: str | None, b: str | None) -> float:
    """Cost of turning a syllable's letter ``a`` into Tesseract's ``b`` (None: nothing).
    An odd character Tesseract wrote stands for ink: reading it as nothing costs too."""
    if a is None or b is None:
        return 0.7 if (b is not None and b not in LETTERS) else 1.0
    if a == b:
        return 0.0
    if base_of(a) in _LOOKALIKES.get(b, ""):
        return 0.3
    if b not in LETTERS:
        return _unread(a)
    # Tesseract sees marks well where it reads the letter: a mark it did not write counts.
    marks = 0.4 if marks_of(a) != marks_of(b) else 0.0
    return marks if base_of(a) == base_of(b) else 1.0 + marks


@lru_cache(maxsize=4096)
def marks_of(char: str) -> str:
    return unicodedata.normalize("NFD", char)[1:]


def _rapid_cost(a: str | None, b: str | None) -> float:
    """Cost of turning a syllable's letter ``a`` into RapidOCR's base letter ``b``: RapidOCR
    drops a vowel it cannot write, or writes an odd letter for it."""
    if a is None:
        return 1.0
    if b is None:
        return 0.5 if a in VOWELS else 1.0
    if base_of(a) == b:
        return 0.0
    if b not in LETTERS:
        return _unread(a)
    return 0.5 if base_of(a) in _LOOKALIKES.get(b, "") else 1.0


def edit_cost(a: str, b: str, cost: Callable[[str | None, str | None], float]) -> float:
    """Weighted edit distance from ``a`` to ``b``."""
    previous = [0.0]
    for cb in b:
        previous.append(previous[-1] + cost(None, cb))
    for ca in a:
        current = [previous[0] + cost(ca, None)]
        for j, cb in enumerate(b, 1):
            current.append(
                min(
                    previous[j] + cost(ca, None),
                    current[j - 1] + cost(None, cb),
                    previous[j - 1] + cost(ca, cb),
                )
            )
        previous = current
    return previous[-1]


def split_edges(token: str) -> tuple[str, str, str]:
    start, end = 0, len(token)
    while start < end and token[start] in _EDGE:
        start += 1
    while end > start and token[end - 1] in _EDGE:
        end -= 1
    return token[:start], token[start:end], token[end:]


def _unspecked(marks: str, seen: str, *, quoted: bool) -> str:
    """The marks at a word's edge, less the specks RapidOCR did not see there and the
    quotation marks where it saw none in the line (``quoted``: it saw one)."""
    return "".join(
        m for m in marks if (m not in _SPECKS or m in seen) and (m not in _QUOTES or quoted)
    )


def aligned(tokens: list[str], rapid: str) -> list[str | None]:
    """For each of Tesseract's words, what RapidOCR read in its place (spaces dropped; None
    where RapidOCR read nothing there)."""
    if not rapid.strip():
        return [None] * len(tokens)
    if len(rapid.split()) == len(tokens):
        return list(rapid.split())
    line = " ".join(tokens)
    a, b = _skeleton(line), _skeleton(rapid)
    # Edit distance table, then back from its end: which character of b each of a's faces.
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb)))
        rows.append(row)
    facing: list[int | None] = [None] * len(a)
    i, j = len(a), len(b)
    while i > 0 and j > 0:
        if rows[i][j] == rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            facing[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif rows[i][j] == rows[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    out: list[str | None] = []
    at = 0
    for token in tokens:
        faced = [f for f in facing[at : at + len(token)] if f is not None]
        at += len(token) + 1
        seen = rapid[min(faced) : max(faced) + 1].replace(" ", "") if faced else ""
        out.append(seen or None)
    return out
