# notes-ocr-bot: Debian bookworm with OpenSSL 1.1 (for Aspose's bundled .NET Core 3.1)
# and Tesseract with language data.
# BASE_IMAGE: the official Python image, or any Debian bookworm: scripts/container-check.sh
# passes one made with mmdebstrap (no container registry there), whose Python then comes from
# Debian (the same 3.11). Either way the bot lives in the venv /opt/venv.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 OMP_THREAD_LIMIT=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DATA_DIR=/data \
    ASPOSE_MODELS_DIR=/opt/aspose-models VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY scripts/install-system-deps.sh scripts/
RUN bash scripts/install-system-deps.sh --runtime && apt-get clean \
    && rm -rf /var/lib/apt/lists/* && python3 -m venv /opt/venv

# Dependencies first, so code (or README) changes do not reinstall them.
COPY pyproject.toml ./
RUN mkdir bot && touch bot/__init__.py README.md && pip install . \
    && pip uninstall -y notes-ocr-bot

COPY README.md ./
COPY bot ./bot
RUN pip install --no-deps . && rm -rf build *.egg-info

# Models for the languages Aspose does not bundle (needs internet at build time; empty: none).
ARG ASPOSE_MODELS="zh ru"
RUN if [ -n "$ASPOSE_MODELS" ]; then notes-ocr-bot fetch-models ${ASPOSE_MODELS} \
    || echo "fetch-models failed: those languages stay unavailable"; fi

RUN useradd --create-home --uid 10001 bot && mkdir -p /data /opt/aspose-models \
    && chown -R bot /data /opt/aspose-models
USER bot
VOLUME ["/data"]
CMD ["python", "-m", "bot", "run"]
