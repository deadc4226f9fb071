"""Booking rules beyond the slot engine: codes, the booking's life, and the visitor's contact.

Pure rules, no I/O. A code is what a visitor types at the kiosk, so it avoids look-alike
characters (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G); the private manage secret is random and only
its sha256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from queue_server.domain import errors

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 8
MAX_NAME = 120


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    MISSED = "missed"
    SERVED = "served"


#: the statuses that hold a place in their slot
LIVE = (BookingStatus.BOOKED.value, BookingStatus.CHECKED_IN.value)


def new_code() -> str:
    """A fresh 8-character booking code from `CODE_ALPHABET` (the caller checks uniqueness)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What the visitor typed, upper-cased without spaces and dashes."""
    return re.sub(r"[\s\-]+", "", text).upper()


def new_secret() -> str:
    """The private manage secret (shown once; only its hash is kept)."""
    return secrets.token_urlsafe(24)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InvalidContact(errors.CodedError):
    """A phone, e-mail or name that cannot be used, or a contact given without consent."""

    code = "invalid_contact"
    status = 422


class BookingNotFound(errors.CodedError):
    code = "booking_not_found"
    status = 404


class BookingClosed(errors.CodedError):
    """The booking can no longer be changed (cancelled, checked in, past)."""

    code = "booking_closed"
    status = 409


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def normalize_phone(text: str) -> str:
    """A Russian number as +7XXXXXXXXXX (8XXXXXXXXXX, 7…, +7…, with spaces, dashes, brackets),
    another country's as E.164 (+ and 8–15 digits). Raises InvalidContact."""
    raw = text.strip()
    digits = re.sub(r"[\s\-().]", "", raw)
    if re.fullmatch(r"8\d{10}", digits):
        return "+7" + digits[1:]
    if re.fullmatch(r"7\d{10}", digits):
        return "+" + digits
    if re.fullmatch(r"9\d{9}", digits):
        return "+7" + digits
    if re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        if digits.startswith("+7") and len(digits) != 12:
            raise _bad_phone(raw)
        return digits
    raise _bad_phone(raw)


def _bad_phone(raw: str) -> InvalidContact:
    return InvalidContact(
        "invalid_phone",
        f"Номер телефона «{raw[:40]}» не распознан: укажите его в виде +7 900 123-45-67",
        f"The phone number '{raw[:40]}' is not valid: write it as +7 900 123-45-67",
    )


def normalize_email(text: str) -> str:
    """The address trimmed; raises InvalidContact when it is not an e-mail address."""
    value = text.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidContact(
            "invalid_email",
            f"Адрес электронной почты «{value[:60]}» указан неверно: пример — name@example.ru",
            f"The e-mail address '{value[:60]}' is not valid: e.g. name@example.com",
        )
    return value


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str | None
    email: str | None

    @property
    def any(self) -> bool:
        return bool(self.name or self.phone or self.email)


def contact(name: str | None, phone: str | None, email: str | None, consent: bool) -> Contact:
    """The visitor's contact, normalized; any of it requires consent to keep personal data.

    Raises InvalidContact (nothing is booked)."""
    clean_name = (name or "").strip() or None
    if clean_name is not None and not clean_name.isprintable():
        # Control characters (line breaks) would end up in e-mail and SMS texts.
        raise InvalidContact(
            "invalid_name",
            "Имя должно быть одной строкой без служебных символов",
            "The name must be one line without control characters",
        )
    if clean_name is not None and len(clean_name) > MAX_NAME:
        raise InvalidContact(
            "invalid_name",
            f"Имя слишком длинное: не больше {MAX_NAME} символов",
            f"The name is too long: at most {MAX_NAME} characters",
        )
    result = Contact(
        clean_name,
        normalize_phone(phone) if phone and phone.strip() else None,
        normalize_email(email) if email and email.strip() else None,
    )
    if result.any and not consent:
        raise InvalidContact(
            "consent_required",
            "Чтобы мы сохранили ваши имя, телефон или почту, отметьте согласие на обработку "
            "персональных данных — или оставьте эти поля пустыми",
            "To keep your name, phone or e-mail we need your consent to process personal data: "
            "tick the consent box, or leave these fields empty",
        )
    return result
