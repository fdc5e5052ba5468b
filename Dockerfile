# notes-ocr-bot: Debian bookworm with OpenSSL 1.1 (for Aspose's bundled .NET Core 3.1)
# and Tesseract with language data.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 OMP_THREAD_LIMIT=1 \
    PIP_NO_CACHE_DIR=1 DATA_DIR=/data ASPOSE_MODELS_DIR=/opt/aspose-models

WORKDIR /app
COPY scripts/install-system-deps.sh scripts/
RUN bash scripts/install-system-deps.sh --runtime && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py && pip install . && pip uninstall -y notes-ocr-bot

COPY bot ./bot
RUN pip install --no-deps .

# Models for the languages Aspose does not bundle (needs internet at build time).
ARG ASPOSE_MODELS="zh ru"
RUN notes-ocr-bot fetch-models ${ASPOSE_MODELS} || echo "fetch-models failed: those languages stay unavailable"

RUN useradd --create-home --uid 10001 bot && mkdir -p /data && chown -R bot /data /opt/aspose-models
USER bot
VOLUME ["/data"]
CMD ["python", "-m", "bot", "run"]
