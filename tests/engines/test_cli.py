"""`notes-ocr-bot ocr` as a user runs it: real engines, one JSON object per image."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image

from testkit.drawing import NOTE_LINES, draw_lines, note_png, scribbled_note, to_bytes
from testkit.pdfs import make_pdf


def _env(tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: its own data dir, no Aspose license (the trial, as in CI)."""
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    env.pop("ASPOSE_LICENSE_PATH", None)
    return env


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_ocr(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ocr", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp_path),
        cwd=tmp_path,
        check=False,
    )


def _ocr(
    tmp_path: Path, *args: str, data: bytes | None = None, name: str = "note.png"
) -> dict[str, object]:
    image = tmp_path / name
    image.write_bytes(note_png() if data is None else data)
    proc = _run_ocr(tmp_path, "--json", *args, str(image))
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_ocr_json_with_tesseract_gives_every_line_with_a_confidence(tmp_path: Path) -> None:
    result = _ocr(tmp_path, "--engine", "tesseract")
    lines = result["lines"]
    assert isinstance(lines, list)
    assert [line["text"] for line in lines] == list(NOTE_LINES)
    assert all(isinstance(line["confidence"], float) for line in lines)
    assert not any(line["flagged"] for line in lines)


def test_ocr_reads_an_iphone_heic_file_as_it_reads_the_png(tmp_path: Path) -> None:
    heic = io.BytesIO()
    pillow_heif.from_pillow(Image.open(io.BytesIO(note_png())).convert("RGB")).save(
        heic, quality=95
    )
    result = _ocr(tmp_path, "--engine", "tesseract", data=heic.getvalue(), name="IMG_0001.HEIC")
    lines = result["lines"]
    assert isinstance(lines, list)
    assert [line["text"] for line in lines] == list(NOTE_LINES)


@pytest.mark.aspose
def test_ocr_json_with_aspose_reports_trial_truncation(tmp_path: Path) -> None:
    result = _ocr(tmp_path, "--engine", "aspose")
    assert result["engine"] == "aspose"
    lines = result["lines"]
    assert isinstance(lines, list) and len(lines) == len(NOTE_LINES), "no drawn line vanishes"
    assert not any("Trial" in line["text"] for line in lines)
    if result["truncated"]:
        assert result["warnings"], "the cut is said, not passed off as the whole text"
        # What the trial did not return is flagged with an unknown confidence, not invented.
        missing = [line for line in lines if not line["text"]]
        assert all(line["flagged"] and line["confidence"] is None for line in missing)
    read = [line for line in lines if line["text"]]
    assert read and all(line["text"] in NOTE_LINES for line in read)


def test_run_without_token_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in proc.stderr


def _batch_inputs(folder: Path) -> dict[str, tuple[str, ...]]:
    """A folder of notes as a user would have them: a photo with a smudged line, a 2-page
    PDF (a scan and a text page), an iPhone HEIC, and a file that is no image at all.
    Returns the lines written in each readable file."""
    folder.mkdir()
    shopping = ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Finish the report")
    (folder / "shopping.png").write_bytes(to_bytes(scribbled_note(shopping)))
    scan = ("Meeting notes budget review", "Pick up the dry cleaning")
    typed = ("Read chapter five again", "Water the garden plants")
    scan_page = draw_lines(scan, font_name="sans", size=40)
    (folder / "minutes.pdf").write_bytes(make_pdf([scan_page, list(typed)]))
    walk = ("Walk the dog at noon", "Return library books")
    heic = io.BytesIO()
    pillow_heif.from_pillow(Image.open(io.BytesIO(note_png(walk))).convert("RGB")).save(
        heic, quality=95
    )
    (folder / "IMG_0001.HEIC").write_bytes(heic.getvalue())
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a photo")
    return {"shopping": shopping, "minutes": scan + typed, "IMG_0001": walk}


def test_ocr_batch_writes_txt_json_and_searchable_pdf_per_file_and_names_what_to_check(
    tmp_path: Path,
) -> None:
    written = _batch_inputs(tmp_path / "notes")
    out = tmp_path / "out"
    proc = _run_ocr(tmp_path, str(tmp_path / "notes"), "--out", str(out))
    assert proc.returncode == 1, "a file could not be read: the exit code says so"
    report = proc.stdout
    assert (out / "summary.txt").read_text(encoding="utf-8") == report
    assert report.startswith("3 files read (4 pages), 1 failed"), report
    assert "broken.jpg: This is not an image I can read." in report
    assert "broken.jpg" in proc.stderr, "the failure is shown as it happens, too"
    assert not list(out.glob("broken.*")), "nothing is written for a file that failed"

    for name, lines in written.items():
        text = (out / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        assert all(line in text for line in lines), text
        pdf_text = subprocess.run(
            ["pdftotext", str(out / f"{name}.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert all(line in pdf_text for line in lines), pdf_text
        described = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert described["pages"] == (2 if name == "minutes" else 1)
        assert {"page", "line", "text", "box", "confidence", "flagged"} <= set(
            described["lines"][0]
        )

    minutes = json.loads((out / "minutes.json").read_text(encoding="utf-8"))
    assert [(line["page"], line["text"]) for line in minutes["lines"]] == [
        (1, "Meeting notes budget review"),
        (1, "Pick up the dry cleaning"),
        (2, "Read chapter five again"),
        (2, "Water the garden plants"),
    ]
    # Every flagged line, and only those, is in the summary, with where to find it.
    flagged = {
        (name, line["page"], line["line"], line["text"])
        for name in written
        for line in json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["lines"]
        if line["flagged"]
    }
    assert flagged and {name for name, *_ in flagged} == {"shopping"}, flagged
    for _name, page, number, text in flagged:
        assert f"{page}:{number}" in report and text in report
    assert report.count("%  ") == len(flagged)
    assert "shopping.png -> shopping.txt" in report


def test_ctrl_c_stops_the_batch_keeping_what_was_written_whole(tmp_path: Path) -> None:
    files = 60
    folder, out = tmp_path / "notes", tmp_path / "out"
    folder.mkdir()
    # More files than can be read before the interrupt lands, even on a loaded machine.
    for n in range(files):
        (folder / f"note{n:02}.png").write_bytes(note_png((f"Page {n} of the notes", *NOTE_LINES)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ocr", str(folder), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        # Ctrl-C as on a terminal: a test run started in the background (`cmd &`, nohup)
        # would pass on its shell's SIGINT ignored, which the CLI rightly keeps.
        preexec_fn=_default_sigint,
    )
    try:
        # The first file written is the event waited for (a deadline, not a guess at timing).
        deadline = time.monotonic() + 240
        while not list(out.glob("*.pdf")) and proc.poll() is None:
            assert time.monotonic() < deadline, "no file was written"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert "STOPPED before the end" in stdout
    assert (out / "summary.txt").read_text(encoding="utf-8") == stdout
    assert not list(out.glob("*.part")), "nothing half-written is left"
    done = sorted(p.stem for p in out.glob("note*.txt"))
    assert done and len(done) < files
    assert stdout.startswith(f"{len(done)} files read ({len(done)} pages), 0 failed")
    for name in done:
        n = int(name.removeprefix("note"))
        assert f"Page {n} of the notes" in (out / f"{name}.txt").read_text(encoding="utf-8")
        assert (out / f"{name}.json").exists() and (out / f"{name}.pdf").exists()
