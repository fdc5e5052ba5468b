"""Many files read at once into files on disk: the use-case behind ``notes-ocr-bot ocr --out``.

Each file (photo, HEIC, TIFF, PDF; the bytes decide, as in chat) is split into its pages
(bot/documents/sources), each page read by the engine, and three files are written beside
each other in the output directory:

    NAME.txt    the text, pages separated by a blank line
    NAME.json   every line with its page, text, box, confidence and whether it is flagged
    NAME.pdf    the searchable PDF /export pdf sends: the page images, the text under them

Several files are read at once (the caller says how many: the CLI, twice the engine's
workers), so the engine is never idle while a file is split or written; a file's pages are
read one after the other, so no more than that many pages wait in the engine's queue. A
file that cannot be read is reported and the batch goes on; what was written stays written
when the batch is stopped (each output is written under a temporary name, then renamed).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.documents.refs import parse
from bot.documents.sources import Limits, SourcePage, pages_for
from bot.errors import BotError, InputError
from bot.export.pages import image_page, text_pages
from bot.export.pdf import ExportPage, TextLine, write_pdf
from bot.ocr.model import Page

# What a directory is searched for (a file named on the command line is read whatever
# its name: the bytes decide).
READABLE = frozenset(
    {".jpg", ".jpeg", ".png", ".heic", ".heif", ".tif", ".tiff", ".pdf", ".webp", ".bmp"}
)
# The one file a batch's pages are split from (refs name it; the path is kept apart).
_FILE = "file"

# ``recognize(image, language)`` of a Recognizer (bot.ocr.engines.build_engine).
Read = Callable[[bytes, str], Awaitable[Page]]
# The sentence a failed file is reported with.
Explain = Callable[[BotError], str]


@dataclass(frozen=True, slots=True)
class Flagged:
    page: int  # 1-based
    line: int  # 1-based, within the page
    text: str
    confidence: float | None


@dataclass(slots=True)
class FileResult:
    """One file of the batch: what it was written as, or why it could not be read."""

    path: Path
    name: str  # the outputs are NAME.txt, NAME.json, NAME.pdf
    pages: list[Page] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    error: str | None = None


def collect(paths: Sequence[Path]) -> list[Path]:
    """The files to read: each file named, and the readable files under each directory
    (recursively, sorted), each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READABLE
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def output_names(files: Sequence[Path]) -> list[str]:
    """A distinct output name per file: its stem, or its whole name where two stems meet
    (note.jpg and note.pdf), numbered beyond that (two dirs with a page1.png each)."""
    stems = Counter(f.stem for f in files)
    taken: set[str] = set()
    names: list[str] = []
    for path in files:
        name = path.stem if stems[path.stem] == 1 else path.name
        base, n = name, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        names.append(name)
    return names


class Batch:
    """Reads files into ``out``; built once per run with the engine's ``read``."""

    def __init__(
        self,
        read: Read,
        out: Path,
        *,
        language: str,
        threshold: int,
        limits: Limits,
        at_once: int,
        explain: Explain,
    ) -> None:
        self._read, self._out = read, out
        self._language, self._threshold, self._limits = language, threshold, limits
        self._gate = asyncio.Semaphore(max(1, at_once))
        self._explain = explain

    async def run(
        self, files: Sequence[Path], done: Callable[[FileResult], None]
    ) -> list[FileResult]:
        """Every file read and written (``done`` is called as each ends, in any order);
        the results in the order of ``files``."""
        await asyncio.to_thread(self._out.mkdir, parents=True, exist_ok=True)

        async def one(path: Path, name: str) -> FileResult:
            async with self._gate:
                return await self._one(path, name, done)

        tasks = [
            asyncio.ensure_future(one(p, n))
            for p, n in zip(files, output_names(files), strict=True)
        ]
        try:
            return list(await asyncio.gather(*tasks))
        except asyncio.CancelledError:
            # Stopped: gather gives up at the first file cancelled, while another may still
            # be written whole (_one); the batch ends once each has, and been counted.
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _one(self, path: Path, name: str, done: Callable[[FileResult], None]) -> FileResult:
        result = FileResult(path, name)
        try:
            data = await asyncio.to_thread(path.read_bytes)
            sources = await pages_for([(_FILE, data)], self._language, self._limits)
            for source in sources:
                if source.read is None:  # not a PDF page's own text layer: the engine reads
                    result.pages.append(await self._read(source.image, self._language))
                else:
                    result.pages.append(source.read)
            result.flagged = [
                Flagged(number, index, line.text, line.confidence)
                for number, page in enumerate(result.pages, start=1)
                for index, line in enumerate(page.lines, start=1)
                if line.is_flagged(self._threshold)
            ]
            writing = asyncio.ensure_future(asyncio.to_thread(self._write, result, data, sources))
            try:
                await asyncio.shield(writing)
            except asyncio.CancelledError:
                # Stopped while its outputs are written: the thread writes them whole anyway,
                # so the file is done and counted as such.
                await writing
                done(result)
                raise
        except BotError as exc:
            result.error = self._explain(exc)
        except OSError as exc:
            result.error = f"{type(exc).__name__}: {exc.strerror or exc}"
        except Exception as exc:
            # One odd file among hundreds must not end the batch; it is named, not hidden.
            result.error = f"{type(exc).__name__}: {exc}"
        if result.error is not None:
            result.pages, result.flagged = [], []
        done(result)
        return result

    def _write(self, result: FileResult, data: bytes, sources: list[SourcePage]) -> None:
        name, pages = result.name, result.pages
        text = "\n\n".join(page.text for page in pages) + "\n"
        _replace(self._out / f"{name}.txt", text.encode())
        _replace(self._out / f"{name}.json", self._json(result.path, pages).encode())
        pdf = write_pdf(self._pdf_pages(data, sources, pages), title=name)
        _replace(self._out / f"{name}.pdf", pdf)

    def _json(self, path: Path, pages: list[Page]) -> str:
        first = pages[0] if pages else None
        lines: list[dict[str, object]] = []
        for number, page in enumerate(pages, start=1):
            described = page.to_json(self._threshold)["lines"]
            assert isinstance(described, list)
            lines += [
                {"page": number, "line": index, **line}
                for index, line in enumerate(described, start=1)
            ]
        return json.dumps(
            {
                "file": str(path),
                "engine": first.engine if first else "",
                "language": first.language if first else self._language,
                "pages": len(pages),
                "truncated": any(page.truncated for page in pages),
                "warnings": [w for page in pages for w in page.warnings],
                "lines": lines,
            },
            ensure_ascii=False,
            indent=1,
        )

    def _pdf_pages(
        self, data: bytes, sources: list[SourcePage], pages: list[Page]
    ) -> list[ExportPage]:
        """Each page's image with its lines under it, as /export pdf makes them (a page
        whose image cannot be drawn again becomes a text page)."""
        out: list[ExportPage] = []
        for source, page in zip(sources, pages, strict=True):
            lines = [
                TextLine(
                    line.text,
                    None
                    if line.box is None
                    else (line.box.left, line.box.top, line.box.width, line.box.height),
                )
                for line in page.lines
                if line.text.strip()
            ]
            try:
                out.append(image_page(data, parse(source.ref), lines, self._limits.max_pixels))
            except InputError:
                out += text_pages(lines)
        return out


def _replace(path: Path, content: bytes) -> None:
    """``path`` holds ``content``, or what it held before: never half of it."""
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    os.replace(part, path)


def summary(results: Sequence[FileResult], *, seconds: float, stopped: bool = False) -> str:
    """What the batch did, and what is left to the reader: the files that failed and the
    lines to check, file by file."""
    failed = [r for r in results if r.error is not None]
    to_check = [r for r in results if r.flagged]
    pages = sum(len(r.pages) for r in results)
    flagged = sum(len(r.flagged) for r in results)
    out = [
        f"{len(results) - len(failed)} files read ({pages} pages), {len(failed)} failed, "
        f"{flagged} lines to check in {len(to_check)} files, in {seconds:.1f} s"
    ]
    if stopped:
        out.append("STOPPED before the end: the files not listed here were not read")
    if failed:
        out.append("")
        out.append("Failed (not written):")
        out += [f"  {r.path}: {r.error}" for r in failed]
    if to_check:
        out.append("")
        out.append("Lines to check (page:line, confidence, text as read):")
        for r in to_check:
            out.append(f"  {r.path} -> {r.name}.txt")
            for f in r.flagged:
                conf = "  ?" if f.confidence is None else f"{f.confidence * 100:3.0f}"
                out.append(f"    {f.page}:{f.line:<3} {conf}%  {f.text or '(could not read)'}")
    return "\n".join(out) + "\n"
