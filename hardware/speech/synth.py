"""Speech synthesis on pyttsx3 (eSpeak NG) in one worker thread, rendering phrases to cached WAVs.

pyttsx3 is not thread-safe and writes only the last file when several are queued before one
`runAndWait`, so exactly one thread owns the engine and renders one phrase per `runAndWait`.
Callers get a `concurrent.futures.Future`; nothing runs on their (GUI) thread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import wave
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.config import SpeechSettings
from hardware.speech.errors import SpeechEngineUnavailable, SpeechError, VoiceMissing

__all__ = ["EngineFactory", "RenderedPhrase", "Synthesizer", "wav_duration"]

logger = logging.getLogger("okno.speech")

#: builds a pyttsx3-like engine (getProperty, setProperty, save_to_file, runAndWait)
EngineFactory = Callable[[], Any]


def _pyttsx3_engine() -> Any:
    try:
        import pyttsx3
    except ImportError as error:
        raise SpeechEngineUnavailable(detail=f"pyttsx3 is not installed: {error}") from error
    try:
        return pyttsx3.init("espeak")
    except Exception as error:  # missing libespeak-ng raises OSError, RuntimeError, ...
        raise SpeechEngineUnavailable(detail=f"{type(error).__name__}: {error}") from error


def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@dataclass(frozen=True)
class RenderedPhrase:
    """A phrase rendered to `path` with eSpeak voice `voice` (None when it came from the cache)."""

    text: str
    path: Path
    voice: str | None
    cached: bool


@dataclass
class _Job:
    text: str
    voice_spec: str
    path: Path
    future: Future[RenderedPhrase]


_STOP = object()


class Synthesizer:
    """Renders phrases to WAV files in `settings.cache_dir`, one at a time, on its own thread.

    The cache key is a hash of (text, voice, rate, volume): a repeated call is played from disk
    without waking the engine. Call `close()` when the app quits.
    """

    def __init__(
        self, settings: SpeechSettings, engine_factory: EngineFactory | None = None
    ) -> None:
        self.settings = settings
        self._engine_factory = engine_factory or _pyttsx3_engine
        self._jobs: queue.Queue[_Job | object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def voice_spec(self, lang: str | None = None) -> str:
        """The configured voice override, or the language code ("ru") the voice is chosen by."""
        return self.settings.voice or (lang or self.settings.language)

    def cache_path(self, text: str, voice_spec: str) -> Path:
        """Where the WAV for `text` in `voice_spec` is (or will be) stored."""
        key = "\0".join([text, voice_spec, str(self.settings.rate), str(self.settings.volume)])
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return self.settings.cache_dir / f"{digest}.wav"

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        """Start rendering `text` in `lang`; the future fails with a `SpeechError` subclass."""
        spec = self.voice_spec(lang)
        path = self.cache_path(text, spec)
        future: Future[RenderedPhrase] = Future()
        if path.exists() and path.stat().st_size > 44:
            future.set_result(RenderedPhrase(text, path, None, cached=True))
            return future
        with self._lock:
            if self._closed:
                future.set_exception(SpeechEngineUnavailable(detail="synthesizer is closed"))
                return future
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="okno-tts", daemon=True)
                self._thread.start()
            self._jobs.put(_Job(text, spec, path, future))
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Finish the queued phrases, then stop the worker thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._jobs.put(_STOP)
        if thread is not None:
            thread.join(timeout)

    # --- worker thread -------------------------------------------------------------------------

    def _run(self) -> None:
        engine: Any = None
        engine_error: SpeechError | None = None
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            assert isinstance(job, _Job)
            if not job.future.set_running_or_notify_cancel():
                continue
            if engine is None and engine_error is None:
                try:
                    engine = self._engine_factory()
                except SpeechError as error:
                    engine_error = error
                except Exception as error:
                    engine_error = SpeechEngineUnavailable(
                        detail=f"{type(error).__name__}: {error}"
                    )
                if engine_error is not None:
                    logger.error("speech engine unavailable: %s", engine_error.detail)
            if engine_error is not None:
                job.future.set_exception(engine_error)
                continue
            try:
                job.future.set_result(self._render_one(engine, job))
            except SpeechError as error:
                logger.error("cannot speak %r: %s (%s)", job.text, error.message_en, error.detail)
                job.future.set_exception(error)
            except Exception as error:  # an engine failure must fail the call, not the thread
                logger.exception("speech engine failed on %r", job.text)
                job.future.set_exception(SpeechError(detail=f"{type(error).__name__}: {error}"))

    def _find_voice(self, engine: Any, spec: str) -> str:
        voices = list(engine.getProperty("voices") or [])
        wanted = spec.lower()
        # exact id or name first ("zle/ru", "Russian"), then the language code ("ru")
        for voice in voices:
            if wanted in {str(voice.id).lower(), str(voice.name).lower()}:
                return str(voice.id)
        for voice in voices:
            languages = [str(lang).lower() for lang in (voice.languages or [])]
            if wanted in languages or str(voice.id).lower().rsplit("/", 1)[-1] == wanted:
                return str(voice.id)
        for voice in voices:  # "en" -> the first regional variant, e.g. "en-gb"
            languages = [str(lang).lower() for lang in (voice.languages or [])]
            if any(lang.startswith(wanted + "-") for lang in languages):
                return str(voice.id)
        sample = ", ".join(sorted(str(v.id) for v in voices)[:8])
        raise VoiceMissing(
            f"Голос {spec!r} не найден в eSpeak NG. Проверьте настройку speech.voice/language.",
            f"Voice {spec!r} is not installed in eSpeak NG. Check speech.voice/language.",
            detail=f"{len(voices)} voices, e.g. {sample}",
        )

    def _render_one(self, engine: Any, job: _Job) -> RenderedPhrase:
        voice_id = self._find_voice(engine, job.voice_spec)
        engine.setProperty("voice", voice_id)
        engine.setProperty("rate", self.settings.rate)
        engine.setProperty("volume", self.settings.volume)
        job.path.parent.mkdir(parents=True, exist_ok=True)
        partial = job.path.with_suffix(f".{os.getpid()}.part.wav")
        engine.save_to_file(job.text, str(partial))
        engine.runAndWait()
        used = str(engine.getProperty("voice"))
        if not partial.exists() or partial.stat().st_size <= 44:
            partial.unlink(missing_ok=True)
            raise SpeechError(
                "Синтезатор не записал звук фразы.",
                "The speech engine wrote no audio for the phrase.",
                detail=str(job.path),
            )
        os.replace(partial, job.path)  # atomic: a reader never sees a half-written cache file
        logger.info("rendered %r with voice %s to %s", job.text, used, job.path.name)
        return RenderedPhrase(job.text, job.path, used, cached=False)
