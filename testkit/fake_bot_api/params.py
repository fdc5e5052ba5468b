"""Reading a Bot API request: query string, JSON, form or multipart body, typed parameters."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from testkit.fake_bot_api.errors import bad_request
from testkit.fake_bot_api.records import Upload

# Parameters that PTB JSON-encodes into a string when it posts form data.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "media",
        "entities",
        "caption_entities",
        "scope",
        "link_preview_options",
        "reply_parameters",
    }
)


def _header_params(value: str) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r';\s*([\w*-]+)="?([^";]*)"?', ";" + value)}


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    boundary = _header_params(content_type.split(";", 1)[1] if ";" in content_type else "").get(
        "boundary"
    )
    if not boundary:
        raise bad_request("multipart boundary missing")
    params: dict[str, Any] = {}
    # Each part is preceded by CRLF--boundary; prefixing CRLF makes the first one uniform.
    for chunk in (b"\r\n" + body).split(b"\r\n--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _header_params(headers.get("content-disposition", ""))
        field_name = disposition.get("name")
        if field_name is None:
            continue
        if "filename" in disposition or "content-type" in headers:
            filename = disposition.get("filename")
            params[field_name] = Upload(
                # HTTPX writes a quote inside a filename as %22.
                filename=filename.replace("%22", '"') if filename is not None else None,
                content_type=headers.get("content-type"),
                data=content,
            )
        else:
            params[field_name] = content.decode("utf-8")
    return params


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise bad_request("JSON object expected")
        return loaded
    if kind == "multipart/form-data":
        return _parse_multipart(body, content_type)
    # application/x-www-form-urlencoded, and what Telegram assumes when nothing is said.
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class Params:
    """Typed access to request parameters that may arrive as JSON values or form strings."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def has(self, name: str) -> bool:
        return name in self.raw and self.raw[name] not in (None, "")

    def obj(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str) and name in _JSON_PARAMS:
            try:
                return json.loads(value) if value else None
            except json.JSONDecodeError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def str_(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def int_(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be an Integer')
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f'field "{name}" must be an Integer') from exc

    def need_int(self, name: str) -> int:
        value = self.int_(name)
        if value is None:
            raise bad_request(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
        return value

    def bool_(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)
