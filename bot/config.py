"""Settings, read once in main() from the environment and `.env`."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urljoin

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class EngineChoice(StrEnum):
    AUTO = "auto"  # the best combination installed: see resolved_engine
    ASPOSE = "aspose"
    TESSERACT = "tesseract"
    RAPID = "rapid"
    RAPID_TESSERACT = "rapid+tesseract"


def _default_workers() -> int:
    # Aspose workers take 0.5-1.3 GB each; one per core, capped by memory.
    cores = os.cpu_count() or 1
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gb = 4
    return max(1, min(cores, int(mem_gb // 1.5), 8))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"

    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - a webhook must listen beyond loopback
    webhook_port: int = 8443
    webhook_secret_token: SecretStr | None = None
    # Webhook mode: GET /health on this port for the load balancer (unset: no endpoint).
    health_port: int | None = None
    # Long polling: the REST API (and /health) on WEBHOOK_LISTEN:API_PORT (unset: none). In
    # webhook mode the API is served beside the webhook on WEBHOOK_PORT.
    api_port: int | None = None
    # Long polling: the public HTTPS address of the server on API_PORT, for the whole-page
    # review page (see page_url). Webhook mode: the page sits beside WEBHOOK_URL.
    web_app_url: str | None = None

    ocr_engine: EngineChoice = EngineChoice.AUTO
    ocr_workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    ocr_timeout_seconds: float = Field(default=120.0, gt=0)
    ocr_queue_size: int = Field(default=64, ge=1)
    ocr_max_side: int = Field(default=2000, ge=200)
    # RapidOCR + Tesseract: decode RapidOCR's output with a character language model and
    # put back the word spaces it drops (issue 18, bot/ocr/decoding/; bench.decoding). On
    # since deciding was refitted with "the LM changed this line" (bench/README.md).
    ocr_lm_decoding: bool = True

    aspose_license_path: Path | None = None
    aspose_license_base64: SecretStr | None = None
    aspose_models_dir: Path = Path("data/aspose-models")

    default_language: str = "en"
    default_threshold: int = Field(default=75, ge=0, le=100)

    max_image_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_pixels: int = Field(default=60_000_000, ge=1)
    max_pdf_pages: int = Field(default=20, ge=1)
    user_max_in_flight: int = Field(default=3, ge=1)
    user_photos_per_minute: int = Field(default=20, ge=1)

    data_dir: Path = Path("data")
    database_url: str | None = None
    # Set: several bot instances share this Redis: photos are read by `notes-ocr-bot worker`
    # processes through it (the OCR queue), and users' limits, albums and handled updates live
    # in it. Unset: all of that happens in this one process.
    redis_url: str | None = None
    # A queue worker lowers its CPU priority by this much (nice): reading is throughput work,
    # so on a machine it shares with bot instances, the API or the databases, they answer
    # first (measured in bench.api_latency (c)). 0 keeps the priority it was started with.
    worker_nice: int = Field(default=10, ge=0, le=19)

    allowed_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    allowed_chat_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # SIGTERM: photos in flight get this long to be answered (a worker: to finish the jobs it
    # reads); then they are handed over or listed as lost and the process exits. Keep it below
    # the stop timeout of what runs the bot (compose's stop_grace_period).
    shutdown_grace_seconds: int = Field(default=25, ge=1)

    log_level: str = "INFO"

    @field_validator("allowed_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(
                int(part) for part in value.replace(";", ",").split(",") if part.strip()
            )
        return value

    @property
    def aspose_licensed(self) -> bool:
        """A license is configured (whether it is valid is checked in the workers)."""
        return bool(self.aspose_license_path) or bool(
            self.aspose_license_base64 and self.aspose_license_base64.get_secret_value()
        )

    @property
    def resolved_engine(self) -> EngineChoice:
        """AUTO: Aspose where a license is configured (it reads photographed handwriting
        best, checked by Tesseract), else RapidOCR and Tesseract reading together."""
        if self.ocr_engine is EngineChoice.AUTO:
            return EngineChoice.ASPOSE if self.aspose_licensed else EngineChoice.RAPID_TESSERACT
        return self.ocr_engine

    @property
    def page_url(self) -> str | None:
        """The whole-page review page (Telegram Mini App) at ``/app/`` of this server's
        public address: WEB_APP_URL with long polling (and the server on API_PORT), else beside
        WEBHOOK_URL. None (no 📝 button) without one, or when it is not HTTPS: Telegram opens
        only HTTPS pages."""
        if self.web_app_url and (self.api_port or self.webhook_url):
            base = self.web_app_url.rstrip("/") + "/"
        elif self.webhook_url:
            base = urljoin(self.webhook_url, ".")  # https://host/telegram -> https://host/
        else:
            return None
        return base + "app/" if base.startswith("https://") else None

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'notes.sqlite3'}"
