"""How the quality benches pair what was read with what was written (bench.common)."""

from bench.common import match_page
from bot.ocr.model import Box, Line, Page


def _line(text: str, top: int, height: int = 40) -> Line:
    return Line(text, 0.9, Box(0, top, 1000, height))


def _page(*lines: Line) -> Page:
    return Page("rapid", "en", lines)


def test_one_line_of_ink_a_transcription_broke_in_two_is_scored_as_one() -> None:
    # "he is somewhat deaf. He would" is one line on the page; the transcription breaks it
    truth = ["faculty and close to the front as", "he is somewhat deaf.", "He would", "desire"]
    page = _page(
        _line("faculty and close to the front as", 0),
        _line("he is somewhal deaf. He would", 50),
        _line("desire", 100),
    )
    score = match_page(truth, page, wrong_cer=0.1)
    assert [g.truth for g in score.gt][1] == "he is somewhat deaf. He would"
    assert all(g.own_line and not g.wrong for g in score.gt)


def test_a_band_that_swallows_lines_of_ink_still_stands_for_one() -> None:
    truth = ["first line here", "second line", "third line", "last one"]
    page = _page(
        _line("first line here", 0),
        _line("second line third line", 50, height=100),
        _line("last one", 160),
    )
    score = match_page(truth, page, wrong_cer=0.1)
    assert [g.own_line for g in score.gt] == [True, True, False, True]
