"""Tesseract as a reader: plain functions that read a page or one line with tesserocr.

tesserocr releases the GIL while Tesseract works, so several threads can read at once; each
thread keeps its own ``PyTessBaseAPI`` per language (the API is not thread-safe, and loading
a traineddata file costs ~0.1-0.5 s). Scores returned here are RAW (0..1): turning them into
the confidence a user sees is the deciding step's job.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from bot.errors import LanguageUnavailable, OcrTimeout
from bot.ocr.languages import Language, resolve
from bot.ocr.model import Box, ConfidenceSource, Line

log = logging.getLogger(__name__)

NAME = "tesseract"

# Where distributions put traineddata; the tesserocr wheel bundles its own libtesseract
# whose compiled-in default ("./") finds nothing, so we look for the system's files.
_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
    "/usr/local/share/tesseract-ocr/tessdata",
)
# Orientation detection below this confidence is a guess (measured: upright print 3-11,
# handwriting-like fonts mostly under 1.5, often naming the wrong script).
_OSD_MIN_CONF = 2.0
# Orientation is detected on a copy at most this many pixels on its long side.
_OSD_SIDE = 1000
# The traineddata of orientation and script detection.
_OSD = "osd"
# The resolution orientation detection is told (Tesseract's own guess when it has none).
_OSD_PPI = 70
# Languages written without spaces between words.
UNSPACED = frozenset({"zh", "ja"})
# A space with a CJK character (or CJK punctuation / full-width form) on both sides.
_CJK = r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")


def _tesserocr() -> Any:
    """Import tesserocr on first use, after capping OpenMP (2-5x slower otherwise)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import tesserocr

    return tesserocr


@lru_cache(maxsize=1)
def find_tessdata() -> str:
    """The tessdata directory: $TESSDATA_PREFIX, else the first system one with files."""
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = ([env, str(Path(env) / "tessdata")] if env else []) + list(_TESSDATA_CANDIDATES)
    for candidate in candidates:
        if any(Path(candidate).glob("*.traineddata")):
            return candidate.rstrip("/") + "/"
    # Let tesserocr's compiled-in default have a go; get_languages() will say what it finds.
    path: str = _tesserocr().get_languages()[0]
    return path


@lru_cache(maxsize=1)
def installed_traineddata() -> frozenset[str]:
    """Names of the installed traineddata files (``eng``, ``vie``...)."""
    _, langs = _tesserocr().get_languages(find_tessdata())
    return frozenset(langs)


def language(code: str) -> Language:
    """The language ``code`` names, if its traineddata is installed here."""
    lang = resolve(code)  # LanguageUnavailable for codes we do not know
    if lang.tesseract not in installed_traineddata():
        raise LanguageUnavailable(code)
    return lang


# One PyTessBaseAPI per (thread, traineddata): the API object must never be shared.
_local = threading.local()


def api(tess_lang: str) -> Any:
    """This thread's Tesseract API for ``tess_lang`` (a traineddata name), made once."""
    apis: dict[str, Any] | None = getattr(_local, "apis", None)
    if apis is None:
        apis = _local.apis = {}
    found = apis.get(tess_lang)
    if found is None:
        tesserocr = _tesserocr()
        try:
            found = tesserocr.PyTessBaseAPI(path=find_tessdata(), lang=tess_lang)
        except RuntimeError as exc:
            # "Failed to init API": the traineddata is unreadable or for another version.
            log.error("Tesseract could not load %s from %s: %s", tess_lang, find_tessdata(), exc)
            raise LanguageUnavailable(tess_lang) from exc
        apis[tess_lang] = found
    return found


def read_lines(tess: Any, image: Image.Image, *, timeout_ms: int = 0) -> list[Line]:
    """Read ``image`` page-wise with ``tess``: non-empty lines with RAW confidences (0..1).

    Boxes are in ``image``'s pixels. Calibration is the caller's job.
    Raises OcrTimeout when ``timeout_ms`` (> 0) passes first.
    """
    tesserocr = _tesserocr()
    tess.SetPageSegMode(tesserocr.PSM.AUTO)
    tess.SetImage(image)
    if not tess.Recognize(timeout=timeout_ms):
        raise OcrTimeout(detail=f"Tesseract gave up after {timeout_ms} ms")
    level = tesserocr.RIL.TEXTLINE
    lines: list[Line] = []
    iterator = tess.GetIterator()
    if iterator is None:
        return lines
    for item in tesserocr.iterate_level(iterator, level):
        text = item_text(item, level)
        if not text:
            continue
        bbox = item.BoundingBox(level)
        box = None
        if bbox is not None:
            x0, y0, x1, y1 = bbox
            box = Box(left=x0, top=y0, width=max(1, x1 - x0), height=max(1, y1 - y0))
        conf = max(0.0, min(1.0, item.Confidence(level) / 100))
        lines.append(Line(text=text, confidence=conf, box=box, source=ConfidenceSource.ENGINE))
    return lines


def item_text(item: Any, level: int) -> str:
    try:
        text: str | None = item.GetUTF8Text(level)
    except RuntimeError:
        # tesserocr raises "No text returned" for an element with no symbols in it.
        return ""
    return (text or "").strip()


def read_line(tess: Any, crop: Image.Image) -> tuple[str, float]:
    """(text, RAW confidence 0..1) of ``crop`` read as one line; ("", 0.0) when illegible."""
    text, score, _ = read_line_words(tess, crop)
    return text, score


def read_line_words(tess: Any, crop: Image.Image) -> tuple[str, float, tuple[float, ...]]:
    """:func:`read_line`, and Tesseract's RAW confidence (0..1) in each word of the text, in
    order (a line's confidence is the mean of its words')."""
    tesserocr = _tesserocr()
    tess.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    tess.SetImage(crop)
    tess.Recognize()
    level = tesserocr.RIL.TEXTLINE
    texts: list[str] = []
    weighted = 0.0
    iterator = tess.GetIterator()
    if iterator is not None:
        for item in tesserocr.iterate_level(iterator, level):
            text = item_text(item, level)
            if text:
                texts.append(text)
                weighted += len(text) * item.Confidence(level) / 100
    text = " ".join(texts)
    if not text:
        return "", 0.0, ()
    words: list[float] = []
    iterator = tess.GetIterator()
    for item in tesserocr.iterate_level(iterator, tesserocr.RIL.WORD):
        if item_text(item, tesserocr.RIL.WORD):
            words.append(max(0.0, min(1.0, item.Confidence(tesserocr.RIL.WORD) / 100)))
    score = max(0.0, min(1.0, weighted / sum(len(t) for t in texts)))
    return text, score, tuple(words)


def upright_turn(image: Image.Image) -> int:
    """Degrees (counter-clockwise: 0, 90, 180, 270) to turn ``image`` so its text stands
    upright, by Tesseract's orientation detection; 0 when it is not sure or cannot tell."""
    if "osd" not in installed_traineddata():
        return 0
    if max(image.size) > _OSD_SIDE:
        image = image.copy()
        image.thumbnail((_OSD_SIDE, _OSD_SIDE), Image.Resampling.LANCZOS)
    found = _orientation(image)
    if found is None or found[1] < _OSD_MIN_CONF:
        return 0
    return found[0] % 360


def _orientation(image: Image.Image) -> tuple[int, float] | None:
    """(degrees, confidence) of Tesseract's orientation detection, None when there is too
    little text to tell.

    tesserocr holds the GIL through it: measured 0.1-0.5 s on a 1000 px page, every
    user's replies waiting (bench.reading_speed's event-loop lag of Tesseract alone, 104 ms,
    issue 18). Called through Tesseract's C API with ctypes, which lets the GIL go, from
    the same libtesseract tesserocr loaded; through tesserocr where that is not found."""
    capi = _capi()
    if capi is None:
        tess = api("osd")
        tess.SetPageSegMode(_tesserocr().PSM.OSD_ONLY)
        tess.SetImage(image)
        try:
            found = tess.DetectOrientationScript()
        except RuntimeError:  # too little text to decide
            return None
        return (int(found["orient_deg"]), float(found["orient_conf"])) if found else None
    handle = getattr(_local, "osd", None)
    if handle is None:
        handle = capi.TessBaseAPICreate()
        if capi.TessBaseAPIInit3(handle, find_tessdata().encode(), _OSD.encode()) != 0:
            capi.TessBaseAPIDelete(handle)
            raise LanguageUnavailable(_OSD)
        capi.TessBaseAPISetPageSegMode(handle, 0)  # PSM_OSD_ONLY
        _local.osd = handle
    rgb = image.convert("RGB")
    pixels = rgb.tobytes()
    capi.TessBaseAPISetImage(handle, pixels, rgb.width, rgb.height, 3, 3 * rgb.width)
    capi.TessBaseAPISetSourceResolution(handle, _OSD_PPI)
    degrees, conf = ctypes.c_int(), ctypes.c_float()
    script, script_conf = ctypes.c_char_p(), ctypes.c_float()
    found = capi.TessBaseAPIDetectOrientationScript(
        handle,
        ctypes.byref(degrees),
        ctypes.byref(conf),
        ctypes.byref(script),
        ctypes.byref(script_conf),
    )
    # (the script's name points into Tesseract's own tables: nothing to free, whatever
    # capi.h says)
    return (degrees.value, conf.value) if found else None


@lru_cache(maxsize=1)
def _capi() -> Any:
    """tesserocr's own libtesseract for ctypes (a wheel keeps it in ``tesserocr.libs``),
    or None."""
    module = Path(_tesserocr().__file__).resolve()
    found = sorted((module.parent.parent / "tesserocr.libs").glob("libtesseract*.so*"))
    if not found:
        found = sorted(module.parent.glob("libtesseract*.so*"))
    if not found:
        return None
    lib = ctypes.CDLL(str(found[0]))
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    lib.TessBaseAPICreate.restype = handle
    lib.TessBaseAPICreate.argtypes = []
    lib.TessBaseAPIInit3.argtypes = [handle, text, text]
    lib.TessBaseAPIInit3.restype = ctypes.c_int
    lib.TessBaseAPIDelete.argtypes = [handle]
    lib.TessBaseAPISetPageSegMode.argtypes = [handle, ctypes.c_int]
    lib.TessBaseAPISetImage.argtypes = [
        handle,
        text,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.TessBaseAPISetSourceResolution.argtypes = [handle, ctypes.c_int]
    lib.TessBaseAPIDetectOrientationScript.argtypes = [
        handle,
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_float),
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_float),
    ]
    lib.TessBaseAPIDetectOrientationScript.restype = ctypes.c_int
    return lib


def tidy(text: str, language: Language) -> str:
    """Tesseract puts a space between Chinese/Japanese characters; the writer did not."""
    if language.code not in UNSPACED:
        return text
    return _CJK_GAP.sub("", text)
