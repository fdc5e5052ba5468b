"""The whole-page review page (Telegram Mini App) in a real browser: Debian's chromium driven by
selenium (chromium-driver), against the real bot (long polling on the fake Bot API) serving the
page and API v1 on API_PORT. The page is opened as Telegram opens it: the address of the card's
📝 button, with a signed initData and the theme in the URL fragment.

Screenshots are kept under .artifacts/ (gitignored; ARTIFACTS_DIR to put them elsewhere)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.api.auth import sign_init_data
from bot.app import build_application
from testkit.drawing import NOTE_LINES, note_png
from testkit.fake_bot_api import BotMessage, FakeBotApi
from testkit.harness import Conversation, free_port, running_bot
from testkit.settings import TOKEN, make_settings
from tests.e2e.test_fix_saved_note import fix_card, saved_note

FIVE = NOTE_LINES[:5]
EDITED = "Call the vet at 4 pm"
PUBLIC = "https://notes.example/"
PHONE = {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True}
# As Telegram's Android client sends them (light and night themes).
LIGHT = {
    "bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#a8a8a8",
    "link_color": "#2678b6", "button_color": "#50a8eb", "button_text_color": "#ffffff",
    "secondary_bg_color": "#f0f0f0",
}  # fmt: skip
DARK = {
    "bg_color": "#212d3b", "text_color": "#ffffff", "hint_color": "#7d8b99",
    "link_color": "#5eabe1", "button_color": "#5eabe1", "button_text_color": "#ffffff",
    "secondary_bg_color": "#1d2733",
}  # fmt: skip
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).parents[2] / ".artifacts")
WAIT = 30


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Headless chromium at a phone's width (360 CSS px), from Debian's packages."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        # Never skipped: scripts/install-system-deps.sh installs them, as it does the engines.
        pytest.fail("chromium or chromium-driver is missing (scripts/install-system-deps.sh)")
    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=360,740", "--lang=en-US"):  # fmt: skip
        options.add_argument(arg)
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture
async def server(fake_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[str]:
    """The bot with the page and the API on API_PORT, its public HTTPS address PUBLIC."""
    port = free_port()
    settings = make_settings(
        fake_api, tmp_path / "data", api_port=port, webhook_listen="127.0.0.1",
        web_app_url=PUBLIC,
    )  # fmt: skip
    async with running_bot(build_application(settings)):
        yield f"http://127.0.0.1:{port}"


def init_data(user_id: int) -> str:
    """initData as Telegram signs it for this bot (HMAC keyed from the bot token)."""
    user = json.dumps({"id": user_id, "first_name": "An", "language_code": "en"})
    return sign_init_data(
        {"auth_date": str(int(time.time())), "query_id": "AAHtest", "user": user}, TOKEN
    )


def page_button(msg: BotMessage) -> str:
    """The address of the message's 📝 Review the whole page (web_app) button."""
    rows = (msg.reply_markup or {}).get("inline_keyboard") or []
    found = [b for row in rows for b in row if "web_app" in b]
    assert [b["text"] for b in found] == ["📝 Review the whole page"], rows
    url: str = found[0]["web_app"]["url"]
    return url


def as_telegram_opens(button_url: str, server: str, user_id: int, theme: dict[str, str]) -> str:
    """The button's page on the local server, with what Telegram puts in the fragment."""
    parts = urlsplit(button_url)
    assert button_url.startswith(PUBLIC + "app/?reading="), button_url
    fragment = urlencode({
        "tgWebAppData": init_data(user_id), "tgWebAppVersion": "8.0",
        "tgWebAppPlatform": "android", "tgWebAppThemeParams": json.dumps(theme),
    })  # fmt: skip
    return f"{server}{parts.path}?{parts.query}#{fragment}"


def open_page(chrome: webdriver.Chrome, url: str, lines: int) -> None:
    chrome.get("about:blank")  # a new fragment alone would not load the page again
    chrome.get(url)
    WebDriverWait(chrome, WAIT).until(
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#lines .line")) == lines
            and d.find_element(By.ID, "save").is_displayed()
        )
    )


def tap(chrome: webdriver.Chrome, css: str) -> None:
    """Scroll to the element, as a user would, and tap it (the buttons' bar stays at the
    bottom of the screen)."""
    element = chrome.find_element(By.CSS_SELECTOR, css)
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def retype(chrome: webdriver.Chrome, line: int, text: str) -> None:
    field = chrome.find_element(By.CSS_SELECTOR, f"#line-{line} input")
    field.clear()
    field.send_keys(text)


def status_says(chrome: webdriver.Chrome, text: str) -> None:
    WebDriverWait(chrome, WAIT).until(
        lambda d: text in d.find_element(By.ID, "status").text,
        message=f"the page never said {text!r}",
    )


def looks(chrome: webdriver.Chrome) -> dict[str, Any]:
    """What a user would notice of the layout: the background, and any sideways scrolling."""
    got: dict[str, Any] = chrome.execute_script(
        "const body = getComputedStyle(document.body);"
        "return {bg: body.backgroundColor, color: body.color, width: window.innerWidth,"
        " scroll: document.documentElement.scrollWidth};"
    )
    return got


def screenshot(chrome: webdriver.Chrome, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    chrome.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def confirm_all_and_save(chrome: webdriver.Chrome, screenshot_as: str | None = None) -> None:
    chrome.find_element(By.ID, "confirm-all").click()
    status_says(chrome, "Every line is checked")
    if screenshot_as:
        screenshot(chrome, screenshot_as)
    chrome.find_element(By.ID, "save").click()
    status_says(chrome, "Saved. The note is in your chat with the bot.")


def review_in_browser(chrome: webdriver.Chrome, light_url: str, dark_url: str) -> None:
    """Open the page (light, then dark, at 360 px), edit line 2, drop line 4, confirm the
    rest, Save."""
    open_page(chrome, light_url, lines=5)
    fields = chrome.find_elements(By.CSS_SELECTOR, "#lines input")
    assert [f.get_attribute("value") for f in fields] == list(FIVE)
    # Every line was unsure (strictness 100): marked, with its crop and its box on the page.
    assert len(chrome.find_elements(By.CSS_SELECTOR, "#lines .line.flagged")) == 5
    assert len(chrome.find_elements(By.CSS_SELECTOR, ".page .box.flagged")) == 5
    crops = chrome.find_elements(By.CSS_SELECTOR, "#lines .crop")
    assert len(crops) == 5 and all(c.size["height"] > 10 for c in crops)
    assert "blob:" in (crops[0].value_of_css_property("background-image") or "")
    assert chrome.find_element(By.ID, "status").text == "Lines left to check: 5"
    assert not chrome.find_element(By.ID, "save").is_enabled()
    light = looks(chrome)
    assert light["bg"] == "rgb(255, 255, 255)" and light["width"] == 360
    assert light["scroll"] <= light["width"], light
    screenshot(chrome, "mini-app-light-360.png")

    open_page(chrome, dark_url, lines=5)
    dark = looks(chrome)
    assert dark["bg"] == "rgb(33, 45, 59)" and dark["color"] == "rgb(255, 255, 255)", dark
    assert dark["scroll"] <= dark["width"] == 360, dark

    retype(chrome, 2, EDITED)
    tap(chrome, "#line-4 .drop")
    status_says(chrome, "Lines left to check: 3")
    assert "dropped" in (chrome.find_element(By.ID, "line-4").get_attribute("class") or "")
    confirm_all_and_save(chrome, screenshot_as="mini-app-dark-360.png")


async def review_card(chat: Conversation, lines: tuple[str, ...]) -> BotMessage:
    """The card of a drawn note whose every line is to check (strictness 100)."""
    chat.send_command("strictness", "100")
    await chat.await_reply(contains="Strictness set")
    chat.send_photo(note_png(lines))
    left = f"{len(lines)} left"
    return await chat.await_reply(lambda m: m.photo is not None, contains=left, timeout=90)


async def test_a_whole_page_reviewed_in_the_browser_ends_the_card_and_sends_the_note(
    server: str, fake_api: FakeBotApi, browser: webdriver.Chrome
) -> None:
    chat = Conversation(fake_api, chat_id=19501)
    card = await review_card(chat, FIVE)
    button = page_button(card)
    (reading_id,) = parse_qs(urlsplit(button).query)["reading"]

    light = as_telegram_opens(button, server, chat.user_id, LIGHT)
    dark = as_telegram_opens(button, server, chat.user_id, DARK)
    await asyncio.to_thread(review_in_browser, browser, light, dark)

    # In chat, as if reviewed there: the card ends as a tally, the final note arrives.
    done = await chat.await_reply(lambda m: m.message_id == card.message_id, contains="All 5")
    assert "retyped: 1 · dropped: 1" in done.visible and done.buttons == []
    final = await chat.await_reply(contains="Your note")
    assert EDITED in final.visible and FIVE[3] not in final.visible
    # The note stored holds the edit and not line 4.
    async with httpx.AsyncClient(base_url=server) as client:
        session = await client.post("/v1/sessions", json={"init_data": init_data(chat.user_id)})
        auth = {"Authorization": f"Bearer {session.json()['token']}"}
        got = (await client.get(f"/v1/readings/{reading_id}", headers=auth)).json()
        assert got["status"] == "saved"
        note = (await client.get(f"/v1/notes/{got['note_id']}", headers=auth)).json()
    assert note["text"] == "\n".join([FIVE[0], EDITED, FIVE[2], FIVE[4]])


def fix_in_browser(chrome: webdriver.Chrome, url: str) -> None:
    open_page(chrome, url, lines=3)
    retype(chrome, 1, "Buy oat milk tomorrow")
    confirm_all_and_save(chrome)


async def test_a_saved_note_is_fixed_on_the_whole_page(
    server: str, fake_api: FakeBotApi, browser: webdriver.Chrome
) -> None:
    chat = Conversation(fake_api, chat_id=19502)
    note = await saved_note(chat)
    card = await fix_card(chat, note)
    url = as_telegram_opens(page_button(card), server, chat.user_id, LIGHT)
    await asyncio.to_thread(fix_in_browser, browser, url)
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="Note saved")
    final = await chat.await_reply(contains="Buy oat milk tomorrow")
    assert "Call the dentist at 3 pm" in final.visible


async def test_no_page_button_in_a_group(server: str, fake_api: FakeBotApi) -> None:
    group = Conversation(fake_api, chat_id=-100_195_03, user_id=19503)
    group.send_command("strictness", "100")
    await group.await_reply(contains="Strictness set")
    group.send_photo(note_png(FIVE[:2]))
    card = await group.await_reply(lambda m: m.photo is not None, contains="2 left", timeout=90)
    assert "📝 Review the whole page" not in card.button_texts
    assert "✅ Confirm" in card.button_texts


async def test_the_page_is_served_with_its_words_in_the_users_language(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        page = await client.get("/app/")
        assert page.status_code == 200 and 'src="page.js"' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        words = {
            lang: (await client.get("/app/words", headers={"Accept-Language": lang})).json()
            for lang in ("en", "zh-hans", "vi")
        }
        assert [words[lang]["save"] for lang in words] == ["💾 Save", "💾 保存", "💾 Lưu"]
        assert words["vi"]["left"] == "Số dòng còn cần kiểm tra: {count}"
        missing = await client.get("/app/secrets.txt")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_a_line_checked_in_chat_meanwhile_is_not_written_over(
    server: str, fake_api: FakeBotApi, browser: webdriver.Chrome
) -> None:
    chat = Conversation(fake_api, chat_id=19504)
    card = await review_card(chat, FIVE[:3])
    url = as_telegram_opens(page_button(card), server, chat.user_id, LIGHT)

    def edit_line_1() -> None:
        open_page(browser, url, lines=3)
        retype(browser, 1, "Buy oat milk")
        retype(browser, 2, EDITED)

    await asyncio.to_thread(edit_line_1)
    # Meanwhile line 1 is dropped in chat.
    chat.press("🗑 Drop", message_id=card.message_id)
    await chat.await_reply(lambda m: m.message_id == card.message_id, contains="2 left")

    def save_twice() -> None:
        tap(browser, "#confirm-all")
        tap(browser, "#save")
        status_says(browser, "The note changed in the chat meanwhile")
        # Line 1 as chat left it (dropped), the edit of line 2 kept.
        assert "dropped" in (browser.find_element(By.ID, "line-1").get_attribute("class") or "")
        field = browser.find_element(By.CSS_SELECTOR, "#line-2 input")
        assert field.get_attribute("value") == EDITED
        tap(browser, "#save")
        status_says(browser, "Saved.")

    await asyncio.to_thread(save_twice)
    final = await chat.await_reply(contains="Your note")
    assert EDITED in final.visible and FIVE[2] in final.visible
    assert FIVE[0] not in final.visible and "Buy oat milk" not in final.visible
