"""Load test: many users sending several photos at once to the real bot (Tesseract, default
workers and queue) through the fake Bot API server on 127.0.0.1. Bounded in users, photos and
time; stops by itself; nothing leaves loopback.

Run: .venv/bin/python -m bench.load_test [--quick] [--users 30] [--photos 3] [--timeout 600]

Each simulated user sends all its photos back to back (drawn notes, different per photo and
user). Most are clean printed notes that finish without review; every tenth user's first photo
has a scribbled line that gets flagged, and that user confirms (or drops) the lines to check.
A separate user sends /start one after another the whole time.

Reported:
- photos answered: reached the final note (or a review to do), or were refused with a message
  ("busy" from the OCR queue, "wait" from the per-user in-flight limit, or an error);
- notes lost: photos whose final note was shown but is not in the database, plus duplicates
  (two stored notes for one photo; saving is idempotent per review);
- time to reply, photo sent -> final note, the review's controls message, or the refusal;
- how many were told to wait (USER_MAX_IN_FLIGHT, OCR_QUEUE_SIZE);
- peak RSS of this process (VmHWM: bot, engine threads and fake server all live here);
- /start latency p50/p99 idle and during the load.

The bot's messages are timestamped as the fake server records them (a FakeBotApi subclass
hooks its message bookkeeping), so observing costs the event loop nothing during the run.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIRST_CHAT = 50_000
PROBE_CHAT = 59_999

# Three different notes per user; the keywords tell which photo a reply belongs to (the
# replies of one user's photos share a chat and may come in any order).
SLOTS: tuple[tuple[str, ...], ...] = (
    ("Buy milk and eggs tomorrow", "Call the dentist at 3 pm", "Read chapter five again"),
    ("Finish the quarterly report", "Meeting notes: budget review", "Pick up the dry cleaning"),
    ("Pick up the parcel", "Send the invoice today", "Book the train tickets"),
)
KEYWORDS: tuple[tuple[str, ...], ...] = (
    ("milk", "dentist", "chapter"),
    ("quarterly", "budget", "cleaning"),
    ("parcel", "invoice", "train"),
)
BUSY = "busy with many photos"
WAIT = "You already have photos being read"
NO_TEXT = "I found no text"
RETYPE = "Retype"  # on the review card's buttons


@dataclass
class Event:
    """A bot message as the fake server recorded it (new, or an edit)."""

    t: float
    edit: bool
    message_id: int
    text: str
    buttons: list[tuple[str, str | None]]
    reply_to: int | None
    is_media: bool


@dataclass
class Photo:
    slot: int
    message_id: int
    file_id: str
    flagged: bool
    sent: float = 0.0
    status_id: int | None = None
    replied: float | None = None  # final note, review controls, or refusal
    outcome: str = "unanswered"  # note | review | busy | wait | error | no-text | unanswered
    note_shown: float | None = None
    reviewed: bool = False  # the bot asked to check lines, and the user did


@dataclass
class User:
    chat_id: int
    photos: list[Photo] = field(default_factory=list)
    seen: int = 0
    summary_slot: int | None = None


def _make_fake_class() -> Any:
    from testkit.fake_bot_api import BotMessage, FakeBotApi, html_to_plain

    class RecordingFake(FakeBotApi):
        """FakeBotApi that timestamps every new or edited bot message, per chat."""

        def __init__(self, token: str) -> None:
            super().__init__(token)
            self.events: dict[int, list[Event]] = {}

        def _record(self, msg: BotMessage, edit: bool) -> None:
            text = msg.body
            if (msg.parse_mode or "").upper() == "HTML":
                text = html_to_plain(text)
            self.events.setdefault(msg.chat_id, []).append(
                Event(
                    time.perf_counter(),
                    edit,
                    msg.message_id,
                    text,
                    [b for row in msg.buttons for b in row],
                    msg.reply_to_message_id,
                    msg.photo is not None or msg.document is not None,
                )
            )

        def _new_bot_message(self, chat_id: int, params: Any, **fields: Any) -> BotMessage:
            msg = super()._new_bot_message(chat_id, params, **fields)
            self._record(msg, edit=False)
            return msg

        def _apply_edit(self, msg: BotMessage, **changes: Any) -> Any:
            out = super()._apply_edit(msg, **changes)
            self._record(msg, edit=True)
            return out

    return RecordingFake


def draw(users: int, photos: int) -> dict[tuple[int, int], tuple[bytes, bool]]:
    """(user, slot) -> (image, has a flagged scribble). Drawn before the bot starts: drawing
    is CPU work in this process that would otherwise count as bot latency."""
    from testkit.drawing import note_png, scribbled_note, to_bytes

    out: dict[tuple[int, int], tuple[bytes, bool]] = {}
    for u in range(users):
        for s in range(photos):
            lines = SLOTS[s % len(SLOTS)]
            if s == 0 and u % 10 == 0:
                # Clean lines plus a faint blurred scribble the reader cannot trust.
                img = scribbled_note(lines, seed=u)
                out[(u, s)] = (to_bytes(img), True)
            else:
                out[(u, s)] = (note_png(lines, seed=u * 10 + s), False)
    return out


def slot_of(text: str, photos: int) -> int | None:
    low = text.lower()
    scores = [sum(k in low for k in KEYWORDS[s % len(SLOTS)]) for s in range(photos)]
    best = max(scores)
    return scores.index(best) if best > 0 else None


async def run_user(fake: Any, user: User, deadline: float, idle: float) -> None:
    """Play one user: watch the chat, settle any review, until every photo has its answer,
    the deadline passes, or the chat stays silent for ``idle`` seconds (a photo the bot
    dropped without a word would otherwise hold the run until the deadline)."""
    chat = user.chat_id
    by_status: dict[int, Photo] = {}
    review_open = False

    def pending() -> bool:
        return any(p.outcome in ("unanswered", "review") for p in user.photos) or review_open

    while pending():
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return
        try:
            await fake.wait_for(
                lambda: len(fake.events.get(chat, ())) > user.seen, min(remaining, idle)
            )
        except TimeoutError:
            return
        new = fake.events[chat][user.seen :]
        user.seen += len(new)
        for ev in new:
            photo = next((p for p in user.photos if p.message_id == ev.reply_to), None)
            if photo is not None and not ev.edit:
                photo.status_id = ev.message_id
                by_status[ev.message_id] = photo
                continue
            if ev.message_id in by_status:
                photo = by_status[ev.message_id]
                if ev.text.startswith("⚠️") and photo.outcome == "unanswered":
                    photo.replied = ev.t
                    photo.outcome = "busy" if BUSY in ev.text else "error"
                elif NO_TEXT in ev.text and photo.outcome == "unanswered":
                    photo.replied, photo.outcome = ev.t, "no-text"
                elif ev.text.startswith("📝 Read in"):
                    # The status message becomes the summary (no separate summary message).
                    user.summary_slot = slot_of(ev.text, len(user.photos))
                continue
            if ev.edit:
                continue  # line messages and controls being settled
            if WAIT in ev.text:
                waiting = next(
                    (p for p in user.photos if p.outcome == "unanswered" and p.status_id is None),
                    None,
                )
                if waiting is not None:
                    waiting.replied, waiting.outcome = ev.t, "wait"
            elif ev.text.startswith("📝 Read in"):
                user.summary_slot = slot_of(ev.text, len(user.photos))
            elif ev.is_media and any(RETYPE in t for t, _ in ev.buttons):
                # The review card: one line at a time, edited in place.
                photo = _photo_for(user, user.summary_slot)
                if photo is not None:
                    photo.replied, photo.outcome, photo.reviewed = ev.t, "review", True
                review_open = True
                await settle_review(fake, user, ev.message_id)
            elif (
                ev.is_media or not ev.text or "without a license" in ev.text or NO_TEXT in ev.text
            ):
                continue
            else:
                # The final note: its heading and the text, no buttons.
                slot = slot_of(ev.text, len(user.photos))
                photo = _photo_for(user, slot if slot is not None else user.summary_slot)
                if photo is not None:
                    photo.note_shown = ev.t
                    if photo.outcome == "unanswered":
                        photo.replied = ev.t
                    photo.outcome = "note"
                review_open = any(p.outcome == "review" for p in user.photos)


def _photo_for(user: User, slot: int | None) -> Photo | None:
    return next((p for p in user.photos if p.slot == slot), None)


async def settle_review(fake: Any, user: User, card_id: int) -> None:
    """On the review card, confirm every line that can be confirmed and drop the unreadable
    ones, one tap per line, until the card has no buttons left."""
    chat = user.chat_id
    while True:
        card = fake.bot_message(chat, card_id)
        labels = {t: d for row in card.buttons for t, d in row} if card is not None else {}
        data = labels.get("✅ Confirm") or labels.get("🗑 Drop")
        if card is None or data is None:
            return
        qid = fake.user_presses(chat, chat, card_id, data)
        await fake.wait_for(
            lambda q=qid: any(a.callback_query_id == q for a in fake.answered_callbacks),
            timeout=120,
        )

        def moved(revision: int = card.revision) -> bool:
            now = fake.bot_message(chat, card_id)
            return now is not None and now.revision > revision

        await fake.wait_for(moved, timeout=120)


def _last_status(events: dict[int, list[Event]], chat_id: int, photo: Photo) -> str:
    if photo.status_id is None:
        return "nothing"
    texts = [e.text for e in events.get(chat_id, []) if e.message_id == photo.status_id]
    return texts[-1] if texts else "nothing"


def pctl(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def vm_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


async def probe_start(fake: Any) -> float:
    from testkit.harness import Conversation

    chat = Conversation(fake, chat_id=PROBE_CHAT)
    t0 = time.perf_counter()
    chat.send_command("start")
    await chat.await_reply(contains="Send me a photo", timeout=60)
    return time.perf_counter() - t0


async def run(
    users: int, photos: int, limit_s: float, idle: float, pool_timeout: float | None
) -> None:
    from bot.app import build_application
    from bot.storage.db import open_database
    from testkit.harness import running_bot
    from testkit.settings import TOKEN, make_settings

    images = draw(users, photos)
    rss_before = vm_kib("VmRSS")
    fake_cls = _make_fake_class()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp, fake_cls(TOKEN) as fake:
        settings = make_settings(fake, Path(tmp))
        print(
            f"{users} users x {photos} photos at once, engine=tesseract, "
            f"workers={settings.ocr_workers}, OCR_QUEUE_SIZE={settings.ocr_queue_size}, "
            f"USER_MAX_IN_FLIGHT={settings.user_max_in_flight}, limit {limit_s:.0f} s, "
            f"HTTP pool timeout {'as the app sets it' if pool_timeout is None else pool_timeout}"
        )
        request = None
        if pool_timeout is not None:
            from telegram.request import HTTPXRequest

            # As bot/app.py builds it, with a longer wait for a free connection.
            request = HTTPXRequest(
                connection_pool_size=16, read_timeout=30, pool_timeout=pool_timeout
            )
        app = build_application(settings, request=request)
        all_users: list[User] = []
        async with running_bot(app):
            idle_probes = [await probe_start(fake) for _ in range(20)]
            deadline = time.perf_counter() + limit_s
            for u in range(users):
                user = User(FIRST_CHAT + u)
                for s in range(photos):
                    image, flagged = images[(u, s)]
                    sent = fake.user_sends_photo(user.chat_id, user.chat_id, image)
                    photo = Photo(s, sent["message_id"], sent["photo"][-1]["file_id"], flagged)
                    photo.sent = time.perf_counter()
                    user.photos.append(photo)
                all_users.append(user)
            t_load = time.perf_counter()
            flows = asyncio.gather(*(run_user(fake, user, deadline, idle) for user in all_users))
            busy: list[float] = []
            while not flows.done() and time.perf_counter() < deadline:
                busy.append(await probe_start(fake))
            await flows
            wall = time.perf_counter() - t_load
        # The bot has stopped (its stop waited for handlers): read what it stored.
        db = await open_database(settings.effective_database_url)
        try:
            stored = {u.chat_id: await db.notes.get_notes(u.chat_id) for u in all_users}
        finally:
            await db.close()
        fake_events = fake.events
    rss_peak = vm_kib("VmHWM")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    every = [p for usr in all_users for p in usr.photos]
    outcomes = Counter(p.outcome for p in every)
    answered = sum(p.outcome != "unanswered" for p in every)
    shown = [(usr, p) for usr in all_users for p in usr.photos if p.note_shown is not None]
    lost = 0
    for owner, p in shown:
        if not any(p.file_id in n.file_ids for n in stored[owner.chat_id]):
            lost += 1
    per_file = Counter(fid for notes in stored.values() for n in notes for fid in n.file_ids)
    duplicates = sum(c - 1 for c in per_file.values() if c > 1)
    db_notes = sum(len(n) for n in stored.values())
    replies = [p.replied - p.sent for p in every if p.replied is not None]
    notes_t = [p.note_shown - p.sent for p in every if p.note_shown is not None and not p.flagged]
    told_wait = outcomes["busy"] + outcomes["wait"]
    reviewed = [p for p in every if p.reviewed]

    def ms(v: float) -> str:
        return f"{v * 1000:.0f} ms"

    print(f"load wall time: {wall:.1f} s")
    print(f"photos answered: {answered}/{len(every)}  outcomes: {dict(sorted(outcomes.items()))}")
    print(
        f"notes: {len(shown)} final notes shown, {db_notes} in the DB, lost {lost}, "
        f"duplicates {duplicates}"
    )
    print(
        f"time to reply (photo -> final note / review / refusal), n={len(replies)}: "
        f"p50 {pctl(replies, 0.5):.1f} s  p95 {pctl(replies, 0.95):.1f} s  "
        f"max {max(replies, default=float('nan')):.1f} s"
    )
    print(
        f"clean photo -> final note, n={len(notes_t)}: p50 {pctl(notes_t, 0.5):.1f} s  "
        f"p95 {pctl(notes_t, 0.95):.1f} s"
    )
    print(
        f"reviews: {len(reviewed)} photos had lines to check ({sum(p.flagged for p in every)} "
        f"drawn with a scribble); {sum(p.note_shown is not None for p in reviewed)} of them "
        "finished after the user confirmed/dropped the lines"
    )
    stuck = Counter(
        _last_status(fake_events, u.chat_id, p)
        for u in all_users
        for p in u.photos
        if p.outcome == "unanswered"
    )
    if stuck:
        print(f"unanswered photos, what the user saw last for them: {dict(stuck)}")
    print(
        f"told to wait: {told_wait} (queue full 'busy': {outcomes['busy']}, "
        f"per-user limit 'wait': {outcomes['wait']})"
    )
    print(
        f"peak RSS (VmHWM, whole process incl. fake server): {rss_peak / 1024:.0f} MiB "
        f"(ru_maxrss {maxrss / 1024:.0f} MiB; {rss_before / 1024:.0f} MiB before the bot)"
    )
    probes: list[tuple[str, list[float]]] = [("idle", idle_probes), ("under load", busy)]
    for name, values in probes:
        print(
            f"/start {name:10s} n={len(values):4d}  p50 {ms(pctl(values, 0.5))}  "
            f"p99 {ms(pctl(values, 0.99))}  max {ms(max(values, default=float('nan')))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--photos", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (s)")
    parser.add_argument("--idle", type=float, default=60.0, help="a silent chat gives up after")
    parser.add_argument(
        "--pool-timeout", type=float, help="wait this long for a free HTTP connection"
    )
    parser.add_argument("--quick", action="store_true", help="10 users x 2 photos")
    args = parser.parse_args()
    users, photos = (10, 2) if args.quick else (args.users, args.photos)
    asyncio.run(run(users, photos, args.timeout, args.idle, args.pool_timeout))


if __name__ == "__main__":
    main()
