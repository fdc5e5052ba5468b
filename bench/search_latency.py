"""Search latency on SQLite: 10,000 notes of one user plus notes of 100 other users.

Run: .venv/bin/python bench/search_latency.py [--notes 10000] [--searches 200] [--url URL]
Prints p50/p95/max of ``NotesRepo.search`` for the busy user (target: p95 < 50 ms).
Notes are inserted in bulk (same rows and FTS triggers as add_note, minus 15k commits) so
the whole run stays well under two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.storage import open_database
from bot.storage.schema import notes
from bot.storage.search import search_text

WORDS = [
    "meeting",
    "budget",
    "review",
    "report",
    "dentist",
    "milk",
    "eggs",
    "call",
    "finish",
    "quarterly",
    "pick",
    "dry",
    "cleaning",
    "read",
    "chapter",
    "again",
    "tomorrow",
    "project",
    "deadline",
    "team",
    "lunch",
    "invoice",
    "client",
    "email",
    "draft",
    "plan",
    "garden",
    "train",
    "ticket",
    "doctor",
    "school",
    "homework",
    "birthday",
    "gift",
    "party",
    "friday",
    "monday",
    "weekend",
    "flight",
    "hotel",
    "passport",
    "insurance",
    "tax",
    "bank",
    "rent",
    "salary",
    "grocery",
    "bread",
    "coffee",
    "tea",
    "apples",
    "recipe",
    "soup",
    "chicken",
    "rice",
    "pasta",
    "exercise",
    "run",
    "yoga",
    "swim",
    "book",
    "movie",
    "music",
    "concert",
    "idea",
    "design",
    "sketch",
    "prototype",
    "release",
    "bug",
    "fix",
    "deploy",
    "server",
    "backup",
    "password",
    "update",
    "laptop",
]
VIETNAMESE = ["Xin chào các bạn", "Họp lúc 3 giờ chiều", "Đi chợ mua rau", "Gọi điện cho mẹ"]
CHINESE = ["明天下午三点开会", "准备季度报告", "去超市买牛奶", "给客户发邮件"]

QUERIES = [
    "meeting",  # in a large share of the notes
    "budget review",
    "dentist tomorrow",
    "quarterly report friday",
    "chao",
    "chợ",
    "报告",
    "开会",
    "passport",
    "xylophone",  # in no note
    "meet",
    "invoice client email",
]


def make_note(rng: random.Random) -> str:
    lines = [" ".join(rng.choices(WORDS, k=rng.randint(3, 9))) for _ in range(rng.randint(2, 8))]
    if rng.random() < 0.1:
        lines.append(rng.choice(VIETNAMESE))
    if rng.random() < 0.1:
        lines.append(rng.choice(CHINESE))
    return "\n".join(lines)


def rows_for(
    user_id: int, count: int, rng: random.Random, start: datetime
) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        text = make_note(rng)
        rows.append(
            {
                "user_id": user_id,
                "created_at": start + timedelta(minutes=i),
                "text": text,
                "language": "en",
                "engine": "bench",
                "file_ids": [f"file-{user_id}-{i}"],
                "lines": [
                    {"text": t, "state": "confirmed", "confidence": 0.9} for t in text.split("\n")
                ],
                "search_text": search_text(text),
                "idempotency_key": f"bench-{user_id}-{i}",
            }
        )
    return rows


async def run(
    n_notes: int, n_others: int, per_other: int, n_searches: int, url: str | None
) -> None:
    rng = random.Random(1234)
    with tempfile.TemporaryDirectory() as tmp:
        # --url: an EMPTY database of your own (e.g. PostgreSQL); default: a temp SQLite file.
        db = await open_database(url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            start = datetime(2026, 1, 1, tzinfo=UTC)
            t0 = time.perf_counter()
            async with db.engine.begin() as conn:
                await conn.execute(notes.insert(), rows_for(1, n_notes, rng, start))
                for user in range(2, 2 + n_others):
                    await conn.execute(notes.insert(), rows_for(user, per_other, rng, start))
            fill = time.perf_counter() - t0
            print(f"{db.dialect}: filled {n_notes} + {n_others}x{per_other} notes in {fill:.1f} s")

            await db.notes.search(1, "warmup")
            timings: dict[str, list[float]] = {q: [] for q in QUERIES}
            all_ms: list[float] = []
            for i in range(n_searches):
                query = QUERIES[i % len(QUERIES)]
                t = time.perf_counter()
                await db.notes.search(1, query, limit=10)
                ms = (time.perf_counter() - t) * 1000
                timings[query].append(ms)
                all_ms.append(ms)
            hits = {q: len(await db.notes.search(1, q, limit=10_000)) for q in QUERIES}
        finally:
            await db.close()

    for query, values in timings.items():
        print(
            f"  {query!r:28} matches={hits[query]:5d}  median={statistics.median(values):6.1f} ms"
        )
    cuts = statistics.quantiles(all_ms, n=100)
    print(
        f"{n_searches} searches: p50={cuts[49]:.1f} ms  p95={cuts[94]:.1f} ms  "
        f"max={max(all_ms):.1f} ms  (target p95 < 50 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=100)
    parser.add_argument("--per-other", type=int, default=50)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--url", help="database URL of an empty database (default: temp SQLite)")
    args = parser.parse_args()
    asyncio.run(run(args.notes, args.others, args.per_other, args.searches, args.url))


if __name__ == "__main__":
    main()
