"""Translations with Qt's own system: `tr()` in the code, `.ts` kept by `pyside6-lupdate`,
compiled to `.qm` by `pyside6-lrelease` when the app starts (or when the `.ts` is newer).

Source strings are English; each app keeps `<app>/translations/<name>_ru.ts` (qt_common's strings
included, lupdate runs over both packages). English needs no translator.

    translations = Translations(app, ts_dir, "okno_kiosk")
    translations.switch("ru")   # installs the compiled Russian translator; Qt sends LanguageChange
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

__all__ = [
    "LANGUAGES",
    "TranslationError",
    "Translations",
    "compile_ts",
    "lupdate",
    "qt_tool",
]

logger = logging.getLogger("okno.qt")

LANGUAGES = ("ru", "en")


class TranslationError(Exception):
    """A `.ts` file is missing or cannot be compiled; the app cannot show its texts."""


def qt_tool(name: str) -> Path:
    """The `lrelease` / `lupdate` binary shipped in the PySide6 wheel."""
    import PySide6

    path = Path(PySide6.__file__).parent / name
    if not path.exists():
        raise TranslationError(f"{name} not found in the PySide6 wheel at {path}")
    return path


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "okno" / "i18n"


def compile_ts(ts_file: Path, out_dir: Path | None = None) -> Path:
    """The `.qm` of `ts_file`, compiled with lrelease unless an up-to-date one exists.

    Compiled next to the `.ts` when that folder is writable, else under the user's cache.
    """
    if not ts_file.is_file():
        raise TranslationError(f"translation source missing: {ts_file}")
    if out_dir is None:
        out_dir = ts_file.parent if os.access(ts_file.parent, os.W_OK) else _cache_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    qm_file = out_dir / (ts_file.stem + ".qm")
    if qm_file.exists() and qm_file.stat().st_mtime >= ts_file.stat().st_mtime:
        return qm_file
    result = subprocess.run(
        [str(qt_tool("lrelease")), "-silent", str(ts_file), "-qm", str(qm_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not qm_file.exists():
        raise TranslationError(f"lrelease failed on {ts_file}: {result.stderr.strip()}")
    logger.info("compiled %s", qm_file)
    return qm_file


def lupdate(sources: list[Path], ts_file: Path) -> str:
    """Run lupdate over `sources` (folders or .py files) into `ts_file`; returns its report."""
    files = sorted(
        str(path)
        for source in sources
        for path in ([source] if source.is_file() else source.rglob("*.py"))
    )
    command = [str(qt_tool("lupdate")), "-locations", "none", "-no-obsolete", *files]
    result = subprocess.run(
        [*command, "-ts", str(ts_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise TranslationError(f"lupdate failed: {result.stderr.strip()}")
    return result.stdout + result.stderr


class Translations:
    """The app's translators; `switch(lang)` changes the language of every widget at once."""

    def __init__(self, app: QCoreApplication, ts_dir: Path, name: str) -> None:
        self._app = app
        self._ts_dir = ts_dir
        self._name = name
        self._installed: QTranslator | None = None
        self.lang = "en"

    def ts_file(self, lang: str) -> Path:
        """The translation source of `lang`."""
        return self._ts_dir / f"{self._name}_{lang}.ts"

    def switch(self, lang: str) -> None:
        """Show the app in `lang` ("ru" or "en"); raises TranslationError when it cannot."""
        if lang not in LANGUAGES:
            raise TranslationError(f"unknown language {lang!r}")
        if lang == self.lang and (lang == "en" or self._installed is not None):
            return
        translator = None
        if lang != "en":
            qm_file = compile_ts(self.ts_file(lang))
            translator = QTranslator(self._app)
            if not translator.load(str(qm_file)):
                raise TranslationError(f"cannot load {qm_file}")
        if self._installed is not None:
            self._app.removeTranslator(self._installed)
            self._installed = None
        if translator is not None:
            self._app.installTranslator(translator)
            self._installed = translator
        self.lang = lang

    def uninstall(self) -> None:
        """Remove this app's translator (an app that ends, or a test building another)."""
        if self._installed is not None:
            self._app.removeTranslator(self._installed)
            self._installed = None
        self.lang = "en"


def main() -> int:
    """`python -m qt_common.i18n TS_FILE SOURCE...`: refresh a .ts from the sources."""
    if len(sys.argv) < 3:
        print("usage: python -m qt_common.i18n TS_FILE SOURCE...", file=sys.stderr)
        return 2
    print(lupdate([Path(arg) for arg in sys.argv[2:]], Path(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
