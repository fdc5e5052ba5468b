"""The batch's own choices, without an engine: output names, what is collected, a failing
read that does not stop the others."""

from __future__ import annotations

from pathlib import Path

from bot.batch import Batch, FileResult, collect, output_names, summary
from bot.documents.sources import Limits
from bot.errors import BotError, OcrTimeout
from bot.ocr.model import Box, Line, Page
from testkit.drawing import note_png


def test_output_names_keep_stems_and_never_overwrite_each_other() -> None:
    files = [Path("a/note.jpg"), Path("a/note.pdf"), Path("b/note.jpg"), Path("a/list.png")]
    assert output_names(files) == ["note.jpg", "note.pdf", "note.jpg-2", "list"]


def test_collect_finds_notes_under_a_folder_and_takes_named_files_as_they_are(
    tmp_path: Path,
) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("in/b.HEIC", "in/a.png", "in/sub/c.pdf", "in/notes.txt", "scan.bin"):
        (tmp_path / name).write_bytes(b"x")
    found = collect([tmp_path / "in", tmp_path / "scan.bin", tmp_path / "in" / "a.png"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "in/a.png",
        "in/b.HEIC",
        "in/sub/c.pdf",
        "scan.bin",
    ]


async def test_a_file_the_engine_fails_on_is_reported_and_the_others_are_written(
    tmp_path: Path,
) -> None:
    for name in ("one.png", "two.png", "three.png"):
        (tmp_path / name).write_bytes(note_png((name,)))
    calls = 0

    async def read(image: bytes, language: str) -> Page:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OcrTimeout(detail="took too long")
        sure = Line("Buy milk", 0.97, Box(10, 10, 200, 30))
        unsure = Line("Cal the dentist", 0.41, Box(10, 50, 200, 30))
        return Page("scripted", language, (sure, unsure), 400, 100)

    def explain(exc: BotError) -> str:
        return f"failed: {exc.detail}"

    ended: list[FileResult] = []
    batch = Batch(
        read,
        tmp_path / "out",
        language="en",
        threshold=75,
        limits=Limits(20, 2000, 60_000_000),
        at_once=1,  # one at a time: the second call is the second file
        explain=explain,
    )
    files = [tmp_path / "one.png", tmp_path / "two.png", tmp_path / "three.png"]
    results = await batch.run(files, ended.append)
    assert len(ended) == 3
    assert [r.error for r in results] == [None, "failed: took too long", None]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "one.json",
        "one.pdf",
        "one.txt",
        "three.json",
        "three.pdf",
        "three.txt",
    ]
    assert (tmp_path / "out" / "one.txt").read_text() == "Buy milk\nCal the dentist\n"
    report = summary(results, seconds=1.0)
    assert report.startswith("2 files read (2 pages), 1 failed, 2 lines to check in 2 files")
    assert f"{tmp_path / 'two.png'}: failed: took too long" in report
    assert report.count("1:2    41%  Cal the dentist") == 2
