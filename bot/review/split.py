"""Splitting Telegram-HTML text into messages within Telegram's limit: at line ends where
possible, never inside a tag, an entity, an element or between a letter and its marks."""

from __future__ import annotations

import re
import unicodedata

MESSAGE_LIMIT = 4096  # Telegram's maximum message length

_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
# Characters that belong to the one before them; a split must not separate them.
_JOINERS = frozenset("\u200d\u200c\ufe0e\ufe0f")


def utf16_units(text: str) -> int:
    # Telegram counts UTF-16 code units; an emoji is two. Counting the raw HTML (entities and
    # tags included) over-estimates the visible length, which is the safe side.
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The longest prefix (in code points) of ``text`` that is at most ``limit`` units."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def _open_element(text: str, cut: int) -> int:
    """Where the outermost element still open at ``cut`` starts, or -1 if none is open."""
    stack: list[tuple[str, int]] = []
    for match in _TAG_RE.finditer(text, 0, cut):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append((name, match.start()))
        elif stack and stack[-1][0] == name:
            stack.pop()
    return stack[0][1] if stack else -1


def _safe_cut(text: str, cut: int) -> int:
    """Move ``cut`` left so it falls on a space if one is near, and never inside an HTML
    entity, a tag, an element (``<b>..</b>``) or between a letter and its combining marks."""
    if cut >= len(text):
        return cut
    space = max(text.rfind(" ", 0, cut), text.rfind("\t", 0, cut))
    if space >= 0 and space + 1 > cut * 4 // 5:
        cut = space + 1
    for _ in range(8):  # each step only moves left; a few rounds settle every case
        before = cut
        tag = text.rfind("<", 0, cut)
        if tag > 0 and text.find(">", tag, cut) == -1 and text.find(">", cut) != -1:
            cut = tag
        element = _open_element(text, cut)
        if element > 0:
            cut = element
        amp = text.rfind("&", 0, cut)
        if amp > 0 and (match := _ENTITY_RE.match(text, amp)) and match.end() > cut:
            cut = amp
        while cut > 1 and (unicodedata.combining(text[cut]) or text[cut] in _JOINERS):
            cut -= 1
        if cut == before:
            break
    return cut


def _hard_split(text: str, limit: int) -> list[str]:
    """Split one over-long line into pieces of at most ``limit`` units."""
    parts: list[str] = []
    while utf16_units(text) > limit:
        fit = _fit(text, limit)
        cut = _safe_cut(text, fit)
        if cut <= 0:  # nothing safe (one element longer than a message): cut anyway
            cut = max(1, fit)
        parts.append(text[:cut])
        text = text[cut:]
    parts.append(text)
    return parts


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML ``text`` into messages of at most ``limit`` units, at line ends where
    possible. ``"".join(result) == text``: newlines stay at the end of their chunk (Telegram
    trims them). Empty text gives no chunks."""
    if limit < 16:
        raise ValueError("limit too small to split HTML safely")
    chunks: list[str] = []
    current = ""
    current_units = 0
    pieces = text.split("\n")
    for n, body in enumerate(pieces):
        piece = body if n == len(pieces) - 1 else body + "\n"
        if not piece:
            continue
        size = utf16_units(piece)
        if current_units + size <= limit:
            current += piece
            current_units += size
            continue
        if current:
            chunks.append(current)
        if size <= limit:
            current, current_units = piece, size
            continue
        tail = piece[len(body) :]
        parts = _hard_split(body, limit)
        if tail and utf16_units(parts[-1]) + utf16_units(tail) > limit:
            # Make room for the newline so it does not become a message of its own.
            parts = parts[:-1] + _hard_split(parts[-1], limit - utf16_units(tail))
        parts[-1] += tail
        chunks.extend(parts[:-1])
        current = parts[-1]
        current_units = utf16_units(current)
    if current:
        chunks.append(current)
    return chunks
