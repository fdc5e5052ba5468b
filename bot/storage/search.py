"""Full-text search, the part both backends share: the text the index stores for a note
(``search_text``: diacritics folded, lower-cased, CJK runs as overlapping bigrams), a query
parsed the same way, the FTS5 MATCH expression, and the snippet of a hit (plain data: the
excerpt and where the query matched; the /search reply renders it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Snippet:
    """A one-line excerpt of a note around the first match ("…" where it was cut, lines joined
    by " / "), and the ``(start, end)`` spans of ``text`` the query matched, in order."""

    text: str
    matches: tuple[tuple[int, int], ...]


# Han (incl. extension A and compatibility), kana and Hangul: scripts written without spaces.
_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_WORD = re.compile(rf"[^\W{_CJK_CLASS}]+")
# Letters that carry no combining mark under NFKD but that people still type without it.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"})
_SUFFIXES = ("ings", "ing", "edly", "ed", "es", "s", "ly")


def fold(text: str) -> str:
    """Lower-case and strip diacritics (not applied to CJK, where NFKD would split Hangul)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _cjk_tokens(run: str) -> list[str]:
    # Overlapping bigrams make any 2+ character substring findable; the run's last character
    # is added alone so a one-character query (prefix match) finds it at the end of a run too.
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def search_text(text: str) -> str:
    """What the full-text index stores for ``text``."""
    # Only bare words separated by spaces: PostgreSQL's parser would otherwise read "<b>"
    # as an HTML tag or "a@b.com" as one e-mail token, and find different things than FTS5.
    text = unicodedata.normalize("NFC", text)
    parts: list[str] = []
    pos = 0
    for match in _CJK_RUN.finditer(text):
        parts += _WORD.findall(fold(text[pos : match.start()]))
        parts += _cjk_tokens(match.group())
        pos = match.end()
    parts += _WORD.findall(fold(text[pos:]))
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Query:
    words: tuple[str, ...]  # folded words, matched as prefixes (and by stem)
    cjk_runs: tuple[str, ...]  # CJK substrings as typed

    @property
    def empty(self) -> bool:
        return not self.words and not self.cjk_runs


def parse_query(query: str) -> Query:
    query = unicodedata.normalize("NFC", query)
    cjk = tuple(m.group() for m in _CJK_RUN.finditer(query))
    rest = _CJK_RUN.sub(" ", query)
    words = tuple(dict.fromkeys(_WORD.findall(fold(rest))))
    return Query(words=words[:16], cjk_runs=cjk[:8])


def cjk_query_terms(run: str) -> tuple[list[str], list[str]]:
    """(exact tokens, prefix tokens) that a CJK run must match."""
    if len(run) == 1:
        return [], [run]
    return [run[i : i + 2] for i in range(len(run) - 1)], []


def fts5_match(q: Query) -> str:
    # Terms only contain word characters; quoting keeps FTS5 from reading "AND"/"NOT" etc.
    # One-letter words match exactly: as prefixes they would match nearly every note.
    terms = [f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in q.words]
    for run in q.cjk_runs:
        exact, prefix = cjk_query_terms(run)
        terms += [f'"{t}"' for t in exact] + [f'"{t}"*' for t in prefix]
    return " AND ".join(terms)


def _light_stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _match_spans(text: str, q: Query) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    stems = [(w, _light_stem(w)) for w in q.words]
    for m in _WORD.finditer(text):
        word = fold(m.group())
        if any(
            word == w or (len(w) > 1 and (word.startswith(w) or word.startswith(s)))
            for w, s in stems
        ):
            spans.append(m.span())
    for run in q.cjk_runs:
        start = text.find(run)
        while start != -1:
            spans.append((start, start + len(run)))
            start = text.find(run, start + len(run))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippet(text: str, q: Query, width: int = 160) -> Snippet:
    """The excerpt of ``text`` around the first match of ``q``, at most ``width`` characters
    of the note."""
    text = unicodedata.normalize("NFC", text)
    spans = _match_spans(text, q)
    lo, hi = 0, len(text)
    if len(text) > width:
        first = spans[0][0] if spans else 0
        lo = max(0, first - width // 3)
        hi = min(len(text), lo + width)
        lo = max(0, hi - width)
    # Lines become " / " so a hit stays on one line in a list of results. Matches hold no
    # white space, so joining lines only ever changes the text between them.
    joined = ["…" if lo > 0 else ""]
    matches: list[tuple[int, int]] = []
    pos = lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        joined.append(_join_lines(text[pos:start]))
        at = sum(map(len, joined))
        matches.append((at, at + end - start))
        joined.append(text[start:end])
        pos = end
    joined += [_join_lines(text[pos:hi]), "…" if hi < len(text) else ""]
    excerpt = "".join(joined)
    cut = len(excerpt) - len(excerpt.lstrip())
    return Snippet(excerpt.strip(), tuple((a - cut, b - cut) for a, b in matches))


def _join_lines(text: str) -> str:
    return re.sub(r"\s*\n\s*", " / ", text)
