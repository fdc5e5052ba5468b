"""Write bot/ocr/decide/vi_words.txt: Vietnamese words of two to four syllables, from pyvi.

pyvi (PyPI, MIT licence, Viet-Trung Tran) ships a word list beside its segmenter,
``pyvi/models/words.txt``: 31 157 entries, 25 415 of them of several syllables ("cửa sổ",
"bút chì", "ban công"). The bot ships the entries of two to four syllables written only in
Vietnamese letters, in lower case, NFC, sorted (bot/ocr/decide/compounds.py reads them),
with pyvi's licence beside them (vi_words.LICENSE). Run once by whoever updates the list;
neither the bot nor its install needs pyvi (its wheel brings scikit-learn for a 350 kB list).

Run: .venv/bin/python scripts/vi_words.py   (pip downloads the pinned wheel, checks its sha256)
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

WHEEL = "pyvi-0.1.1-py2.py3-none-any.whl"
SHA256 = "e5e9e0e40ea1a556af12646c6b754f065342c86f1dfe84785ba926e1190c0bb7"
MEMBER = "pyvi/models/words.txt"
OUT = Path(__file__).resolve().parents[1] / "bot" / "ocr" / "decide" / "vi_words.txt"
LETTERS = frozenset(
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵbcdđfghjklmnpqrstvwxz"
)


def entries(text: str) -> list[str]:
    kept = set()
    for line in text.splitlines():
        words = unicodedata.normalize("NFC", line.strip().lower()).split()
        if 2 <= len(words) <= 4 and all(set(w) <= LETTERS for w in words):
            kept.add(" ".join(words))
    return sorted(kept)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 (the running interpreter's pip, a pinned name)
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, "pyvi==0.1.1"],
            check=True,
        )
        wheel = Path(tmp) / WHEEL
        if hashlib.sha256(wheel.read_bytes()).hexdigest() != SHA256:
            raise SystemExit(f"{WHEEL}: checksum mismatch")
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(MEMBER).decode("utf-8")
    kept = entries(text)
    OUT.write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(kept)} words -> {OUT}")


if __name__ == "__main__":
    main()
