"""Our language codes, each engine's code for them, and which need downloadable models.

Users may type ISO 639-1 codes (``en``, ``vi``, ``zh``) or Tesseract's (``eng``, ``vie``,
``chi_sim``); both resolve to one :class:`Language`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.errors import LanguageUnavailable


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1, our canonical code
    name: str  # as shown to users, in the language itself
    tesseract: str  # traineddata name
    aspose: str  # attribute of aspose.ocr.Language
    # The Aspose model file this language needs beyond the bundled Latin one
    # (downloaded on first use; fails offline unless fetched beforehand).
    aspose_model: str | None = None
    aliases: tuple[str, ...] = ()
    # AUTO only: the language a page in Latin script is read in.
    latin: str = "en"


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "eng", "ENG", None, ("eng", "english")),
    Language("vi", "Tiếng Việt", "vie", "VIE", None, ("vie", "vietnamese")),
    Language("de", "Deutsch", "deu", "DEU", None, ("deu", "ger", "german")),
    Language("fr", "Français", "fra", "FRA", None, ("fra", "fre", "french")),
    Language("es", "Español", "spa", "SPA", None, ("spa", "spanish")),
    Language("it", "Italiano", "ita", "ITA", None, ("ita", "italian")),
    Language("pt", "Português", "por", "POR", None, ("por", "portuguese")),
    Language("pl", "Polski", "pol", "POL", None, ("pol", "polish")),
    Language("ru", "Русский", "rus", "RUS", "aspose-ocr-cyrillic-v1.ocr", ("rus", "russian")),
    Language("uk", "Українська", "ukr", "UKR", "aspose-ocr-cyrillic-v1.ocr", ("ukr",)),
    Language(
        "zh",
        "中文 (简体)",
        "chi_sim",
        "CHINESE",
        "aspose-ocr-chinese-v2.ocr",
        ("chi_sim", "zh-cn", "zh-hans", "chinese", "cmn"),
    ),
    Language("ja", "日本語", "jpn", "JPN", "aspose-ocr-japanese-v1.ocr", ("jpn", "japanese")),
    Language("ko", "한국어", "kor", "KOR", "aspose-ocr-korean-v1.ocr", ("kor", "korean")),
    Language("ar", "العربية", "ara", "ARA", "aspose-ocr-arabic-v1.ocr", ("ara", "arabic")),
    Language("hi", "हिन्दी", "hin", "HIN", "aspose-ocr-hindi-v2.ocr", ("hin", "hindi")),
)

# "Whatever the photo is written in": the default engine tells from the script it sees
# (bot/ocr/decide/guess.py); engines that cannot tell do not offer it.
AUTO = Language("auto", "Auto", tesseract="", aspose="", aliases=("automatic",))

# Aspose's handwriting model, also downloaded on first use.
ASPOSE_HANDWRITING_MODEL = "aspose-ocr-handwritten-v1.ocr"

_BY_CODE: dict[str, Language] = {}
for _lang in (*LANGUAGES, AUTO):
    for _key in (_lang.code, _lang.tesseract, *_lang.aliases):
        _BY_CODE[_key.lower()] = _lang


def auto(latin: str) -> str:
    """The code of "whatever the photo is written in, and ``latin`` for Latin script"."""
    return f"{AUTO.code}:{latin}"


def resolve(code: str) -> Language:
    """Find a language by any of its codes; raise LanguageUnavailable if unknown.
    ``auto:vi`` is AUTO reading Latin script as Vietnamese."""
    head, _, latin = code.partition(":")
    if latin and head.strip().lower() == AUTO.code:
        return replace(AUTO, latin=resolve(latin).code)
    key = code.strip().lower().replace("-", "_")
    lang = _BY_CODE.get(key) or _BY_CODE.get(key.replace("_", "-"))
    if lang is None:
        raise LanguageUnavailable(code)
    return lang
