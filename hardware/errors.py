"""The root of device errors: a message in Russian (`str()`) and English, a technical detail."""

from __future__ import annotations


class DeviceError(Exception):
    """A device failure people must understand; subclasses set `default_ru` / `default_en`."""

    default_ru = "Ошибка устройства."
    default_en = "Device error."

    def __init__(
        self, message_ru: str | None = None, message_en: str | None = None, *, detail: str = ""
    ) -> None:
        self.message_ru = message_ru or self.default_ru
        self.message_en = message_en or self.default_en
        #: technical cause for the log (an OS error text), never shown to a visitor
        self.detail = detail
        super().__init__(self.message_ru)

    def __str__(self) -> str:
        return self.message_ru

    def message(self, lang: str) -> str:
        """The message in `lang` ("ru" or "en"); Russian for any other value."""
        return self.message_en if lang == "en" else self.message_ru
