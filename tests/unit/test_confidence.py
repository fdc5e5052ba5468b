"""The user's threshold means the same for every engine; two agreeing readings earn trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ocr.decide.calibration import Calibration, RereadModel, calibrate, levenshtein
from bot.ocr.decide.evidence import agreement
from bot.ocr.decide.verified import verified_confidence


def test_calibration_interpolates_between_points() -> None:
    cal = Calibration([(0.0, 0.0), (0.8, 0.4), (1.0, 1.0)])
    assert cal(0.0) == 0.0
    assert cal(0.4) == pytest.approx(0.2)
    assert cal(0.8) == pytest.approx(0.4)
    assert cal(0.9) == pytest.approx(0.7)
    assert cal(1.0) == 1.0


def test_calibration_clamps_out_of_range_scores() -> None:
    cal = Calibration([(0.2, 0.1), (0.9, 0.8)])
    assert cal(-1.0) == 0.1
    assert cal(0.0) == 0.1
    assert cal(5.0) == 0.8


@pytest.mark.parametrize(
    "points",
    [
        [(0.0, 0.0)],
        [(0.0, 0.5), (1.0, 0.2)],  # lowers a higher raw score
        [(0.5, 0.1), (0.5, 0.2)],
        [(0.0, 0.0), (1.0, 1.5)],
    ],
)
def test_bad_calibration_is_refused(points: list[tuple[float, float]]) -> None:
    with pytest.raises(ValueError):
        Calibration(points)


def test_calibration_loads_from_json(tmp_path: Path) -> None:
    (tmp_path / "demo.json").write_text(json.dumps({"points": [[0, 0], [0.5, 0.1], [1, 1]]}))
    cal = Calibration.load("demo", tmp_path)
    assert cal(0.5) == pytest.approx(0.1)
    # No file: the raw score is passed through unchanged.
    assert Calibration.load("nothing-here", tmp_path)(0.37) == pytest.approx(0.37)


def test_shipped_tesseract_map_flags_middling_scores() -> None:
    cal = Calibration.load("tesseract")
    # Tesseract's "80% sure" lines are wrong about half the time on handwriting.
    assert cal(0.75) < 0.75
    assert cal(0.85) < 0.75
    assert cal(0.90) < 0.75
    # Clean print reads at ~0.96 raw and must not be flagged at the default threshold.
    assert cal(0.96) >= 0.75
    raws = [i / 100 for i in range(101)]
    values = [cal(r) for r in raws]
    assert values == sorted(values)


def test_calibrate_keeps_unknown_unknown() -> None:
    assert calibrate(None, Calibration.identity()) is None
    assert calibrate(0.5, None) == 0.5


def test_levenshtein() -> None:
    assert levenshtein("", "") == 0
    assert levenshtein("abc", "") == 3
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("milk", "milh") == 1


def test_agreement() -> None:
    assert agreement("Buy milk", "Buy milk") == 1.0
    assert agreement("Buy  milk ", "Buy milk") == 1.0  # spacing is not content
    assert agreement("Buy milk", "Buy milh") == pytest.approx(1 - 1 / 8)
    assert agreement("Buy milk", "") == 0.0
    assert agreement("", "") == 0.0
    assert agreement("abc", "xyz") == 0.0


def test_verified_confidence_rewards_agreement() -> None:
    same = verified_confidence("Call the dentist", "Call the dentist", 0.9)
    close = verified_confidence("Call the dentist", "Cal the dentist", 0.9)
    assert same == pytest.approx(0.96)
    assert close < same
    assert same * 100 >= 75  # two engines agreeing on a line: not flagged


def test_verified_confidence_is_zero_when_readings_disagree() -> None:
    assert verified_confidence("Call the dentist", "Pick up eggs", 0.99) == 0.0
    assert verified_confidence("Call the dentist", "", 0.99) == 0.0


def test_verified_confidence_needs_tesseract_to_be_sure_too() -> None:
    # Same text, but Tesseract was guessing: the line should still be checked.
    assert verified_confidence("Buy milk", "Buy milk", 0.1) * 100 < 75


def test_reread_model_trusts_agreement_and_score_together(tmp_path: Path) -> None:
    model = {"scales": [0.6, 0.8], "intercept": -6.0, "conf_weight": 1.4, "agree_weight": 2.3}
    (tmp_path / "demo.json").write_text(json.dumps({"points": [[0, 0], [1, 1]], "rereads": model}))
    rereads = RereadModel.load("demo", tmp_path)
    assert rereads is not None and rereads.scales == (0.6, 0.8)
    # More agreement or a higher score never lowers confidence.
    assert rereads(0.9, 0) < rereads(0.9, 1) < rereads(0.9, 2)
    assert rereads(0.8, 2) < rereads(0.9, 2) < rereads(0.99, 2)
    # least_raw is where a line with that much agreement reaches the threshold.
    for agreed in (0, 1, 2):
        assert rereads(rereads.least_raw(0.75, agreed), agreed) == pytest.approx(0.75)
    # A map without a re-read section has no model.
    (tmp_path / "plain.json").write_text(json.dumps({"points": [[0, 0], [1, 1]]}))
    assert RereadModel.load("plain", tmp_path) is None


def test_reread_model_refuses_weights_that_punish_agreement() -> None:
    with pytest.raises(ValueError):
        RereadModel(scales=(0.6,), intercept=0.0, conf_weight=1.0, agree_weight=-1.0)
    with pytest.raises(ValueError):
        RereadModel(scales=(), intercept=0.0, conf_weight=1.0, agree_weight=1.0)
