"""The message catalogs: every sentence the code asks for is in every language, keeps the
placeholders the code fills in, and no sentence a user reads is written in the code itself."""

from __future__ import annotations

import ast
import shutil
import string
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import UI_LANGUAGES, load_catalogs
from bot.i18n.catalog import LOCALES_DIR, po_path
from testkit.catalog_keys import BOT, PYBABEL_KEYWORDS, Keys, collect


def _read(language: str, root: Path = LOCALES_DIR) -> Catalog:
    with po_path(language, root).open("rb") as fh:
        return read_po(fh, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _forms(catalog: Catalog, key: str) -> list[str] | None:
    message = catalog.get(key)
    if message is None:
        return None
    return list(message.string) if message.pluralizable else [message.string]


def problems(keys: Keys, root: Path = LOCALES_DIR) -> list[str]:
    """Everything wrong with the catalogs under ``root`` for the code's ``keys``."""
    found: list[str] = []
    catalogs = {lang: _read(lang, root) for lang in UI_LANGUAGES}
    english = catalogs["en"]
    used = {**keys.singular, **keys.plural}
    for lang, catalog in catalogs.items():
        for key, where in sorted(used.items()):
            forms = _forms(catalog, key)
            if forms is None or not all(forms):
                found.append(f"{lang}: {key!r} (used at {where}) is missing or empty")
                continue
            plural = key in keys.plural
            message = catalog.get(key)
            if plural != bool(message and message.pluralizable):
                found.append(f"{lang}: {key!r} must {'' if plural else 'not '}be a plural entry")
            reference = _forms(english, key) or []
            wanted = set().union(*map(_fields, reference))
            got = set().union(*map(_fields, forms))
            # A plural form may leave the number out ("Confirm the last one").
            missing = wanted - got - ({"count"} if plural else set())
            if missing or got - wanted:
                found.append(
                    f"{lang}: {key!r} has placeholders {sorted(got)}, English {sorted(wanted)}"
                )
        unused = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} - set(used)
        found += [f"{lang}: {key!r} is not used by the code" for key in sorted(unused)]
    return found


def test_every_key_is_translated_with_its_placeholders() -> None:
    keys = collect()
    assert len(keys.singular) > 80 and keys.plural
    assert problems(keys) == []


def test_pybabel_extraction_finds_the_same_keys() -> None:
    found: dict[str, bool] = {}
    for _, _, message, _, _ in extract_from_dir(
        str(BOT), keywords=PYBABEL_KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        key = message if isinstance(message, str) else message[0]
        found[key] = found.get(key, False) or not isinstance(message, str)
    keys = collect()
    assert set(found) == set(keys.singular) | set(keys.plural)
    assert {k for k, plural in found.items() if plural} == set(keys.plural)


def _copy_locales(tmp_path: Path) -> Path:
    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root)
    return root


def _edit(root: Path, language: str, key: str, new: str | None) -> None:
    catalog = _read(language, root)
    if new is None:
        del catalog[key]
    else:
        catalog[key].string = new
    with po_path(language, root).open("wb") as fh:
        write_po(fh, catalog)


def test_the_check_fails_for_a_missing_entry_and_a_lost_placeholder(tmp_path: Path) -> None:
    root = _copy_locales(tmp_path)
    _edit(root, "vi", "photo-no-text", None)
    _edit(root, "zh", "notice-replaced", "✏️ 这一行已替换。")  # {line} lost
    found = problems(collect(), root)
    assert any("vi: 'photo-no-text'" in p and "missing" in p for p in found), found
    assert any("zh: 'notice-replaced'" in p and "placeholders" in p for p in found), found


def test_a_key_the_code_uses_but_no_catalog_has_is_found(tmp_path: Path) -> None:
    keys = collect()
    keys.singular["brand-new-sentence"] = "somewhere.py:1"
    found = problems(keys)
    assert {p.split(":")[0] for p in found if "brand-new-sentence" in p} == set(UI_LANGUAGES)


def test_catalogs_load_and_render_plurals_and_fall_back_to_english() -> None:
    catalogs = load_catalogs()
    en, vi, zh = catalogs.get("en"), catalogs.get("vi"), catalogs.get("zh-Hans")
    assert en.plural("card-done", 1) == "✅ 1 line checked."
    assert en.plural("card-done", 3) == "✅ All 3 lines checked."
    assert vi.plural("card-done", 3) == "✅ Đã kiểm tra xong 3 dòng."
    assert zh.plural("card-done", 1) == "✅ 1 行已全部核对。"
    assert catalogs.get("de").language == "en" and catalogs.get(None).language == "en"
    assert zh.language_name("vi") == "越南语" and vi.language_name("zh") == "Tiếng Trung"


# ------------------------------------------------------------------ no sentences in the code

_SENDING = {
    "reply_text", "reply_html", "send_message", "edit_text", "edit_message_text",
    "edit_message_caption", "answer", "send_document", "send_photo", "reply_document",
    "MessageSpec", "ButtonSpec", "InlineKeyboardButton", "BotCommand", "_button", "say",
}  # fmt: skip


def _literal_words(node: ast.expr) -> Iterable[str]:
    """Literal text with letters in an argument: a string, or the fixed parts of an f-string."""
    parts = node.values if isinstance(node, ast.JoinedStr) else [node]
    for part in parts:
        if (
            isinstance(part, ast.Constant)
            and isinstance(part.value, str)
            and any(c.isalpha() for c in part.value)
        ):
            yield part.value


def _hardcoded(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in _SENDING:
            continue
        args = [*node.args, *(k.value for k in node.keywords if k.arg in ("text", "caption"))]
        for arg in args:
            for words in _literal_words(arg):
                if words not in ("HTML", "line.jpg"):
                    found.append(f"{path.name}:{node.lineno}: {words!r}")
    return found


@pytest.mark.parametrize(
    "path",
    sorted([*(BOT / "handlers").glob("*.py"), BOT / "review" / "render.py", BOT / "app.py"]),
    ids=lambda p: p.name,
)
def test_no_user_facing_sentence_is_written_in_the_code(path: Path) -> None:
    assert _hardcoded(path) == []


def test_the_scan_finds_a_sentence_written_in_a_handler(tmp_path: Path) -> None:
    handler = tmp_path / "handler.py"
    handler.write_text(
        "async def on_x(msg, t, n):\n"
        "    await msg.reply_text(t('start'))\n"
        "    await msg.reply_text(f'⚠️ {n}')\n"
        "    await msg.reply_text(f'{n} lines left')\n"
    )
    assert _hardcoded(handler) == ["handler.py:4: ' lines left'"]
