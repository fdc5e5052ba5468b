"""Command line: `notes-ocr-bot run | worker | api | token | ocr | doctor | fetch-models`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import cast

from pydantic import ValidationError

from bot.config import EngineChoice, Settings
from bot.errors import BotError, ConfigError

_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and .env; ConfigError with one sentence if bad."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        raise ConfigError(f"setting {field} is invalid: {first['msg']}") from None


def check_token(settings: Settings) -> None:
    token = settings.telegram_bot_token.get_secret_value()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (put it in the environment or .env)")
    if not _TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed (expected 123456:ABC... from @BotFather)"
        )


def setup_logging(level: str) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    check_token(settings)
    setup_logging(settings.log_level)
    from bot.app import run_application

    return run_application(settings)


def _cmd_worker(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.redis_url:
        raise ConfigError("REDIS_URL is not set: a worker takes its jobs from Redis")
    setup_logging(settings.log_level)
    from bot.documents.heif import enable_heif
    from bot.ocr.run.queue.worker import serve

    enable_heif()  # the photos it reads may be HEIC sent as a file
    return asyncio.run(serve(settings))


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


def _cmd_ocr(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {"default_threshold": args.threshold}
    if args.engine:
        overrides["ocr_engine"] = EngineChoice(args.engine)
    settings = load_settings(**overrides)
    setup_logging("WARNING")
    if args.out:
        return asyncio.run(_ocr_batch(args, settings))
    return asyncio.run(_ocr_images(args, settings))


_ASPOSE_PROBE = """
import json, os
os.environ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1"
from bot.config import Settings
from bot.ocr.readers.aspose import AsposeWorkerConfig, probe
s = Settings()
b = s.aspose_license_base64
config = AsposeWorkerConfig(
    str(s.aspose_license_path) if s.aspose_license_path else None,
    b.get_secret_value() if b else None,
    str(s.aspose_models_dir),
)
print(json.dumps(probe(config)))
"""


def _cmd_doctor(args: argparse.Namespace) -> int:
    import ctypes.util

    from bot.ocr.decide.combined import who_reads
    from bot.ocr.languages import ASPOSE_HANDWRITING_MODEL, LANGUAGES

    settings = load_settings()
    ok = True
    print(
        f"engine in use: {settings.resolved_engine.value} (OCR_ENGINE={settings.ocr_engine.value})"
    )
    for lib in ("ssl.so.1.1", "crypto.so.1.1"):
        try:
            ctypes.CDLL(f"lib{lib}")
            print(f"[ok] lib{lib}")
        except OSError:
            ok = False
            print(f"[!!] lib{lib} missing: Aspose's .NET runtime needs OpenSSL 1.1")
    icu = ctypes.util.find_library("icuuc")
    print(
        f"[ok] ICU: {icu}" if icu else "[..] ICU absent: workers run with invariant globalization"
    )
    try:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr

        from bot.ocr.readers.tesseract import find_tessdata, installed_traineddata

        tess_langs = set(installed_traineddata())
        version = tesserocr.tesseract_version().splitlines()[0]
        print(f"[ok] Tesseract {version}, data in {find_tessdata()}")
        if "osd" in tess_langs:
            print("[ok] orientation detection (osd): sideways photos are turned upright")
        else:
            print("[..] no osd.traineddata: photos taken sideways without EXIF are not turned")
    except Exception as exc:  # pragma: no cover - depends on the machine
        ok = False
        tess_langs = set()
        print(f"[!!] Tesseract unusable: {exc}")
    try:
        from bot.ocr.readers import rapid

        print(f"[ok] RapidOCR {rapid.check_models()}: PP-OCRv6 detector and reader, as calibrated")
    except Exception as exc:  # pragma: no cover - depends on the machine
        ok = False
        print(f"[!!] RapidOCR unusable: {exc}")
    # Aspose runs in a child: a missing native library aborts the whole process.
    proc = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _ASPOSE_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    aspose: dict[str, object] = {}
    if proc.returncode == 0:
        aspose = json.loads(proc.stdout.strip().splitlines()[-1])
        lic = "licensed" if aspose.get("licensed") else "TRIAL (text is cut short)"
        print(f"[ok] Aspose OCR {aspose.get('version')}: {lic}")
    else:
        ok = False
        print(f"[!!] Aspose OCR failed to start (exit {proc.returncode}): {proc.stderr[-300:]}")
    local_models = set(map(str, aspose.get("local_models", []) or []))  # type: ignore[call-overload]
    if ASPOSE_HANDWRITING_MODEL in local_models:
        print(
            f"[..] {ASPOSE_HANDWRITING_MODEL} is installed but not used: the bot reads with "
            "recognize(), not recognize_handwritten_text() (not measured here: no license)"
        )
    else:
        print("[..] Aspose handwriting model not installed: recognize_handwritten_text() unused")
    if settings.redis_url:
        ok = _check_queue(settings.redis_url) and ok
    else:
        print("[..] REDIS_URL unset: this process reads its photos itself (one instance)")
    print("languages (offline), and who reads them with OCR_ENGINE=rapid+tesseract:")
    for lang in LANGUAGES:
        tess = "yes" if lang.tesseract in tess_langs else "no"
        if lang.aspose_model is None:
            asp = "yes"
        else:
            asp = "yes" if lang.aspose_model in local_models else f"needs {lang.aspose_model}"
        print(f"  {lang.code:3} {lang.name:14} tesseract={tess:4} aspose={asp}")
        print(f"      {who_reads(lang)}")
    return 0 if ok else 1


def _check_queue(url: str) -> bool:
    """Redis answers, and which workers read the queued photos (from their heartbeats)."""
    import redis

    from bot.ocr.run.queue.wire import WORKERS

    client = redis.Redis.from_url(url, socket_timeout=5)
    where = f"{client.connection_pool.connection_kwargs.get('host')}:" + str(
        client.connection_pool.connection_kwargs.get("port")
    )  # never the URL itself: it may hold a password
    try:
        client.ping()
        keys = list(cast(set[bytes], client.smembers(WORKERS)))
        beats = cast(list[bytes | None], client.mget(keys)) if keys else []
        workers = [json.loads(raw) for raw in beats if raw is not None]
    except redis.RedisError as exc:
        print(f"[!!] Redis at {where} does not answer: {type(exc).__name__}")
        return False
    finally:
        client.close()
    print(f"[ok] Redis at {where}: photos are read by `notes-ocr-bot worker` processes")
    if not workers:
        print("[..] no worker is running now: queued photos wait until one starts")
    for info in workers:
        print(f"     worker: {info.get('engine')}, {info.get('capacity')} at once")
    return True


def _cmd_fetch_models(args: argparse.Namespace) -> int:
    from bot.ocr.readers.aspose import fetch_models

    settings = load_settings()
    fetch_models(args.languages, settings.aspose_models_dir, handwriting=args.handwriting)
    return 0


def _cmd_api(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(settings.log_level)
    import signal

    from bot.api.alone import serve_api

    async def serve() -> int:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        return await serve_api(settings, stopping)

    return asyncio.run(serve())


def _cmd_token(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bot.api.auth import user_id_for_name
    from bot.storage.db import open_database

    async def act() -> int:
        db = await open_database(settings.effective_database_url)
        try:
            user_id = user_id_for_name(args.user)
            if args.action == "revoke":
                print(f"{await db.tokens.revoke_all(user_id)} token(s) of {args.user} revoked")
            else:
                print(await db.tokens.create(user_id))
        finally:
            await db.close()
        return 0

    return asyncio.run(act())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notes-ocr-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    plain = (
        ("run", "run the Telegram bot", _cmd_run),
        ("worker", "read the photos bot instances queue in Redis (REDIS_URL)", _cmd_worker),
        ("doctor", "check native libraries, license, engines, languages", _cmd_doctor),
    )
    for name, what, command in plain:
        sub.add_parser(name, help=what).set_defaults(func=command)

    ocr = sub.add_parser(
        "ocr",
        help="read images and show which lines are flagged; with --out, read many files",
    )
    ocr.add_argument("images", nargs="+", metavar="FILE_OR_DIR")
    ocr.add_argument("--lang", default="en", help="en, vi, zh, ... or eng, vie, chi_sim, ...")
    ocr.add_argument("--engine", choices=[e.value for e in EngineChoice])
    ocr.add_argument("--threshold", type=int, default=75, choices=range(101), metavar="0-100")
    shown = ocr.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="one JSON object per image")
    shown.add_argument(
        "--out",
        metavar="DIR",
        help="write NAME.txt, NAME.json, NAME.pdf per file and summary.txt into DIR",
    )
    ocr.set_defaults(func=_cmd_ocr)

    sub.add_parser(
        "api", help="serve the REST API alone on API_PORT (8080), without a bot token"
    ).set_defaults(func=_cmd_api)
    token = sub.add_parser("token", help="issue (create) or end (revoke) a user's API tokens")
    token.add_argument("action", choices=["create", "revoke"])
    token.add_argument("--user", required=True, help="a Telegram user id, or any name")
    token.set_defaults(func=_cmd_token)

    fetch = sub.add_parser("fetch-models", help="download Aspose models (needs internet)")
    fetch.add_argument("languages", nargs="*", metavar="LANG")
    fetch.add_argument("--handwriting", action="store_true", help="also the handwriting model")
    fetch.set_defaults(func=_cmd_fetch_models)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"notes-ocr-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
