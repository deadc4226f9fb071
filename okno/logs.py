"""Logging of every `okno` process: one line per record, as text or as JSON, with context fields.

Loggers are per area (`okno.server`, `okno.ws`, `okno.kiosk`, `okno.printer`, ...). Context goes
in `extra` rather than in the message, so that a log collector can filter on it::

    log.info("ticket issued", extra={"office": "demo", "ticket": 42, "number": "А042"})

Text: `2026-12-02 09:15:00,123 INFO okno.server: ticket issued office=demo ticket=42 …`.
JSON (`--log-format json` or `OKNO_LOG_FORMAT=json`): one object per line with `time` (UTC,
milliseconds, Z), `level`, `logger`, `message`, the context fields and, for errors, `exc`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

#: Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def context_of(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller passed in `extra`."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value …`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = context_of(record)
        if not fields:
            return line
        head, sep, trace = line.partition("\n")
        pairs = " ".join(f"{k}={_text(v)}" for k, v in fields.items())
        return f"{head} {pairs}{sep}{trace}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; never fails on a value it cannot encode (uses its repr)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **context_of(record),
        }
        if record.exc_info:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=repr)


def _text(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of each record, not the stream it was at
    set-up (a test's captured stream is closed by the time a later test logs)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


# Personal data (152-ФЗ) never reaches a log in clear: phones and e-mail addresses are masked.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d[\d ()-]{8,18}\d|[78]\d{10})(?!\w)")


def mask_phone(phone: str) -> str:
    """`+79161234512` -> `+7***12`: the country code and the last two digits only."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 4:
        return "***"
    head = "+" + digits[0] if phone.lstrip().startswith("+") else digits[0]
    return f"{head}***{digits[-2:]}"


def mask_email(email: str) -> str:
    """`anna@example.ru` -> `a***@example.ru`: the first letter and the domain only."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_personal(text: str) -> str:
    """`text` with every e-mail address and phone number in it masked."""
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


class PersonalDataFilter(logging.Filter):
    """Masks phones and e-mail addresses in a record's message, arguments, `extra` fields and
    traceback (an exception's message may quote a visitor's input)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal(message)
        if masked != message:
            record.msg, record.args = masked, None
        for key, value in context_of(record).items():
            if isinstance(value, str):
                setattr(record, key, mask_personal(value))
        if record.exc_info and not record.exc_text:
            # Formatters use a record's exc_text when it is set: give them the masked one.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        return True


def mask_all_handlers() -> None:
    """Put the personal-data filter on every handler of every logger configured so far (a
    library such as uvicorn installs its own handlers after `configure_logging`)."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(PersonalDataFilter())


def configure_logging(level: int = logging.INFO, fmt: str = "text") -> None:
    """Send every record of the process to stderr, formatted as `fmt` ("text" or "json")."""
    if fmt not in ("text", "json"):
        raise ValueError(f"log format must be text or json, not {fmt!r}")
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
