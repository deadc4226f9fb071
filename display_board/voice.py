"""The board's voice: takes the state's announcements one at a time to the hardware Announcer.

Audio goes to the default device (Qt Multimedia, else aplay) or, with `--audio file:DIR`, to
`FileRecorder`, which writes each announcement as it would be heard, in order, as
`DIR/NNNN-<number>.wav` and a line of `DIR/announcements.jsonl` (start and end times), taking as
long as playback would. No sound device and no file output: the board shows calls only and says
once that the sound is off.
"""

from __future__ import annotations

import array
import json
import logging
import re
import wave
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from display_board.state import Announcement, BoardState
from hardware.speech import Announcer, Call, Clock, PhraseRenderer, WorkplaceKind
from hardware.speech.errors import SpeechEngineUnavailable, VoiceMissing
from hardware.speech.synth import RenderedPhrase

__all__ = [
    "AudioChoice",
    "FileRecorder",
    "ObservedRenderer",
    "VoiceDriver",
    "announcement_call",
    "parse_audio",
]

logger = logging.getLogger("okno.display")

MANIFEST = "announcements.jsonl"

_KIND_WORDS = {
    WorkplaceKind.WINDOW: ("окно", "window"),
    WorkplaceKind.ROOM: ("кабинет", "room"),
}
_NUMBER_LIKE = re.compile(r"^\s*№?\s*\d+\s*[A-Za-zА-Яа-яЁё]?\s*$")


@dataclass(frozen=True)
class AudioChoice:
    """`--audio`: the default device, or WAV files in `directory`."""

    kind: Literal["default", "file"]
    directory: Path | None = None


def parse_audio(spec: str) -> AudioChoice:
    """`default` or `file:DIR`; raises ValueError with a Russian + English message."""
    if spec == "default":
        return AudioChoice("default")
    kind, sep, rest = spec.partition(":")
    if kind == "file" and sep and rest.strip():
        return AudioChoice("file", Path(rest.strip()))
    raise ValueError(
        f"--audio {spec!r} не понят: default или file:КАТАЛОГ / "
        f"--audio {spec!r} not understood: default or file:DIR"
    )


def announcement_call(announcement: Announcement) -> Call:
    """The hardware `Call` for an announcement: the workplace as the hall knows it.

    "Окно 3" (window) → workplace "3"; "Кабинет 12" (room) → "12"; any other name ("Касса 2",
    "Регистратура") is said as it is. The workplace id is used only when it has no name.
    """
    try:
        kind = WorkplaceKind(announcement.workplace_kind)
    except ValueError:
        kind = WorkplaceKind.WINDOW
    name = announcement.workplace_name.ru.strip()
    if not name:
        return Call(announcement.number, announcement.workplace, kind, announcement.recall)
    lowered = name.lower()
    for word in _KIND_WORDS[kind]:
        if lowered.startswith(word):
            rest = name[len(word) :].strip()
            if _NUMBER_LIKE.match(rest):
                return Call(announcement.number, rest.lstrip("№ "), kind, announcement.recall)
    return Call(announcement.number, name, kind, announcement.recall, place=name)


class ObservedRenderer:
    """A `PhraseRenderer` that reports (once) when the engine or the voice is missing."""

    def __init__(self, inner: PhraseRenderer, on_failure: Callable[[str], None]) -> None:
        self.inner = inner
        self.on_failure = on_failure
        self._reported = False

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        future = self.inner.render(text, lang)
        future.add_done_callback(self._check)
        return future

    def _check(self, future: Future[RenderedPhrase]) -> None:
        error = future.exception()
        # Only a missing engine or voice is lasting; one phrase that failed is logged (by the
        # announcer) and the next call is tried again.
        lasting = isinstance(error, SpeechEngineUnavailable | VoiceMissing)
        if lasting and not self._reported:
            self._reported = True
            self.on_failure(str(error))


class FileRecorder:
    """A `Player` writing each announcement to `DIR/NNNN-<number>.wav`, in real time.

    The driver calls `begin()` before an announcement and `end()` after it; each sound played in
    between is appended, and `on_finished` comes after the sound's duration on `clock`, so the
    files appear at the pace the hall would hear them.
    """

    name = "file"

    def __init__(self, directory: Path, clock: Clock, wall: Callable[[], datetime]) -> None:
        self.directory = directory
        self.clock = clock
        self.wall = wall
        directory.mkdir(parents=True, exist_ok=True)
        existing = [int(p.name[:4]) for p in directory.glob("[0-9][0-9][0-9][0-9]-*.wav")]
        self._counter = max(existing, default=0)
        self._number = ""
        self._frames: list[bytes] = []
        self._params: tuple[int, int, int] | None = None  # channels, sample width, rate
        self._started: datetime | None = None
        self._texts: list[str] = []
        self.written: list[Path] = []

    def begin(self, number: str) -> None:
        self._number = number
        self._frames = []
        self._params = None
        self._started = None
        self._texts = []

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        if self._started is None:
            self._started = self.wall()
        try:
            frames, params = _read_wav(path)
        except (OSError, wave.Error, EOFError) as error:
            logger.error("cannot read %s: %s", path, error)
            on_finished()
            return
        if self._params is None:
            self._params = params
        elif params != self._params:
            frames = _convert(frames, params, self._params)
        self._frames.append(frames)
        self._texts.append(path.name)
        channels, width, rate = self._params
        duration = len(frames) / (channels * width * rate)
        self.clock.call_later(duration, on_finished)

    def end(self) -> Path | None:
        """Write the announcement heard since `begin()`; None when nothing was played."""
        if self._params is None or self._started is None:
            return None
        self._counter += 1
        safe = re.sub(r"[^\w-]", "_", self._number) or "call"
        path = self.directory / f"{self._counter:04d}-{safe}.wav"
        partial = path.with_suffix(".part")
        channels, width, rate = self._params
        with wave.open(str(partial), "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(width)
            out.setframerate(rate)
            out.writeframes(b"".join(self._frames))
        partial.replace(path)
        record = {
            "file": path.name,
            "number": self._number,
            "started": self._started.isoformat(),
            "ended": self.wall().isoformat(),
            "sounds": self._texts,
        }
        with (self.directory / MANIFEST).open("a", encoding="utf-8") as manifest:
            manifest.write(json.dumps(record, ensure_ascii=False) + "\n")
        logger.info("announcement written to %s", path)
        self.written.append(path)
        self._params = None
        return path

    def close(self) -> None:
        """Nothing to release."""


def _read_wav(path: Path) -> tuple[bytes, tuple[int, int, int]]:
    with wave.open(str(path), "rb") as wav:
        params = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
        return wav.readframes(wav.getnframes()), params


def _convert(frames: bytes, source: tuple[int, int, int], target: tuple[int, int, int]) -> bytes:
    """16-bit PCM of another channel count or rate, made to fit `target` (nearest sample)."""
    if source[1] != 2 or target[1] != 2:
        logger.warning("cannot join %s-byte samples; the sound is left out", source[1])
        return b""
    samples = array.array("h", frames)
    if source[0] == 2:  # stereo → mono
        samples = array.array("h", samples[::2])
    ratio = source[2] / target[2]
    count = int(len(samples) / ratio)
    mono = array.array("h", (samples[min(len(samples) - 1, int(i * ratio))] for i in range(count)))
    if target[0] == 2:
        stereo = array.array("h")
        for value in mono:
            stereo.extend((value, value))
        return stereo.tobytes()
    return mono.tobytes()


class VoiceDriver:
    """Gives the Announcer the state's next announcement whenever it is idle.

    The announcer's clock thread (the GUI thread with `QtClock`) runs `_done`; call `pump()`
    after every change of the state.
    """

    def __init__(
        self,
        state: BoardState,
        announcer: Announcer,
        recorder: FileRecorder | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.state = state
        self.announcer = announcer
        self.recorder = recorder
        self.on_change = on_change
        self._busy = False
        self.log: list[tuple[str, float, float]] = []  # (number, started, ended) on the clock
        self._started_at = 0.0

    @property
    def busy(self) -> bool:
        return self._busy

    def pump(self) -> None:
        """Start the next announcement unless one is being spoken."""
        if self._busy:
            return
        announcement = self.state.start_next_announcement()
        if announcement is None:
            return
        self._busy = True
        self._started_at = self.announcer.clock.now()
        if self.recorder is not None:
            self.recorder.begin(announcement.number)
        if self.on_change is not None:
            self.on_change()
        self.announcer.announce(
            announcement_call(announcement),
            languages=announcement.languages,
            on_finished=lambda: self._done(announcement),
        )

    def _done(self, announcement: Announcement) -> None:
        if self.recorder is not None:
            try:
                self.recorder.end()
            except OSError as error:
                logger.error("cannot write the announcement of %s: %s", announcement.number, error)
        self.log.append((announcement.number, self._started_at, self.announcer.clock.now()))
        self._busy = False
        self.state.announcement_done()
        if self.on_change is not None:
            self.on_change()
        self.pump()


def utc_now() -> datetime:
    return datetime.now(UTC)
