"""Today's drawn Chinese and Vietnamese notes read by an older checkout's engine: "no worse
than today" measured on the same images.

The drawn notes change with the code (2026-12-07: Vietnamese drawn in faces with every letter
instead of boxes), so an older figure is of other images. This writes today's notes to a
file, and reads them with whatever ``bench.common`` is on the path (an older checkout's
engine, its own scoring):

Run:  .venv/bin/python -m bench.like_for_like --write /tmp/notes.pkl
      git worktree add --detach /tmp/old c205da4 && ln -s "$PWD/.cache" /tmp/old/.cache
      cp bench/like_for_like.py /tmp/old/bench/ && cd /tmp/old
      PYTHONPATH=. "$OLDPWD/.venv/bin/python" -m bench.like_for_like --read /tmp/notes.pkl \\
          [--engine rapid+tesseract]

and today's figures: ``bench.flag_quality --engine rapid+tesseract+lm [--held-out-texts]``
(the rows lang=vi, lang=zh). The old engine is the default of its day (c205da4:
``rapid+tesseract``, greedy).
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
from collections import defaultdict
from pathlib import Path
from typing import Any


def write(path: Path) -> None:
    from bench.common import drawn_set
    from bench.flag_quality import EVAL_SEEDS

    notes = {
        "eval": drawn_set(EVAL_SEEDS),
        "held-out": drawn_set(EVAL_SEEDS, held_out=True),
    }
    plain = {
        name: [(n.name, n.language, n.lines, n.image) for n in found if n.language in ("vi", "zh")]
        for name, found in notes.items()
    }
    path.write_bytes(pickle.dumps(plain))
    print({name: len(found) for name, found in plain.items()}, "notes ->", path)


Notes = dict[str, list[tuple[str, str, tuple[str, ...], bytes]]]


async def read(notes: Notes, engine_name: str) -> None:
    # Whatever bench.common is on the path: an older checkout's, its engine and scoring.
    from bench.common import Tally, make_engine, match_page, read_all

    engine = make_engine(engine_name, workers=2)
    await engine.start()
    try:
        for name, found in notes.items():
            pages = await read_all(engine, [(im, lang) for _, lang, _, im in found], concurrency=4)
            tallies: dict[str, Any] = defaultdict(Tally)
            for (_, language, lines, _), page in zip(found, pages, strict=True):
                if not isinstance(page, Exception):
                    tallies[language].add(match_page(lines, page, language=language))
            for language, tally in sorted(tallies.items()):
                print(name, tally.row(f"lang={language}"))
    finally:
        await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write today's notes to this file")
    parser.add_argument("--read", type=Path, help="read the notes of this file")
    parser.add_argument("--engine", default="rapid+tesseract")
    args = parser.parse_args()
    if args.write:
        write(args.write)
    if args.read:
        asyncio.run(read(pickle.loads(args.read.read_bytes()), args.engine))


if __name__ == "__main__":
    main()
