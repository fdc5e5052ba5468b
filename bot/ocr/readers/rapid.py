"""RapidOCR (PP-OCR on onnxruntime): the text detector that finds lines, and the reader of
handwriting and Chinese.

The PP-OCRv6 small detector and recognizer ship inside the ``rapidocr`` wheel (Apache-2.0);
nothing is downloaded at run time. :data:`MODELS` pins the files by hash, and
:func:`check_models` refuses to start on others: a different model reads differently, and
the calibration of its scores (``bot/ocr/calibration/``) would no longer hold.

Pitfalls this module keeps away from callers (measured, issue 9):
- ``use_det``/``use_cls``/``use_rec`` persist between calls: every call passes all three.
- ``Global.text_score`` drops lines scoring under 0.5 by default: it is 0 here, so nothing
  vanishes silently; the deciding step flags low scores instead.
- Detection at RapidOCR's default size costs 3x the time at the same quality: the page is
  detected at most ``DETECT_SIDE`` px on its long side.
- Its character set lacks most Vietnamese tone-marked letters ("Tiếng Việt" -> "Ting Vit"),
  and its score does not drop when they go missing: see :mod:`bot.ocr.decide.combined`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.errors import OcrError

log = logging.getLogger(__name__)

NAME = "rapid"
_DETECTOR = "PP-OCRv6_det_small.onnx"
# The wheel's own model files, by sha256 (rapidocr 3.10.0).
MODELS = {
    _DETECTOR: "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
    "PP-OCRv6_rec_small.onnx": "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
}
# Long side the page is detected at (measured on real pages: 960 px is 3x faster than
# RapidOCR's default and finds the same lines; 736 px reads the real pages no worse again,
# and faster: bench.decoding --settings, issue 18).
DETECT_SIDE = 736
# The recognizer's input is at least this wide (RapidOCR's default 320): a short line is
# padded to it instead of filling it. Real handwritten pages read better at 640
# (bench.decoding --settings, issue 18).
REC_WIDTH = 640

# A quadrilateral around one piece of writing: four (x, y) corners, clockwise from top-left,
# in the pixels of the image given to :func:`detect`.
Quad = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Found:
    """One piece of writing the detector found."""

    quad: Quad
    score: float  # the detector's own 0..1 score that this is text

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom), the axis-aligned box around the quad."""
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        return (int(min(xs)), int(min(ys)), round(max(xs)), round(max(ys)))


def model_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


@lru_cache(maxsize=1)
def check_models() -> str:
    """The installed rapidocr version, once its model files are checked against MODELS.

    Raises OcrError naming the file when one is missing or not the one we calibrated."""
    from importlib.metadata import version

    for name, digest in MODELS.items():
        path = model_dir() / name
        if not path.is_file():
            raise OcrError(detail=f"RapidOCR model {name} is missing from {path.parent}")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise OcrError(detail=f"RapidOCR model {name} is not the one calibrated here")
    return version("rapidocr")


# RapidOCR's pipeline object keeps per-call flags on itself: one per thread.
_local = threading.local()


def _engine() -> Any:
    engine = getattr(_local, "engine", None)
    if engine is None:
        check_models()
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from rapidocr import RapidOCR

        engine = RapidOCR(
            params={
                "Global.text_score": 0.0,
                "Global.log_level": "error",
                "Det.limit_type": "max",
                "Det.limit_side_len": DETECT_SIDE,
                "Rec.rec_img_shape": [3, 48, REC_WIDTH],
                # Parallelism comes from our workers; ONNX threads on top only fight them.
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        _local.engine = engine
    return engine


def _bgr(image: Image.Image) -> NDArray[np.uint8]:
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def detect(image: Image.Image, *, cores: int = 1) -> list[Found]:
    """Every piece of writing on ``image`` (usually one per written line, or part of one).

    ``cores`` > 1: the detector's one ONNX run is spread over that many threads (a session
    of its own, made once per thread and core count; the same boxes, to the bit: its
    convolutions split the output, not the sums). For a caller that has those cores to
    itself while it runs: with one thread each, the workers are the parallelism."""
    if cores > 1:
        detector = _engine()._load_det_model()
        alone = detector.session.session
        detector.session.session = _detector_on(cores)
        try:
            return detect(image)
        finally:
            detector.session.session = alone
    out = _engine()(_bgr(image), use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(out, "boxes", None)
    if boxes is None:
        return []
    scores = list(getattr(out, "scores", None) or [1.0] * len(boxes))
    found = []
    for quad, score in zip(boxes, scores, strict=False):
        pts = tuple((float(x), float(y)) for x, y in np.asarray(quad).reshape(4, 2))
        found.append(Found(pts, float(score)))
    return found


def _detector_on(cores: int) -> Any:
    """This thread's detector session running on ``cores`` threads (onnxruntime's
    InferenceSession), made once."""
    sessions: dict[int, Any] | None = getattr(_local, "detectors", None)
    if sessions is None:
        sessions = _local.detectors = {}
    session = sessions.get(cores)
    if session is None:
        import onnxruntime  # type: ignore[import-untyped]

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 4
        # As RapidOCR makes its sessions: memory handed back after each run.
        options.enable_cpu_mem_arena = False
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = cores
        options.inter_op_num_threads = 1
        # Between runs its other threads sleep instead of spinning on a core a photo may need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(
            str(model_dir() / _DETECTOR), sess_options=options, providers=["CPUExecutionProvider"]
        )
        sessions[cores] = session
    return session


def read_alone(image: Image.Image) -> list[tuple[str, float]]:
    """RapidOCR's own pipeline on a page, with the settings here (detector side, recognizer
    width, one ONNX thread, no angle classifier): every piece it finds, read greedily. Not
    the engine's way of reading (that is :mod:`bot.ocr.job.rapid_tesseract`); the yardstick
    its speed is measured against (bench.reading_speed)."""
    out = _engine()(_bgr(image), use_det=True, use_cls=False, use_rec=True)
    texts = list(getattr(out, "txts", None) or ())
    scores = list(getattr(out, "scores", None) or ())
    return [(str(t), float(s)) for t, s in zip(texts, scores, strict=False)]


def crop(image: Image.Image, quad: Quad) -> Image.Image:
    """The quad cut out of ``image`` and warped flat (a slanted line becomes level)."""
    return crops(image, [quad])[0]


def crops(image: Image.Image, quads: list[Quad]) -> list[Image.Image]:
    """Each quad cut out of ``image`` and warped flat; the page's pixels converted once
    (converting a 2000 px page for every line cost ~18 ms a line)."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    if not quads:
        return []
    page = _bgr(image)
    flats = (get_rotate_crop_image(page, np.array(q, dtype=np.float32)) for q in quads)
    return [Image.fromarray(np.ascontiguousarray(flat[:, :, ::-1])) for flat in flats]


def read_line(line: Image.Image) -> tuple[str, float]:
    """(text, score 0..1) of an image holding one line of writing; ("", 0.0) for nothing.

    One line a call: RapidOCR's own batching (``rec_batch_num``, lines padded to the
    widest of each batch) costs 20-30% more CPU time on a page's lines with one ONNX
    thread (bench.reading_speed, issue 18)."""
    if line.width < 4 or line.height < 4:
        return "", 0.0
    out = _engine()(_bgr(line), use_det=False, use_cls=False, use_rec=True)
    texts = list(getattr(out, "txts", None) or ())
    scores = list(getattr(out, "scores", None) or ())
    if not texts:
        return "", 0.0
    text = " ".join(t.strip() for t in texts if t.strip())
    score = float(min(scores)) if scores else 0.0
    return text, (max(0.0, min(1.0, score)) if text else 0.0)


# --- Decoding hook (issue 18): the recognizer's own output, for bot.ocr.decoding ---------


def read_line_seen(line: Image.Image) -> tuple[str, float, NDArray[np.float32] | None]:
    """:func:`read_line`, and the recognizer's per-timestep probabilities its reading was
    decoded from (as :func:`line_probabilities`; None: nothing was recognized). The reading
    is RapidOCR's own, to the character: its preprocessing (a crop under 30 px high is
    enlarged first) is not :func:`line_probabilities`'."""
    rec = _engine()._load_rec_model()
    session = rec.session
    seen: list[NDArray[np.float32]] = []

    def recording(batch: NDArray[np.float32]) -> Any:
        out = session(batch)
        seen.append(np.asarray(out, dtype=np.float32)[0])
        return out

    rec.session = recording  # this thread's own engine: nobody else calls it meanwhile
    try:
        text, score = read_line(line)
    finally:
        rec.session = session
    return text, score, (seen[0] if len(seen) == 1 else None)


def line_probabilities(line: Image.Image, width: int | None = None) -> NDArray[np.float32]:
    """The recognizer's per-timestep label probabilities for one line, T x labels (already
    softmax: column 0 is the CTC blank, the last column the space; see :func:`labels`).
    Each timestep covers 8 px of the line scaled to 48 px high; a line shorter than
    ``width`` (default: the recognizer's ``rec_img_shape``) is padded to it."""
    rec = _engine()._load_rec_model()
    pixels = _bgr(line)
    _, height, shape_width = rec.rec_image_shape[:3]
    width = width or shape_width
    ratio = max(width / height, pixels.shape[1] / max(1, pixels.shape[0]))
    batch = rec.resize_norm_img(pixels, ratio)[np.newaxis, :].astype(np.float32)
    probs: NDArray[np.float32] = np.asarray(rec.session(batch), dtype=np.float32)[0]
    return probs


def detect_at(image: Image.Image, side: int) -> list[Found]:
    """:func:`detect` with the page at most ``side`` px on its long side (for bench)."""
    detector = _engine()._load_det_model()
    before = detector.limit_side_len
    detector.limit_side_len = side
    try:
        return detect(image)
    finally:
        detector.limit_side_len = before


def labels() -> list[str]:
    """The recognizer's labels, by column of :func:`line_probabilities`."""
    return list(_engine()._load_rec_model().postprocess_op.character)
