"""Every failure a user can meet, each with the key of the one sentence they read.

    BotError
     ├── OcrError
     │    ├── ModelMissing        an Aspose model for the language is not installed
     │    ├── LanguageUnavailable the language is not known or not installed for any engine
     │    ├── LicenseProblem      the Aspose license could not be read or applied
     │    ├── OcrTimeout          recognition took longer than the time limit
     │    ├── WorkerCrashed       the worker process died mid-job
     │    ├── PoisonPhoto         the photo killed every worker that read it (twice)
     │    ├── PhotoLost           the bot shut down before the photo's reading came back
     │    └── QueueFull           too many photos are waiting
     ├── InputError
     │    ├── UnsupportedImage    not an image we can read (ZIP, text, truncated...)
     │    ├── AnimatedImage       GIF/animated WebP: send a still photo
     │    ├── ImageTooLarge       bytes over the limit (checked before download too)
     │    ├── DecompressionBomb   few bytes, absurd pixel count
     │    ├── BadImageShape       e.g. 50,000 x 10 px
     │    ├── EmptyFile           zero bytes
     │    ├── PdfLocked           the PDF needs a password to open
     │    ├── PdfBroken           not a PDF we can open (damaged, cut off, no pages)
     │    ├── TooManyPages        a PDF (or multi-page TIFF) over MAX_PDF_PAGES
     │    └── PageTooLarge        a PDF page (or an image on it) of absurd size, before rendering
     ├── PhotoRefused             photos come too fast, or one is still being read
 ├── DownloadFailed           Telegram would not give us the file
     ├── ServiceUnavailable       Redis (the shared state, the OCR queue) is away for a moment
     └── ConfigError              settings are missing or malformed (CLI exits with code 2)

An error carries a message ``key`` of the catalogs in ``bot/i18n/locales`` and the ``params``
its sentence needs; the handlers render it in the user's language (``Translator.error``). A
param named ``language`` is a language code and is shown as the language's name. ``detail`` is
for the log. ``str(error)`` is the key and detail: never shown to a user.
"""

from __future__ import annotations

from typing import ClassVar

from bot.message_keys import N_

Param = str | int


class BotError(Exception):
    """Base of every error that carries a sentence for the user."""

    key: ClassVar[str] = N_("error-generic")

    def __init__(self, key: str | None = None, *, detail: str = "", **params: Param) -> None:
        if key is not None:
            self.key = key  # type: ignore[misc]
        self.detail = detail
        self.params: dict[str, Param] = params
        super().__init__(f"{self.key}: {detail}" if detail else self.key)

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (OCR workers): rebuild without calling __init__,
        # whose parameters differ between subclasses.
        return (_rebuild, (type(self), self.__dict__.copy(), self.args))


def _rebuild(cls: type[BotError], state: dict[str, object], args: tuple[object, ...]) -> BotError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class OcrError(BotError):
    key = N_("error-ocr")


class ModelMissing(OcrError):
    """An Aspose model file (``NAME.ocr``) is not installed and downloads are off."""

    key = N_("error-model-missing")

    def __init__(self, model: str, language: str = "") -> None:
        self.model = model
        self.language = language
        if language:
            super().__init__(
                detail=f"missing Aspose model {model}", language=language, model=model
            )
        else:
            super().__init__(
                N_("error-model-missing-any"), detail=f"missing Aspose model {model}", model=model
            )


class LanguageUnavailable(OcrError):
    key = N_("error-language-unknown")

    def __init__(self, language: str) -> None:
        self.language = language
        # Shown as typed: an unknown code has no name to show.
        super().__init__(detail=f"language {language!r}", code=language)


class LicenseProblem(OcrError):
    key = N_("error-license")


class OcrTimeout(OcrError):
    key = N_("error-timeout")


class WorkerCrashed(OcrError):
    key = N_("error-worker-crashed")


class PoisonPhoto(OcrError):
    """Reading this photo killed its worker twice: it is not read a third time."""

    key = N_("error-poison-photo")


class PhotoLost(OcrError):
    """The bot is shutting down and the photo's reading did not come back in time."""

    key = N_("photo-lost")


class QueueFull(OcrError):
    key = N_("error-queue-full")


class InputError(BotError):
    key = N_("error-input")


class UnsupportedImage(InputError):
    key = N_("error-unsupported-image")


class AnimatedImage(InputError):
    key = N_("error-animated")


class ImageTooLarge(InputError):
    key = N_("error-too-large")


class DecompressionBomb(InputError):
    key = N_("error-too-many-pixels")


class BadImageShape(InputError):
    key = N_("error-bad-shape")


class EmptyFile(InputError):
    key = N_("error-empty-file")


class PhotoRefused(BotError):
    """Photos come faster than PHOTOS_PER_MINUTE allows, or the user's last one is still being
    read (the per-user limits, bot/shared/limits.py)."""

    key = N_("photo-in-flight")

    def __init__(self, *, too_fast: bool) -> None:
        if too_fast:
            super().__init__(N_("photo-too-fast"), detail="too fast")
        else:
            super().__init__(detail="one in flight")


class DownloadFailed(BotError):
    key = N_("error-download")


class PdfLocked(InputError):
    key = N_("error-pdf-locked")


class PdfBroken(InputError):
    key = N_("error-pdf-broken")


class TooManyPages(InputError):
    key = N_("error-too-many-pages")

    def __init__(self, pages: int, limit: int) -> None:
        self.pages, self.limit = pages, limit
        super().__init__(detail=f"{pages} pages > {limit}", pages=pages, limit=limit)


class PageTooLarge(InputError):
    key = N_("error-page-too-large")


class ServiceUnavailable(BotError):
    """Redis does not answer (restarting, the network): photos cannot be queued or counted."""

    key = N_("error-unavailable")


class ConfigError(BotError):
    """Settings are missing or malformed; the CLI prints the sentence (to the operator, in
    English, never to a Telegram user) and exits 2."""

    key = N_("error-config")

    def __init__(self, message: str) -> None:
        super().__init__(detail=message)
        self.message = message

    def __str__(self) -> str:
        return self.message
