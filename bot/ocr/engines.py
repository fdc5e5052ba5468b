"""Which readers read the photos, and what runs them: chosen once, from the settings, here.

=================  ======================================================================
``OCR_ENGINE``     what reads
=================  ======================================================================
``auto``           ``aspose`` where an Aspose license is configured, else ``rapid+tesseract``
``rapid+tesseract`` RapidOCR finds the lines; RapidOCR and Tesseract read each (threads)
``rapid``          RapidOCR alone (threads)
``tesseract``      Tesseract alone (threads)
``aspose``         Aspose in spawned worker processes, each line checked by Tesseract
=================  ======================================================================

With ``REDIS_URL`` set, the bot reads nothing itself:
:class:`bot.ocr.run.queue.client.QueueRecognizer` queues each photo for ``notes-ocr-bot
worker`` processes, each running the engine its own
settings choose (:func:`build_engine`). Without it everything runs in the bot's process.

A new engine is a reader module in :mod:`bot.ocr.readers`, a pipeline in :mod:`bot.ocr.job`
(which readers read what), a model in :mod:`bot.ocr.decide`, and one branch here; a new way
of running is a Recognizer in :mod:`bot.ocr.run` that runs :func:`bot.ocr.job.read_prepared`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.config import EngineChoice

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.ocr.decide.calibration import Calibration, RereadModel
    from bot.ocr.decide.combined import Models
    from bot.ocr.job.rapid_tesseract import Readers
    from bot.ocr.readers.aspose import AsposeWorkerConfig
    from bot.ocr.recognizer import Recognizer
    from bot.ocr.run.processes import ProcessRunner
    from bot.ocr.run.threads import ThreadRunner


def build_recognizer(settings: Settings) -> Recognizer:
    """The recognizer the bot uses (not started): the queue when ``REDIS_URL`` is set, else
    the engine itself, in this process."""
    if settings.redis_url:
        from bot.ocr.run.queue.client import QueueRecognizer

        return QueueRecognizer(settings)
    return build_engine(settings)


def build_engine(settings: Settings) -> Recognizer:
    """The engine the settings ask for, reading in this process (not started)."""
    engine = settings.resolved_engine
    if engine is EngineChoice.ASPOSE:
        from bot.ocr.readers.aspose import AsposeWorkerConfig

        secret = settings.aspose_license_base64
        config = AsposeWorkerConfig(
            license_path=str(settings.aspose_license_path)
            if settings.aspose_license_path
            else None,
            license_base64=secret.get_secret_value() if secret else None,
            models_dir=str(settings.aspose_models_dir),
        )
        return aspose_engine(
            config,
            workers=settings.ocr_workers,
            timeout_seconds=settings.ocr_timeout_seconds,
            queue_size=settings.ocr_queue_size,
            max_side=settings.ocr_max_side,
            max_bytes=settings.max_image_bytes,
            max_pixels=settings.max_pixels,
        )
    if engine is EngineChoice.TESSERACT:
        return tesseract_engine(settings)
    from dataclasses import replace

    from bot.ocr.job.rapid_tesseract import BOTH, RAPID_ONLY

    readers = RAPID_ONLY if engine is EngineChoice.RAPID else BOTH
    return reading_engine(settings, readers=replace(readers, lm=settings.ocr_lm_decoding))


def tesseract_engine(
    settings: Settings | None = None,
    *,
    calibration: Calibration | None = None,
    rereads: RereadModel | None = None,
    **limits: Any,
) -> ThreadRunner:
    """Tesseract alone, in threads. Without ``calibration`` and ``rereads`` the shipped ones
    are used; with either, only what is given (an identity ``calibration`` alone = raw
    engine scores). ``limits`` are :class:`~bot.ocr.run.threads.ThreadRunner`'s (workers,
    max_side, timeout...)."""
    from bot.ocr.decide.alone import TesseractModel
    from bot.ocr.job.tesseract_alone import TesseractAlone
    from bot.ocr.run.threads import ThreadRunner

    given = calibration is not None or rereads is not None
    model = TesseractModel(calibration, rereads) if given else None
    return ThreadRunner(TesseractAlone(model), settings, **limits)


def reading_engine(
    settings: Settings | None = None,
    *,
    readers: Readers | None = None,
    models: Models | None = None,
    **limits: Any,
) -> ThreadRunner:
    """RapidOCR finds the lines; RapidOCR and Tesseract read them (``readers`` says which),
    in threads."""
    from bot.ocr.job.rapid_tesseract import BOTH, RapidTesseract
    from bot.ocr.run.threads import ThreadRunner

    return ThreadRunner(RapidTesseract(readers or BOTH, models), settings, **limits)


def aspose_engine(config: AsposeWorkerConfig, **options: Any) -> ProcessRunner:
    """Aspose in spawned worker processes, each line checked by Tesseract (and RapidOCR)."""
    from bot.ocr.run.processes import ProcessRunner

    return ProcessRunner(config, **options)
