"""Which engine reads the photos: chosen once, from the settings, in :func:`build_recognizer`.

=================  ======================================================================
``OCR_ENGINE``     what reads
=================  ======================================================================
``auto``           ``aspose`` where an Aspose license is configured, else ``rapid+tesseract``
``rapid+tesseract`` RapidOCR finds the lines; RapidOCR and Tesseract read each (threads)
``rapid``          RapidOCR alone (threads)
``tesseract``      Tesseract alone (threads)
``aspose``         Aspose in spawned worker processes, each line checked by Tesseract
=================  ======================================================================

With ``REDIS_URL`` set, the bot reads nothing itself: :class:`bot.ocr.remote.QueueRecognizer`
queues each photo for ``notes-ocr-bot worker`` processes, each running the engine its own
settings choose (:func:`build_engine`). Without it everything runs in the bot's process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import EngineChoice

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.recognizer import Recognizer


def build_recognizer(settings: Settings) -> Recognizer:
    """The recognizer the bot uses (not started): the queue when ``REDIS_URL`` is set, else
    the engine itself, in this process."""
    if settings.redis_url:
        from bot.ocr.remote import QueueRecognizer

        return QueueRecognizer(settings)
    return build_engine(settings)


def build_engine(settings: Settings) -> Recognizer:
    """The engine the settings ask for, reading in this process (not started)."""
    engine = settings.resolved_engine
    if engine is EngineChoice.ASPOSE:
        from bot.ocr.aspose import AsposeWorkerConfig
        from bot.ocr.pool import AsposePool

        secret = settings.aspose_license_base64
        config = AsposeWorkerConfig(
            license_path=str(settings.aspose_license_path)
            if settings.aspose_license_path
            else None,
            license_base64=secret.get_secret_value() if secret else None,
            models_dir=str(settings.aspose_models_dir),
        )
        return AsposePool(
            config,
            workers=settings.ocr_workers,
            timeout_seconds=settings.ocr_timeout_seconds,
            queue_size=settings.ocr_queue_size,
            max_side=settings.ocr_max_side,
            max_bytes=settings.max_image_bytes,
            max_pixels=settings.max_pixels,
        )
    if engine is EngineChoice.TESSERACT:
        from bot.ocr.tesseract import TesseractEngine

        return TesseractEngine(settings)
    from dataclasses import replace

    from bot.ocr.reading import BOTH, RAPID_ONLY, ReadingEngine

    readers = RAPID_ONLY if engine is EngineChoice.RAPID else BOTH
    return ReadingEngine(settings, readers=replace(readers, lm=settings.ocr_lm_decoding))
