"""Booking codes, manage secrets and the visitor's contact (phone, e-mail, consent)."""

from __future__ import annotations

import pytest

from queue_server.domain.bookings import (
    CODE_ALPHABET,
    InvalidContact,
    contact,
    new_code,
    new_secret,
    normalize_code,
    normalize_email,
    normalize_phone,
    secret_hash,
)


def test_codes_have_eight_characters_without_look_alikes() -> None:
    """A thousand codes: 8 characters each, none of 0 O 1 I L 2 Z 5 S 8 B 6 G."""
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == 8 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("0O1IL2Z5S8B6G") & set(CODE_ALPHABET)


def test_typed_code_is_normalized() -> None:
    """Lower case, spaces and dashes typed by the visitor do not matter."""
    assert normalize_code(" acde-7k3p ") == "ACDE7K3P"


def test_manage_secret_is_random_and_only_its_hash_is_kept() -> None:
    """Two secrets differ; the stored form is a 64-hex sha256, not the secret."""
    one, two = new_secret(), new_secret()
    assert one != two and len(one) >= 32
    assert len(secret_hash(one)) == 64 and one not in secret_hash(one)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("8 (900) 123-45-67", "+79001234567"),
        ("+7 900 123 45 67", "+79001234567"),
        ("79001234567", "+79001234567"),
        ("9001234567", "+79001234567"),
        ("+49 30 1234567", "+49301234567"),
    ],
)
def test_phones_are_normalized(typed: str, stored: str) -> None:
    """Russian numbers in any usual writing become +7XXXXXXXXXX; others stay E.164."""
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12345", "8 900 123", "+7 900 123 45 678", "phone", "+0123456789"]
)
def test_malformed_phones_are_refused_in_both_languages(typed: str) -> None:
    """A number that is not one gets a sentence with an example, RU and EN."""
    with pytest.raises(InvalidContact) as caught:
        normalize_phone(typed)
    assert caught.value.code == "invalid_phone" and caught.value.status == 422
    assert "+7 900 123-45-67" in caught.value.message("ru")
    assert "not valid" in caught.value.message("en")


@pytest.mark.parametrize("typed", ["name", "a@b", "a b@example.ru", "@example.ru", "a@.ru"])
def test_malformed_emails_are_refused(typed: str) -> None:
    """An address without a proper domain or with spaces is refused with invalid_email."""
    with pytest.raises(InvalidContact) as caught:
        normalize_email(typed)
    assert caught.value.code == "invalid_email"


def test_contact_needs_consent_and_empty_fields_need_none() -> None:
    """Any of name/phone/e-mail without consent is refused; none given needs no consent."""
    assert not contact(None, " ", "", consent=False).any
    with pytest.raises(InvalidContact) as caught:
        contact(None, None, "a@example.ru", consent=False)
    assert caught.value.code == "consent_required"
    assert "согласие" in caught.value.message("ru") and "consent" in caught.value.message("en")
    kept = contact(" Анна ", "8 900 123 45 67", "a@example.ru", consent=True)
    assert (kept.name, kept.phone, kept.email) == ("Анна", "+79001234567", "a@example.ru")


@pytest.mark.parametrize("name", ["Анна\nBcc: x@example.ru", "Анна\tИванова", "А" * 121])
def test_names_with_line_breaks_or_too_long_are_refused(name: str) -> None:
    """A name is one printable line of at most 120 characters (it goes into e-mails and SMS)."""
    with pytest.raises(InvalidContact) as caught:
        contact(name, None, None, consent=True)
    assert caught.value.code == "invalid_name"
