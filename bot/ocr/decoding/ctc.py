"""Decoding the recognizer's CTC output: greedy (what RapidOCR does) and a prefix beam
search that weighs each reading with a character language model.

The input is the recognizer's T x labels matrix of probabilities (each row sums to 1;
column 0 is the CTC blank). A reading is a path through it: at each timestep one label,
repeats merged, blanks dropped. Greedy takes the likeliest label at each step. The beam
search keeps the ``width`` likeliest *prefixes* (texts so far, every path that spells them
summed), each scored

    log P(prefix | image) + alpha * log P_lm(prefix) + beta * characters

so the LM can prefer "would" to "mould" where the image leaves the two close, and cannot
where the image is clear. With a word list (:mod:`bot.ocr.decoding.wordlist`), a word that
is none of the language's common words pays ``Weights.oov`` and a common one earns
``Weights.unigram`` for how common it is ("mever" -> "never"). A user's own words
(:mod:`bot.ocr.decoding.hotwords`) add to the LM's part where a prefix has one whole, and a
prefix spelling one has room of its own in the beam. Labels under ``prune`` at a step are
never tried, and a step that is blank for sure (most steps between letters) costs almost
nothing.

Plain numpy and Python: the measured alternative (pyctcdecode with a kenlm word model)
turned more unreadable stretches into real but wrong words; see bench/README.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from bot.ocr.decoding import case
from bot.ocr.decoding.hotwords import Hotwords, Shown
from bot.ocr.decoding.standing import Standing, logadd
from bot.ocr.decoding.wordlist import WORDS, Wordlist

BLANK = 0
_NEG = -math.inf
_LOG2 = math.log(2.0)


class CharScorer(Protocol):
    """What the beam search asks of a language model (:class:`bot.ocr.decoding.lm.CharLM`)."""

    def fold(self, char: str) -> str: ...

    def knows(self, char: str) -> bool: ...

    def logp(self, context: str, char: str) -> float: ...


# What scores a reading's language: the character model, and the word list if any.
Models = tuple[CharScorer, Wordlist | None]


@dataclass(frozen=True, slots=True)
class Weights:
    """How much the language model counts against the image (tuned in bench.decoding)."""

    alpha: float = 0.5  # weight of the LM's log probability
    beta: float = 1.0  # bonus per character the LM scores (alone it prefers short readings)
    # what a character the LM does not model (digits, signs, other scripts) adds: the LM
    # abstains, so neither its price nor the bonus
    unknown: float = 0.0
    width: int = 12  # prefixes kept
    prune: float = 1e-3  # labels less likely than this at a step are not tried
    # log P of a letter's case (the LM knows lower case only, and readers confuse R and r,
    # F and f): a capital after a small letter of the same word ("RepoRt") ...
    inner_capital: float = 0.0
    # ... and a word capitalised inside a sentence ("Read chapter Five"; 0 for German,
    # which capitalises its nouns)
    capital_word: float = 0.0
    # The word list (:mod:`bot.ocr.decoding.wordlist`; both 0: none): what a word costs
    # that is none of the language's ``lexicon`` most frequent words, and what a word among
    # them earns per Zipf unit above an ordinary word's
    oov: float = 0.0
    unigram: float = 0.0
    lexicon: int = WORDS


@dataclass(frozen=True, slots=True)
class Greedy:
    """The greedy reading: text, RapidOCR's score (mean probability of the characters
    read), and for each character the first and last timestep it was read at."""

    text: str
    score: float
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def peaks(self, probs: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Each character's probability at its surest step, and its margin there over the
        next likeliest label (the line score averages these away: one doubtful character in
        a sure line is what a wrong line often is)."""
        best = probs.argmax(axis=1)
        steps = [
            s + int(probs[s : e + 1, best[s]].argmax())
            for s, e in zip(self.starts, self.ends, strict=True)
        ]
        rows = probs[steps]  # a copy: the best label of each row is put out of the way
        chars = np.arange(len(steps))
        peak = rows[chars, best[steps]]
        rows[chars, best[steps]] = 0.0
        return peak, peak - rows.max(axis=1, initial=0.0)


def greedy(probs: NDArray[np.float32], labels: list[str]) -> Greedy:
    """The likeliest label at each step, repeats merged, blanks dropped."""
    best = probs.argmax(axis=1)
    chars: list[str] = []
    confs: list[float] = []
    starts: list[int] = []
    ends: list[int] = []
    previous = BLANK
    for t, label in enumerate(best.tolist()):
        if label != BLANK:
            if label != previous:
                chars.append(labels[label])
                confs.append(float(probs[t, label]))
                starts.append(t)
                ends.append(t)
            else:
                ends[-1] = t
        previous = label
    score = float(np.mean(confs)) if confs else 0.0
    return Greedy("".join(chars), score, tuple(starts), tuple(ends))


@dataclass(slots=True)
class _Beam:
    blank: float  # log P of the paths spelling this prefix and ending in a blank
    label: float  # ... ending in its last label
    lm: float  # alpha * log P_lm(prefix) + beta * len(prefix) (+ its whole hotwords' bonus)
    context: str  # the LM's context: lower-cased letters of the current word
    token: str | None = ""  # the hotword the current word spells so far (Hotwords.step)
    # kept only for the hotword it spells (room beyond the width) until the word is whole
    guest: bool = False
    # the hotword the token spells passed over a letter the image shows (see _astray) ...
    skipped: bool = False
    # ... or its last letter was read where the image shows none: no bonus for it then
    faint: bool = False
    # the current word starts with a capital the image allows small, inside a sentence:
    # its price is given back where the word ends if it is no common word (likely a name)
    # or a name the language writes capitalised only (bot.ocr.wordcase)
    capital: bool = False

    def total(self) -> float:
        return logadd(self.blank, self.label)


def search(
    probs: NDArray[np.float32],
    labels: list[str],
    lm: CharScorer,
    weights: Weights = Weights(),
    hotwords: Hotwords | None = None,
    words: Wordlist | None = None,
) -> tuple[str, Standing]:
    """The best reading by image and language model together (see the module docstring),
    helped along where it spells one of ``hotwords``; with ``words``, a word of the reading
    that is none of them pays their price (:mod:`bot.ocr.decoding.wordlist`); and how it
    stands among the readings the beam kept (:mod:`bot.ocr.decoding.standing`)."""
    if probs.shape[0] == 0:
        return "", Standing()
    sure_blank = probs[:, BLANK] >= 1.0 - weights.prune
    rows = np.flatnonzero(~sure_blank)
    # the few labels worth trying at each step, with their log probabilities
    steps: dict[int, list[tuple[int, float]]] = {}
    for t in rows.tolist():
        likely = np.flatnonzero(probs[t] >= weights.prune).tolist()
        steps[t] = [(i, math.log(float(probs[t, i]))) for i in likely]
    beams: dict[str, _Beam] = {"": _Beam(0.0, _NEG, 0.0, " ")}
    shown = hotwords.shown(probs, labels) if hotwords is not None else []
    for t in range(probs.shape[0]):
        if sure_blank[t]:
            step = math.log(float(probs[t, BLANK]))
            for beam in beams.values():
                beam.blank, beam.label = beam.total() + step, _NEG
            continue
        beams = _step(
            beams, steps[t], labels, (lm, words), weights, hotwords, shown[t] if shown else None
        )
    # a guest still spelling a user's word is no reading
    done = [p for p, b in beams.items() if not b.guest or _whole(b, hotwords)]
    ranked = {p: _ranked(beams[p], (lm, words), weights, hotwords) for p in done}
    best = max(done, key=ranked.__getitem__)
    kept = ((p, ranked[p], beams[p].total()) for p in done)
    return " ".join(best.split()), Standing.among(best, kept)


def _step(
    beams: dict[str, _Beam],
    candidates: list[tuple[int, float]],
    labels: list[str],
    models: Models,
    weights: Weights,
    hotwords: Hotwords | None,
    shown: Shown | None = None,
) -> dict[str, _Beam]:
    following: dict[str, _Beam] = {}
    carried: dict[str, float] = {}  # log P of each prefix's paths that read no new label

    def add(prefix: str, blank: float, label: float, parent: _Beam, char: str) -> None:
        beam = following.get(prefix)
        if beam is None:
            beam = following[prefix] = _child(
                parent, char, models, weights, hotwords, prefix[:-1], char.lower() in here, shown
            )
        elif parent.guest and not beam.guest:
            return  # the beams kept anyway are scored as without hotwords (guests come last)
        beam.blank = logadd(beam.blank, blank)
        beam.label = logadd(beam.label, label)
        if shown is not None and not char:
            carried[prefix] = logadd(carried.get(prefix, _NEG), logadd(blank, label))

    # letters the image allows in either case here: only between those does case cost
    here = {labels[index] for index, _ in candidates}
    for prefix, beam in beams.items():
        total = beam.total()
        last = prefix[-1] if prefix else ""
        for index, p in candidates:
            if index == BLANK:
                add(prefix, total + p, _NEG, beam, "")
                continue
            char = labels[index]
            if char == last:
                # the same label again: a repeat unless a blank came between
                add(prefix, _NEG, beam.label + p, beam, "")
                add(prefix + char, _NEG, beam.blank + p, beam, char)
            else:
                add(prefix + char, _NEG, total + p, beam, char)
    ranked = sorted(following.items(), key=lambda kv: -(kv[1].total() + kv[1].lm))
    if hotwords is None:
        return dict(ranked[: weights.width])
    # The width as without hotwords, then room for prefixes spelling a user's word: guests,
    # dropped once they leave it (so they change the reading only where the word is whole).
    kept = dict([kv for kv in ranked if not kv[1].guest][: weights.width])
    spelling = [kv for kv in ranked if kv[0] not in kept and kv[1].token]
    for prefix, beam in spelling[: hotwords.room]:
        beam.guest = True
        kept[prefix] = beam
    if shown is not None:
        for prefix, beam in kept.items():
            if beam.token is not None:
                _astray(beam, prefix, beams, carried.get(prefix, _NEG), shown)
    return kept


def _astray(
    beam: _Beam, prefix: str, beams: dict[str, _Beam], carried: float, shown: Shown
) -> None:
    """Mark whether ``beam``, spelling a hotword, strays from the image, as its likelier paths
    have it: its last letter read here where the image shows none ("Nguyens" read in
    "Nguyen" and a speck); or read before (``carried``: the paths of the same text a step
    ago) and a letter shown since, passed over ("bearer" read in "bearers", "Jonson" in
    "Johnson"). Letters the image leaves unsure may be read otherwise; none it shows skipped."""
    before = beams.get(prefix)
    if before is None or carried < beam.total() - _LOG2:
        if not beam.token:  # a space or sign read: a user's word may start after it
            beam.skipped = beam.faint = False
            return
        parent = beams.get(prefix[:-1])
        beam.skipped, beam.faint = parent is not None and parent.skipped, not shown.letter
    elif not beam.token:
        # a word passed over: the next one read starts no user's word
        beam.token = None if shown.fresh else beam.token
    else:
        beam.skipped = before.skipped or shown.fresh
        beam.faint = before.faint


def _child(
    parent: _Beam,
    char: str,
    models: Models,
    weights: Weights,
    hotwords: Hotwords | None,
    before: str,
    cased: bool,
    shown: Shown | None = None,
) -> _Beam:
    """A new prefix: ``parent``'s (spelling ``before``) with ``char`` read after it (none:
    the same text); ``cased``: the image allows its small letter too; ``shown``: what the
    image shows at this step (:meth:`Hotwords.shown`)."""
    if not char:
        return _Beam(
            _NEG, _NEG, parent.lm, parent.context, parent.token, parent.guest,
            parent.skipped, parent.faint, parent.capital,
        )  # fmt: skip
    lm_score, context, capital = _extend(parent, char, models, weights, before=before, cased=cased)
    if hotwords is None:
        return _Beam(_NEG, _NEG, lm_score, context, capital=capital)
    token, bonus = hotwords.step(parent.token, char)
    if bonus and (_strays(parent) or (shown is not None and shown.fresh)):
        bonus = 0.0  # the word written goes on where this reading ends it ("bearer[s]")
    if shown is not None and token == "" and not shown.gap:
        # a space or sign the image does not show here starts no user's word ("pall bearer"
        # read in "pallbearer"); it may end one (ending it so or with a digit read next to
        # it alike: "invoice 2041" and "invoice2041" are the image's to choose between)
        token = None
    # a guest that has read the user's word whole is a beam like any other
    return _Beam(
        _NEG, _NEG, lm_score + bonus, context, token, parent.guest and not bonus, capital=capital
    )


def _extend(
    parent: _Beam,
    char: str,
    models: Models,
    weights: Weights,
    before: str = "",
    cased: bool = False,
) -> tuple[float, str, bool]:
    """The LM score, context and :attr:`_Beam.capital` after ``char``, written after
    ``before`` (``cased``: the image allows its small letter too, see
    :mod:`bot.ocr.decoding.case`)."""
    lm, words = models
    lower = lm.fold(char)
    if char.isspace():
        if parent.context == " ":
            # a space after a space, or a space after a digit or sign: nothing to score
            return parent.lm, " ", False
        ended = _ended(parent.context, models, weights, parent.capital)
        return parent.lm + ended + weights.beta, " ", False
    if len(lower) == 1 and lm.knows(lower):
        score = weights.alpha * lm.logp(parent.context, lower) + weights.beta
        score += case.price(before, char, cased, weights.capital_word, weights.inner_capital)
        if words is not None and words.leaves(parent.context[1:], parent.context[1:] + lower):
            score += weights.oov
        capital = parent.capital
        if parent.context == " ":
            capital = case.capitalised(before, char, cased)
            score += weights.capital_word if capital else 0.0
        return parent.lm + score, parent.context + lower, capital
    # digits, signs, other scripts: the word before ends here (so a sign is no way to
    # dodge the price of ending a word), and the next letter starts a new one. A word
    # ended by a sign earns what a word ended by a space earns (the space after the sign
    # then scores nothing): else the LM would charge every comma and full stop the
    # space's bonus, and "ink, batteries" would lose its comma to the image's doubt. A
    # word ended by a digit does not: a number written against a word ("at4 pm") is rare
    if parent.context == " ":
        return parent.lm + weights.unknown, " ", False
    ended = _ended(parent.context, models, weights, parent.capital)
    if not char.isdigit():
        ended += weights.beta
    return parent.lm + ended + weights.unknown, " ", False


def _ended(context: str, models: Models, weights: Weights, capital: bool = False) -> float:
    """What ending the word ``context`` (a boundary, then its folded letters) scores: the
    LM's price of the boundary after it, the word list's term
    (:meth:`bot.ocr.decoding.wordlist.Wordlist.ended`), and, for a word written with a
    capital inside a sentence (``capital``: it paid ``capital_word`` at its first letter,
    so that the search weighs it all along) that is none of the list's words, or one the
    language writes capitalised only, that price given back: "Read chapter Five" pays, a
    name such as "Kyoto", "Siobhan" or "Anna" does not, nor "Friday"."""
    lm, words = models
    end = weights.alpha * lm.logp(context, " ")
    if words is not None:
        end += words.ended(context[1:], weights.oov, weights.unigram)
        if capital and (not words.common(context[1:]) or context[1:] in words.names):
            end -= weights.capital_word
    return end


def _strays(beam: _Beam) -> bool:
    return beam.skipped or beam.faint


def _whole(beam: _Beam, hotwords: Hotwords | None) -> bool:
    return hotwords is not None and not _strays(beam) and hotwords.whole(beam.token) > 0


def _ranked(beam: _Beam, models: Models, weights: Weights, hotwords: Hotwords | None) -> float:
    """A finished beam's score: a word left open is closed (its end scored by the LM and
    the word list, a whole hotword's bonus earned, and the bonus of the boundary: as a
    word ended by a sign earns it, a line's last word ends as well without one)."""
    end = 0.0
    if beam.context != " ":
        end = _ended(beam.context, models, weights, beam.capital) + weights.beta
    if hotwords is not None and not _strays(beam):
        end += hotwords.whole(beam.token)
    return beam.total() + beam.lm + end
