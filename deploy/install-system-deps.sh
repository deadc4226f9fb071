#!/usr/bin/env bash
# Installs the Debian packages Okno needs (Qt offscreen, speech, printers, fonts) when missing.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail
packages=(
    python3 python3-venv
    # Qt offscreen + Multimedia (FACTS.md)
    libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libglib2.0-0 libxkbcommon0 libpulse0 libxrandr2
    # Qt on a real X display (the kiosk and the other apps beside `make demo`)
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0
    libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0
    # a Cyrillic font: without it every glyph is a box
    fonts-dejavu-core
    # speech (pyttsx3 on eSpeak NG) and playback
    libespeak-ng1 espeak-ng-data alsa-utils
    # USB ticket printers
    libusb-1.0-0
)
# `--test`: what the tests need beside: Debian's chromium for the browser tests (Playwright drives
# it; `playwright install` is never run), tesseract to read screenshots back.
if [ "${1:-}" = "--test" ]; then
    packages+=(chromium tesseract-ocr tesseract-ocr-rus xvfb xauth)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "okno: these Debian packages are missing, run as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "okno: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
