"""Speech errors, with messages for people in Russian (`str()`) and English (`message_en`).

Hierarchy::

    SpeechError
    ├── VoiceMissing              the requested eSpeak voice is not installed
    ├── SpeechEngineUnavailable   pyttsx3 or eSpeak NG cannot be loaded
    └── AudioUnavailable          no way to play sound (the null player is used instead)

A display board that gets any of them keeps showing calls on screen; announcements are a bonus,
never a reason to stop.
"""

from __future__ import annotations

__all__ = ["AudioUnavailable", "SpeechEngineUnavailable", "SpeechError", "VoiceMissing"]


class SpeechError(Exception):
    """Root of speech failures; `message_ru` / `message_en` are for people."""

    default_ru = "Ошибка синтеза речи."
    default_en = "Speech synthesis error."

    def __init__(
        self, message_ru: str | None = None, message_en: str | None = None, *, detail: str = ""
    ) -> None:
        self.message_ru = message_ru or self.default_ru
        self.message_en = message_en or self.default_en
        self.detail = detail
        super().__init__(self.message_ru)

    def __str__(self) -> str:
        return self.message_ru

    def message(self, lang: str) -> str:
        """The message in `lang` ("ru" or "en"); Russian for any other value."""
        return self.message_en if lang == "en" else self.message_ru


class VoiceMissing(SpeechError):
    """No installed voice matches the language or the configured voice id."""

    default_ru = "Голос для озвучивания не найден. Установите голоса eSpeak NG (espeak-ng-data)."
    default_en = "No voice for announcements was found. Install the eSpeak NG voices."


class SpeechEngineUnavailable(SpeechError):
    """pyttsx3 is not installed or its eSpeak NG driver cannot start."""

    default_ru = "Синтезатор речи недоступен. Установите pyttsx3 и пакет libespeak-ng1."
    default_en = "The speech engine is unavailable. Install pyttsx3 and the libespeak-ng1 package."


class AudioUnavailable(SpeechError):
    """The chosen player cannot play sound on this machine."""

    default_ru = "Нет устройства воспроизведения звука."
    default_en = "There is no audio output device."
