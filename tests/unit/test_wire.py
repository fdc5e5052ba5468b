"""What crosses the OCR queue comes back as it left: the page, and the sentence of an error."""

from __future__ import annotations

import json
import pickle

import pytest

from bot.errors import BotError, ModelMissing, OcrError, OcrTimeout, TooManyPages
from bot.ocr.model import Box, ConfidenceSource, Line, Page
from bot.ocr.run.queue.wire import decode_result, error_result, page_result

PAGE = Page(
    engine="rapid+tesseract",
    language="vi",
    lines=(
        Line("Hôm nay trời đẹp quá", 0.9371234567, Box(10, 20, 300, 40)),
        Line("今天天气很好", None, None, ConfidenceSource.UNKNOWN),
        Line("", 0.0, Box(0, 0, 1, 1), ConfidenceSource.DETECTED),
        Line("Mua sữa", 1 / 3, Box(5, 90, 120, 38), ConfidenceSource.VERIFIED),
    ),
    width=1200,
    height=900,
    truncated=True,
    warnings=("trial", "turned"),
)


def test_a_page_survives_json_and_pickle_whole() -> None:
    assert Page.from_dict(json.loads(json.dumps(PAGE.to_dict()))) == PAGE
    assert decode_result(pickle.loads(pickle.dumps(page_result(PAGE)))) == PAGE


@pytest.mark.parametrize(
    "error",
    [
        OcrTimeout(detail="over 2s"),
        ModelMissing("chinese", "zh"),
        TooManyPages(30, 20),
        OcrError(detail="boom"),
    ],
)
def test_an_error_from_a_worker_reaches_the_user_as_the_same_sentence(error: BotError) -> None:
    with pytest.raises(type(error)) as caught:
        decode_result(pickle.loads(pickle.dumps(error_result(error))))
    assert (caught.value.key, caught.value.params) == (error.key, error.params)
    assert caught.value.detail == error.detail


def test_an_unknown_error_kind_becomes_the_general_reading_error() -> None:
    with pytest.raises(OcrError) as caught:
        decode_result({"error": "SomethingNew", "key": "x", "params": {}, "detail": "d"})
    assert type(caught.value) is OcrError
    assert caught.value.key == OcrError.key
    with pytest.raises(OcrError):
        decode_result({"error": "Exception", "key": "x", "params": {}, "detail": "d"})
