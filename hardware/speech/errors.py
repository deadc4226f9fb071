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

from hardware.errors import DeviceError

__all__ = ["AudioUnavailable", "SpeechEngineUnavailable", "SpeechError", "VoiceMissing"]


class SpeechError(DeviceError):
    """Root of speech failures; `message_ru` / `message_en` are for people."""

    default_ru = "Ошибка синтеза речи."
    default_en = "Speech synthesis error."


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
