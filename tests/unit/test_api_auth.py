"""Who may call the API: Telegram Mini App initData checked as Telegram documents it, the
sessions it gives, and the ids of users of the API alone."""

from __future__ import annotations

import json

from bot.api.auth import (
    SESSION_SECONDS,
    new_session,
    sign_init_data,
    user_id_for_name,
    user_of_init_data,
    user_of_session,
)

BOT = "123456:AAbotTokenForTheseTests_0123456789abcd"
NOW = 1_800_000_000.0
USER = json.dumps({"id": 42, "first_name": "Mai", "language_code": "vi"})


def signed(**fields: str) -> str:
    return sign_init_data({"auth_date": str(int(NOW) - 60), "user": USER, **fields}, BOT)


def test_init_data_signed_by_telegram_for_this_bot_names_its_user() -> None:
    assert user_of_init_data(signed(query_id="AAE1"), BOT, now=NOW) == 42


def test_forged_altered_old_or_future_init_data_names_nobody() -> None:
    good = signed()
    assert user_of_init_data(good, "999:another-bot-token", now=NOW) is None
    assert user_of_init_data(good.replace("Mai", "Max"), BOT, now=NOW) is None
    assert user_of_init_data(good + "&extra=1", BOT, now=NOW) is None
    assert user_of_init_data(good, BOT, now=NOW + 3600) is None  # more than an hour old
    future = sign_init_data({"auth_date": str(int(NOW) + 600), "user": USER}, BOT)
    assert user_of_init_data(future, BOT, now=NOW) is None
    assert (
        user_of_init_data(sign_init_data({"auth_date": str(int(NOW))}, BOT), BOT, now=NOW) is None
    )
    for junk in ("", "hash=", "a=b", "%%%", "user=1&hash=00"):
        assert user_of_init_data(junk, BOT, now=NOW) is None
    assert user_of_init_data(good, "", now=NOW) is None  # the API alone: no Mini App


def test_a_session_lasts_its_minutes_and_cannot_be_made_up() -> None:
    token = new_session(42, BOT, now=NOW)
    assert user_of_session(token, BOT, now=NOW + SESSION_SECONDS - 1) == 42
    assert user_of_session(token, BOT, now=NOW + SESSION_SECONDS) is None
    assert user_of_session(token, "999:another-bot-token", now=NOW) is None
    assert user_of_session(token.replace("s1.42.", "s1.43."), BOT, now=NOW) is None
    assert user_of_session("s1.42", BOT, now=NOW) is None


def test_users_of_the_api_alone_get_ids_no_telegram_user_has() -> None:
    assert user_id_for_name("12345") == 12345  # a Telegram id: the same notes as in chat
    assert user_id_for_name("mobile-app") == user_id_for_name("Mobile-App") < 0
    assert user_id_for_name("mobile-app") != user_id_for_name("web-app")
