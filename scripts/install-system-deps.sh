#!/usr/bin/env bash
# Installs what pip cannot: Tesseract with its language data, OpenSSL 1.1 for the
# .NET Core 3.1 runtime bundled in aspose-ocr-python-net, and fonts the tests draw with.
# Idempotent; runs as root or through sudo. Debian bookworm (and bullseye) only.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --runtime: only what the bot needs to run (the Docker image); default adds what the
# tests need too (fonts they draw notes with, PostgreSQL, headers to build tesserocr, poppler-utils
# whose pdftotext/pdftoppm check the searchable PDF as any reader would, redis-server
# that the OCR queue tests start on 127.0.0.1, chromium with its chromedriver in which the
# Mini App test opens the whole-page review page, and the emoji font its buttons show in).
# osd: orientation detection, to turn photos taken sideways without EXIF upright.
TESS_LANGS="eng vie chi-sim deu fra rus osd"
# wamerican...: word lists that keep letter case ("Friday", "five"), which deciding reads.
PACKAGES="tesseract-ocr fonts-dejavu-core ca-certificates
  wamerican wngerman wfrench wspanish witalian wportuguese"
if [ "${1:-}" = "--runtime" ] && ! command -v python3 >/dev/null; then
  # An image from a bare Debian base (scripts/container-check.sh) takes Debian's Python, the
  # same 3.11 as the official image's; the Dockerfile installs into a venv on either.
  PACKAGES="$PACKAGES python3 python3-venv"
fi
if [ "${1:-}" != "--runtime" ]; then
  PACKAGES="$PACKAGES libtesseract-dev libleptonica-dev pkg-config python3-venv
    fonts-noto-cjk fonts-urw-base35 fonts-comic-neue fonts-dancingscript fonts-arphic-ukai
    fonts-dkg-handwriting fonts-femkeklaver fonts-breip fonts-lxgw-wenkai fonts-sil-andika
    postgresql poppler-utils redis-server chromium chromium-driver
    fonts-noto-color-emoji"
fi
for lang in $TESS_LANGS; do PACKAGES="$PACKAGES tesseract-ocr-$lang"; done

missing=""
for p in $PACKAGES libssl1.1; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages to install:$missing"

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [[ " $missing " == *" libssl1.1 "* ]] && [ "$codename" != "bullseye" ]; then
  # libssl1.1 left Debian after bullseye. Take only that package from bullseye,
  # pinned low so nothing else is ever upgraded from there.
  $SUDO tee /etc/apt/sources.list.d/notes-ocr-bullseye.list >/dev/null <<'LIST'
deb http://deb.debian.org/debian bullseye main
LIST
  $SUDO tee /etc/apt/preferences.d/notes-ocr-bullseye >/dev/null <<'PIN'
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PIN
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "system packages: installed"
