"""Command line: `notes-ocr-bot run | worker | api | token | ocr | doctor | fetch-models`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bot.cli.doctor import cmd_doctor
from bot.cli.ocr import cmd_ocr
from bot.cli.setup import check_token, load_settings, setup_logging
from bot.config import EngineChoice
from bot.errors import ConfigError

__all__ = ["build_parser", "check_token", "load_settings", "main", "setup_logging"]


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
    os.nice(settings.worker_nice)  # Settings.worker_nice: instances on this machine answer first
    return asyncio.run(serve(settings))


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
        ("doctor", "check native libraries, license, engines, languages", cmd_doctor),
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
    ocr.set_defaults(func=cmd_ocr)

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
