"""What a note stores for each of its pages: the Telegram file_id, and where in that file.

A photo's page is its file_id as it is. A page of a PDF or a multi-page TIFF names the
document, the page in it, and (for a PDF) the pixel size it was rendered at, because the
line boxes stored with the note are in those pixels:

    pdf:<page>:<width>x<height>:<file_id>      tiff:<page>:<file_id>

Telegram file_ids are URL-safe base64 and never contain ":", so a plain file_id never
looks like a reference to a page in a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PageKind = Literal["image", "pdf", "tiff"]


@dataclass(frozen=True, slots=True)
class PageRef:
    file_id: str
    kind: PageKind = "image"
    index: int = 0  # page in the document, 0-based
    size: tuple[int, int] | None = None  # a PDF page: the pixel size it was read at

    def __str__(self) -> str:
        if self.kind == "pdf":
            width, height = self.size or (0, 0)
            return f"pdf:{self.index}:{width}x{height}:{self.file_id}"
        if self.kind == "tiff":
            return f"tiff:{self.index}:{self.file_id}"
        return self.file_id


def parse(ref: str) -> PageRef:
    """The page a stored reference names (anything unknown is taken as a plain file_id)."""
    kind, _, rest = ref.partition(":")
    try:
        if kind == "pdf":
            index, size, file_id = rest.split(":", 2)
            width, height = (int(v) for v in size.split("x"))
            return PageRef(file_id, "pdf", int(index), (width, height))
        if kind == "tiff":
            index, file_id = rest.split(":", 1)
            return PageRef(file_id, "tiff", int(index))
    except ValueError:
        pass
    return PageRef(ref)


def files(refs: list[str]) -> list[str]:
    """The distinct Telegram files behind ``refs``, in order (a PDF once, not once a page)."""
    return list(dict.fromkeys(parse(ref).file_id for ref in refs))
