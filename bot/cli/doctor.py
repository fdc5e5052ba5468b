"""`notes-ocr-bot doctor`: native libraries, license, engines, offline languages, and the
queue's Redis and workers (never a URL's password)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import cast

from bot.cli.setup import load_settings

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


def cmd_doctor(args: argparse.Namespace) -> int:
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
    from bot.ocr.wordcase import installed

    found, missing = installed()
    if missing:
        print(
            f"[..] no word list keeping letter case for {' '.join(missing)} "
            "(scripts/install-system-deps.sh): their capitals judged by word frequency alone"
        )
    else:
        print(f"[ok] word lists keeping letter case: {' '.join(found)}")
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
        ok = check_queue(settings.redis_url) and ok
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


def check_queue(url: str) -> bool:
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
