"""How often the automatic recognition language is right, and what it costs in CER.

Run: .venv/bin/python -m bench.language_guess [--quick]

Reads every drawn note (bench.flag_quality's evaluation seeds: en/vi/zh, print and
handwriting-like fonts, photo effects) and every real note (../shared/data/real-notes) with
the default engine, once as "auto" and once in its true language, and prints per language:
how often "auto" chose the true language, and the CER of both readings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import defaultdict

from bench.common import cer, drawn_set, make_engine, normalise, read_all
from bench.flag_quality import EVAL_SEEDS, QUICK_SEEDS
from bench.real_notes import DATA
from bot.ocr.model import Page


def page_cer(truth: str, page: Page, language: str) -> float:
    sep = "" if language == "zh" else " "
    ref = sep.join(normalise(t, language) for t in truth.split("\n") if t.strip())
    hyp = sep.join(normalise(ln.text, language) for ln in page.lines if ln.text)
    return cer(ref, hyp)


async def run(quick: bool) -> None:
    items = [
        (f"drawn/{n.language}", n.image, n.language, "\n".join(n.lines))
        for n in drawn_set(QUICK_SEEDS if quick else EVAL_SEEDS, quick=quick)
    ]
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    items += [
        (f"real/{e['language']}", (DATA / e["image"]).read_bytes(), e["language"], e["text"])
        for e in manifest
    ]
    engine = make_engine("rapid+tesseract", workers=2)
    await engine.start()
    try:
        auto = await read_all(engine, [(img, "auto") for _, img, _, _ in items], concurrency=4)
        told = await read_all(engine, [(img, lang) for _, img, lang, _ in items], concurrency=4)
    finally:
        await engine.close()
    rows: dict[str, list[tuple[bool, float, float]]] = defaultdict(list)
    for (group, _, lang, truth), a, t in zip(items, auto, told, strict=True):
        if isinstance(a, Exception) or isinstance(t, Exception):
            print("   engine error:", group, a if isinstance(a, Exception) else t)
            continue
        rows[group].append(
            (a.language == lang, page_cer(truth, a, lang), page_cer(truth, t, lang))
        )
    print(f"{'set':<10} {'notes':>5} {'auto right':>10} {'CER auto':>9} {'CER told':>9}")
    for group in sorted(rows):
        r = rows[group]
        right = sum(x[0] for x in r)
        print(
            f"{group:<10} {len(r):5d} {100 * right / len(r):9.1f}% "
            f"{sum(x[1] for x in r) / len(r):9.3f} {sum(x[2] for x in r) / len(r):9.3f}"
        )
    total = [x for r in rows.values() for x in r]
    print(f"-> auto chose the written language for {sum(x[0] for x in total)}/{len(total)} notes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    asyncio.run(run(parser.parse_args().quick))


if __name__ == "__main__":
    main()
