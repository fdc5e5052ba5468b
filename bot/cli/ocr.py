"""`notes-ocr-bot ocr`: one image's lines with their flags, or a batch of files and folders
into a folder of .txt, .json and searchable .pdf (bot/batch.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.cli.setup import load_settings, setup_logging
from bot.config import EngineChoice, Settings
from bot.errors import BotError, ConfigError


async def _ocr_images(args: argparse.Namespace, settings: Settings) -> int:
    from bot.documents.heif import enable_heif
    from bot.i18n import load_catalogs
    from bot.ocr.engines import build_engine

    enable_heif()
    english = load_catalogs(["en"]).get("en")
    # Read here, even where REDIS_URL sends the bot's photos to workers.
    recognizer = build_engine(settings)
    await recognizer.start()
    rc = 0
    try:
        for path in args.images:
            try:
                data = await asyncio.to_thread(Path(path).read_bytes)
                page = await recognizer.recognize(data, args.lang)
            except BotError as exc:
                print(f"{path}: {english.error(exc)} ({exc.detail})", file=sys.stderr)
                rc = 1
                continue
            except OSError as exc:
                print(f"{path}: {exc}", file=sys.stderr)
                rc = 1
                continue
            if args.json:
                print(
                    json.dumps({"image": path, **page.to_json(args.threshold)}, ensure_ascii=False)
                )
                continue
            print(f"== {path} ({page.engine}, {page.language})")
            if page.truncated:
                print("!! Aspose trial: the text below is cut short; configure a license")
            for line in page.lines:
                mark = "FLAG" if line.is_flagged(args.threshold) else "ok  "
                conf = "  ?" if line.confidence is None else f"{line.confidence * 100:3.0f}"
                print(f"{mark} {conf}% {line.text or '(could not read this line)'}")
    finally:
        await recognizer.close()
    return rc


async def _ocr_batch(args: argparse.Namespace, settings: Settings) -> int:
    """`ocr DIR_OR_FILES... --out DIR`: every file read into OUT (bot/batch.py), a progress
    bar on a terminal, and the summary (also OUT/summary.txt): what failed, what to check."""
    import time

    from tqdm import tqdm

    from bot.batch import Batch, FileResult, collect, summary
    from bot.documents.heif import enable_heif
    from bot.documents.sources import Limits
    from bot.i18n import load_catalogs
    from bot.ocr.engines import build_engine

    files = await asyncio.to_thread(collect, [Path(p) for p in args.images])
    if not files:
        raise ConfigError(f"no files to read in {' '.join(args.images)}")
    enable_heif()
    english = load_catalogs(["en"]).get("en")
    out = Path(args.out)
    recognizer = build_engine(settings)
    batch = Batch(
        recognizer.recognize,
        out,
        language=args.lang,
        threshold=args.threshold,
        limits=Limits(settings.max_pdf_pages, settings.ocr_max_side, settings.max_pixels),
        # Twice the engine's workers: while one file is split or written, the next one's page
        # already waits for the worker it frees (measured: bench.cli_batch).
        at_once=2 * settings.ocr_workers,
        explain=lambda exc: " ".join(filter(None, (english.error(exc), exc.detail))),
    )
    finished: list[FileResult] = []
    bar = tqdm(total=len(files), unit="file", file=sys.stderr, disable=None)

    def done(result: FileResult) -> None:
        finished.append(result)
        if result.error is not None:
            bar.write(f"{result.path}: {result.error}", file=sys.stderr)
        bar.update()

    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        await recognizer.start()
        t0 = time.perf_counter()  # the time reported is the batch's, the engine started
        try:
            results = await batch.run(files, done)
        finally:
            await recognizer.close()
    except asyncio.CancelledError:  # Ctrl-C: what was read is written; the summary says so
        bar.close()
        order = {path: n for n, path in enumerate(files)}
        finished.sort(key=lambda r: order[r.path])
        _batch_report(out, summary(finished, seconds=time.perf_counter() - t0, stopped=True))
        raise
    bar.close()
    _batch_report(out, summary(results, seconds=time.perf_counter() - t0))
    return 1 if any(r.error is not None for r in results) else 0


def _batch_report(out: Path, report: str) -> None:
    (out / "summary.txt").write_text(report, encoding="utf-8")
    print(report, end="", flush=True)


def cmd_ocr(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {"default_threshold": args.threshold}
    if args.engine:
        overrides["ocr_engine"] = EngineChoice(args.engine)
    settings = load_settings(**overrides)
    setup_logging("WARNING")
    if args.out:
        return asyncio.run(_ocr_batch(args, settings))
    return asyncio.run(_ocr_images(args, settings))
