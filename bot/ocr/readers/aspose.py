"""The Aspose OCR engine, as it runs inside a spawned worker process (and for CLI tools).

Aspose holds the GIL for a whole recognition and a forked child of a process that imported
it hangs, so the bot process never imports ``aspose.ocr``: :mod:`bot.ocr.run.processes` spawns
workers that call :func:`init_worker` once and then :func:`recognize_in_worker` per image.
Everything crossing the process boundary (config, results, errors) is a small picklable value.

:func:`fetch_models` and :func:`probe` are for the command line (``fetch-models``,
``doctor``), which may import Aspose in its own short-lived process.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import LicenseProblem, OcrError
from bot.ocr.languages import ASPOSE_HANDWRITING_MODEL, resolve

if TYPE_CHECKING:
    from PIL import Image

# Aspose appends this line to the text (and says "Trial Licenses" in the warnings) when no
# license is applied; it is not the user's writing.
_TRIAL_MARKER = re.compile(r"\**\s*Trial Licenses\s*\**", re.IGNORECASE)
# Straightening resamples the page (slight blur): not worth it for a fraction of a degree.
# Beyond 20 degrees the estimate is more likely wrong (or the page is sideways) than right.
MIN_SKEW_DEGREES = 0.5
MAX_SKEW_DEGREES = 20.0
# RuntimeError text when a language needs a model file that is not installed.
_MISSING_MODEL = re.compile(r"Please install the '([^']+\.ocr)'")


@dataclass(frozen=True, slots=True)
class AsposeWorkerConfig:
    """What a worker needs to set Aspose up. Picklable: it travels to spawned processes."""

    license_path: str | None
    license_base64: str | None
    models_dir: str
    intra_threads: int = 1


@dataclass(frozen=True, slots=True)
class WorkerLine:
    text: str
    box: tuple[int, int, int, int]  # left, top, width, height in the image sent to the worker
    # Aspose's own score 0..1; 0.0 means "no score" (always so in trial mode).
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class WorkerResult:
    """One image's recognition as it leaves the worker (picklable, no Aspose objects)."""

    lines: tuple[WorkerLine, ...]
    width: int
    height: int
    truncated: bool  # the trial cut the text short
    warnings: tuple[str, ...] = field(default_factory=tuple)
    licensed: bool = False
    # Set instead of raising ModelMissing: that exception does not survive pickling intact
    # (its __init__ takes the model name, but unpickling passes it the user sentence).
    missing_model: str | None = None
    # The page was turned by this many degrees (PIL's counter-clockwise convention, see
    # deskew()) before reading; boxes and width/height are those of the turned page.
    deskew_angle: float = 0.0


# Per-worker state, set by init_worker. Module globals because a ProcessPoolExecutor
# initializer has nowhere else to keep them.
_api: Any = None
_licensed: bool = False
# A license that failed to apply is reported on every job rather than breaking the pool
# (an initializer that raises makes every future fail with an unexplained BrokenProcessPool).
_init_error: OcrError | None = None


def _import_aspose(models_dir: str, *, downloads: bool, intra_threads: int = 1) -> Any:
    """Import and configure Aspose for this process. Env vars must precede the import."""
    os.environ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1"
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import aspose.ocr as ocr

    Path(models_dir).mkdir(parents=True, exist_ok=True)
    ocr.Resources.set_local_path(str(models_dir))
    ocr.Resources.allow_automatic_downloads(downloads)
    # One thread per worker: parallelism comes from processes; ONNX's own threads on top of
    # that only fight over the cores (measured 3x slower with the defaults).
    ocr.OnnxRuntimeSessionOptions.set_intra_op_num_threads(intra_threads)
    ocr.OnnxRuntimeSessionOptions.set_inter_op_num_threads(1)
    return ocr


def _apply_license(ocr: Any, license_path: str | None, license_base64: str | None) -> bool:
    """Apply the configured license, if any. Returns whether Aspose now runs licensed."""
    if license_path:
        if not Path(license_path).is_file():
            raise LicenseProblem(detail=f"license file {license_path} not found")
        try:
            ocr.License().set_license(str(license_path))
        except Exception as exc:
            raise LicenseProblem(detail=f"license {license_path} rejected: {exc}") from exc
    elif license_base64:
        try:
            raw = base64.b64decode(license_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise LicenseProblem(detail=f"ASPOSE_LICENSE_BASE64 is not base64: {exc}") from exc
        # Aspose only reads a license from a path; the file lives for the call only.
        fd, tmp = tempfile.mkstemp(suffix=".lic")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            ocr.License().set_license(tmp)
        except Exception as exc:
            raise LicenseProblem(detail=f"license from base64 rejected: {exc}") from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
    return bool(ocr.License().is_licensed)


def init_worker(config: AsposeWorkerConfig) -> None:
    """ProcessPoolExecutor initializer: configure Aspose, license it, create and warm one API."""
    global _api, _licensed, _init_error
    ocr = _import_aspose(
        config.models_dir, downloads=False, intra_threads=max(1, config.intra_threads)
    )
    try:
        _licensed = _apply_license(ocr, config.license_path, config.license_base64)
    except LicenseProblem as exc:
        _init_error = exc
        return
    _api = ocr.AsposeOcr()
    # The first recognition loads the ONNX models (about a second); pay it here, not on a
    # user's photo.
    # Best effort: a real job reports any error properly.
    with contextlib.suppress(Exception):
        _recognize(_warmup_png(), "en")


def _warmup_png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("L", (320, 64), 255)
    ImageDraw.Draw(img).text((10, 20), "warm up 123", fill=0)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def recognize_in_worker(image_png: bytes, language_code: str) -> WorkerResult:
    """Read one PNG. Raises LicenseProblem / OcrError (picklable); a missing model comes
    back as ``WorkerResult.missing_model`` (see there)."""
    if _init_error is not None:
        raise _init_error
    if _api is None:
        raise OcrError(detail="Aspose worker used before init_worker")
    return _recognize(image_png, language_code)


def _recognize(image_png: bytes, language_code: str) -> WorkerResult:
    import aspose.ocr as ocr
    from PIL import Image

    lang = resolve(language_code)
    with Image.open(io.BytesIO(image_png)) as probe_img:
        width, height = probe_img.size

    # Photos of notes are rarely straight and Aspose's line finder wants horizontal lines.
    # We straighten the page ourselves rather than with Aspose's auto_skew filter: its boxes
    # would then be in a rotated frame we cannot reproduce, and the parent needs boxes it
    # can map onto the user's photo (and crop for the second reading).
    angle = _skew_angle(ocr, image_png)
    if angle:
        with Image.open(io.BytesIO(image_png)) as original:
            straight = deskew(original, angle)
        width, height = straight.size
        image_png = _png(straight)
    inp = ocr.OcrInput(ocr.InputType.BASE64)
    inp.add_base64(base64.b64encode(image_png).decode("ascii"))
    settings = ocr.RecognitionSettings()
    settings.language = getattr(ocr.Language, lang.aspose)
    try:
        results = _api.recognize(inp, settings)
    except RuntimeError as exc:
        missing = _MISSING_MODEL.search(str(exc))
        if missing:
            return WorkerResult(
                (),
                width,
                height,
                truncated=False,
                licensed=_licensed,
                missing_model=missing.group(1),
            )
        raise OcrError(detail=f"Aspose failed: {exc}") from None
    if not results:
        return WorkerResult(
            (), width, height, truncated=False, licensed=_licensed, deskew_angle=angle
        )
    res = results[0]

    warnings = tuple(str(w) for w in (res.warnings or ()))
    full_text = str(res.recognition_text or "")
    trial = (
        not _licensed
        or any("Trial Licenses" in w for w in warnings)
        or "Trial Licenses" in full_text
    )
    lines: list[WorkerLine] = []
    for item in res.recognition_lines_result or ():
        text = str(item.text_in_line or "")
        if trial:
            text = _TRIAL_MARKER.sub("", text)
        text = text.strip()
        if not text:
            continue
        rect = item.line
        box = (int(rect.x), int(rect.y), int(rect.width), int(rect.height))
        lines.append(WorkerLine(text, box, float(item.confidence or 0.0)))
    # Repeated per page in trial mode; once is enough for the log.
    unique_warnings = tuple(dict.fromkeys(warnings))
    return WorkerResult(
        tuple(lines),
        width,
        height,
        truncated=trial,
        warnings=unique_warnings,
        licensed=_licensed,
        deskew_angle=angle,
    )


def _skew_angle(ocr: Any, image_png: bytes) -> float:
    """Aspose's estimate of how far the text is turned; 0.0 when too small to bother."""
    inp = ocr.OcrInput(ocr.InputType.BASE64)
    inp.add_base64(base64.b64encode(image_png).decode("ascii"))
    try:
        skews = _api.calculate_skew(inp)
        angle = float(skews[0].angle) if skews else 0.0
    except Exception:
        # Reading a page as it is beats not reading it at all.
        return 0.0
    if abs(angle) < MIN_SKEW_DEGREES or abs(angle) > MAX_SKEW_DEGREES:
        return 0.0
    return angle


def deskew(image: Image.Image, angle: float) -> Image.Image:
    """Turn ``image`` by ``angle`` degrees counter-clockwise onto a larger white page.

    Deterministic: the parent repeats it on its own copy to get the page the worker read.
    """
    from PIL import Image

    fill: int | tuple[int, int, int] = 255 if image.mode == "L" else (255, 255, 255)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def worker_pid() -> int:
    """Submitted once per new worker: starts it (running the initializer) and names it."""
    return os.getpid()


def fetch_models(
    codes: list[str] | tuple[str, ...], models_dir: str | Path, *, handwriting: bool = False
) -> list[str]:
    """Download the Aspose models ``codes`` need into ``models_dir`` (CLI, needs network).

    Returns the model file names fetched or already present. Call it from a CLI process,
    never from the bot process (that one must not import Aspose).
    """
    ocr = _import_aspose(str(models_dir), downloads=True)
    wanted = list(dict.fromkeys(m for m in (resolve(c).aspose_model for c in codes) if m))
    if handwriting:
        wanted.append(ASPOSE_HANDWRITING_MODEL)
    for model in wanted:
        if not (Path(models_dir) / model).exists():
            ocr.Resources.fetch_resource(model)
    return wanted


def probe(config: AsposeWorkerConfig | str | Path | None = None) -> dict[str, object]:
    """What ``doctor`` reports: Aspose version, whether the license applies, local models.

    Given only a models directory, no license is applied, so ``licensed`` is False.
    """
    if config is None or isinstance(config, (str, Path)):
        config = AsposeWorkerConfig(None, None, str(config or "data/aspose-models"))
    models_dir = config.models_dir
    ocr = _import_aspose(models_dir, downloads=False)
    info: dict[str, object] = {"version": str(ocr.VERSION), "models_dir": str(models_dir)}
    try:
        info["licensed"] = _apply_license(ocr, config.license_path, config.license_base64)
        info["license_error"] = None
    except LicenseProblem as exc:
        info["licensed"] = False
        info["license_error"] = exc.detail
    local = sorted(p.name for p in Path(models_dir).glob("*.ocr"))
    # The directory listing above is the fallback if Aspose's own listing fails.
    with contextlib.suppress(Exception):
        local = sorted(set(local) | {str(m) for m in (ocr.Resources.list_local() or ())})
    info["local_models"] = local
    return info
