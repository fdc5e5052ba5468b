"""Every failure a user can meet, each with the one sentence they read.

    BotError
     ├── OcrError
     │    ├── ModelMissing        an Aspose model for the language is not installed
     │    ├── LanguageUnavailable the language is not known or not installed for any engine
     │    ├── LicenseProblem      the Aspose license could not be read or applied
     │    ├── OcrTimeout          recognition took longer than the time limit
     │    ├── WorkerCrashed       the worker process died mid-job
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
     └── ConfigError              settings are missing or malformed (CLI exits with code 2)

`str(error)` is the user-facing sentence; `error.detail` is for the log.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error that carries a sentence for the user."""

    user_message = "Something went wrong. Please try again."

    def __init__(self, user_message: str | None = None, *, detail: str = "") -> None:
        self.user_message = user_message or self.user_message
        self.detail = detail
        super().__init__(self.user_message)

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (OCR workers): rebuild without calling __init__,
        # whose parameters differ between subclasses.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[BotError], state: dict[str, object]) -> BotError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("user_message", ""))
    error.__dict__.update(state)
    return error


class OcrError(BotError):
    user_message = "I could not read this photo. Please try again."


class ModelMissing(OcrError):
    """An Aspose model file (``NAME.ocr``) is not installed and downloads are off."""

    def __init__(self, model: str, language: str = "") -> None:
        self.model = model
        self.language = language
        super().__init__(
            f"{_language_name(language)} is not available on this server right now (model "
            f"{model} is not installed). Choose another language with /language.",
            detail=f"missing Aspose model {model}",
        )


def _language_name(code: str) -> str:
    # Imported here: bot.ocr.languages itself raises LanguageUnavailable from this module.
    from bot.ocr.languages import resolve

    try:
        return f"{resolve(code).name} ({code})" if code else "This language"
    except LanguageUnavailable:
        return code


class LanguageUnavailable(OcrError):
    def __init__(self, language: str) -> None:
        self.language = language
        super().__init__(
            f"The language '{language}' is not available here. See /language for the list.",
        )


class LicenseProblem(OcrError):
    user_message = "The OCR engine is misconfigured on this server. The admin has been told."


class OcrTimeout(OcrError):
    user_message = "Reading this photo took too long. Please try a smaller or clearer photo."


class WorkerCrashed(OcrError):
    user_message = "The reader stopped while working on your photo. Please try again."


class QueueFull(OcrError):
    user_message = "I am busy with many photos right now. Please try again in a minute."


class InputError(BotError):
    user_message = "I cannot read this file as an image."


class UnsupportedImage(InputError):
    user_message = "This is not an image I can read. Please send a photo (JPEG or PNG)."


class AnimatedImage(InputError):
    user_message = "Animated images are not supported. Please send a still photo."


class ImageTooLarge(InputError):
    user_message = "This file is too large. Please send an image under 20 MB."


class DecompressionBomb(InputError):
    user_message = "This image has far too many pixels. Please send a normal photo."


class BadImageShape(InputError):
    user_message = "This image is too narrow or too small to hold notes. Please send a photo."


class EmptyFile(InputError):
    user_message = "This file is empty. Please send the photo again."


class PdfLocked(InputError):
    user_message = "This PDF is locked with a password. Please send it without the password."


class PdfBroken(InputError):
    user_message = "I cannot open this PDF: the file is damaged. Please save it again and resend."


class TooManyPages(InputError):
    def __init__(self, pages: int, limit: int) -> None:
        self.pages, self.limit = pages, limit
        super().__init__(
            f"This file has {pages} pages; I read at most {limit} at a time. "
            "Please send fewer pages.",
            detail=f"{pages} pages > {limit}",
        )


class PageTooLarge(InputError):
    user_message = "This PDF has a page far too large to read. Please send a normal document."


class ConfigError(BotError):
    """Settings are missing or malformed; the CLI prints the sentence and exits 2."""
