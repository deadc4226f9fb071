"""Notices without I/O: backoff, texts, SMS escaping, webhook signature, masking, settings."""

from __future__ import annotations

import json
import logging
import sys
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from pydantic import ValidationError

from okno.logs import (
    JsonFormatter,
    PersonalDataFilter,
    TextFormatter,
    mask_all_handlers,
    mask_email,
    mask_personal,
    mask_phone,
)
from queue_server.notify.channels import NoticeKind
from queue_server.notify.messages import render
from queue_server.notify.senders import BodyFormat, SmsTemplate, build_sms_request, sign, verify
from queue_server.notify.settings import NoticeSettings
from queue_server.service.outbox import MAX_ATTEMPTS, retry_delay

DATA = {
    "lang": "ru",
    "code": "K7M2QX",
    "service": "reg",
    "service_name": {"ru": "Регистрация", "en": "Registration"},
    "date": "11.03.2026",
    "time": "10:30",
    "office_name": {"ru": "Тестовый ЦЗН", "en": "Test centre"},
    "address": "ул. Ленина, 1",
    "name": "Анна",
    "manage_url": "https://okno.test/book/manage/secret",
}


def test_backoff_schedule_is_exact() -> None:
    """Waits after failed attempts 1..7: 30 s, 1, 2, 4, 8, 16 min, then capped at 30 min; the
    8th failure ends the retries."""
    assert MAX_ATTEMPTS == 8
    expected = [30, 60, 120, 240, 480, 960, 1800]
    assert [retry_delay(n) for n in range(1, 8)] == [timedelta(seconds=s) for s in expected]
    assert retry_delay(8) is None
    assert retry_delay(9) is None


def test_confirmation_texts_in_russian_and_english() -> None:
    """The confirmation names code, date, time, service, address and the manage link, per lang."""
    ru = render(NoticeKind.BOOKING_CONFIRMATION, DATA)
    for part in (
        "K7M2QX",
        "11.03.2026",
        "10:30",
        "Регистрация",
        "ул. Ленина, 1",
        DATA["manage_url"],
    ):
        assert part in ru.body
    assert ru.subject.startswith("Запись подтверждена")
    assert "K7M2QX" in ru.sms and len(ru.sms) < 160
    en = render(NoticeKind.BOOKING_CONFIRMATION, {**DATA, "lang": "en"})
    assert "Registration" in en.body and "Booking code: K7M2QX" in en.body
    assert en.subject.startswith("Booking confirmed")


def test_turn_near_text_says_how_many_are_ahead() -> None:
    """ "Ваша очередь подходит: перед вами 2", and the English sentence for English bookings."""
    data = {**DATA, "ahead": 2, "number": "А007"}
    assert (
        render(NoticeKind.TURN_NEAR, data).sms == "Ваша очередь подходит: перед вами 2. Талон А007."
    )
    english = render(NoticeKind.TURN_NEAR, {**data, "lang": "en"}).sms
    assert english.startswith("Your turn is near: 2 ahead of you")


def test_texts_without_personal_fields_still_render() -> None:
    """A purged or link-less notice (no name, no manage link) renders without them."""
    data = {**DATA, "name": None, "manage_url": None}
    for kind in NoticeKind:
        message = render(kind, {**data, "ahead": 1, "number": "А001"})
        assert "None" not in message.body and message.subject


def test_sms_json_body_escapes_quotes_and_newlines() -> None:
    """{text} inside a JSON string stays valid JSON whatever the text holds."""
    template = SmsTemplate(
        url="https://sms.example/send",
        body='{"to": "{phone}", "message": "{text}"}',
        body_format=BodyFormat.JSON,
        headers={"Authorization": "Bearer k"},
    )
    text = 'Талон "А 1"\nперед вами 2 \\ {phone}'
    request = build_sms_request(template, "+79161234512", text)
    assert json.loads(request.content) == {"to": "+79161234512", "message": text}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Bearer k"


def test_sms_form_body_and_url_are_percent_encoded() -> None:
    """In a form body and in the URL the placeholders are percent-encoded (& and + survive)."""
    template = SmsTemplate(
        url="https://sms.example/send?to={phone}&msg={text}",
        method="POST",
        body="phone={phone}&text={text}",
        body_format=BodyFormat.FORM,
    )
    text = "a&b=c + д"
    request = build_sms_request(template, "+7 916", text)
    assert parse_qs(request.content.decode()) == {"phone": ["+7 916"], "text": [text]}
    query = parse_qs(urlsplit(str(request.url)).query)
    assert query == {"to": ["+7 916"], "msg": [text]}
    assert unquote(str(request.url)).endswith(text)


def test_webhook_signature_verifies_and_refuses_tampering_and_replays() -> None:
    """The signature covers timestamp and body; an altered body or an old timestamp fails."""
    body = b'{"kind": "reminder"}'
    signature = sign("s" * 16, 1_000_000, body)
    assert verify("s" * 16, "1000000", body, signature, now=1_000_010)
    assert not verify("s" * 16, "1000000", body + b" ", signature, now=1_000_010)
    assert not verify("t" * 16, "1000000", body, signature, now=1_000_010)
    assert not verify("s" * 16, "1000001", body, signature, now=1_000_010)
    assert not verify("s" * 16, "1000000", body, signature, now=1_000_000 + 301)


def test_masking_of_phones_and_emails() -> None:
    """Phones keep the country code and the last two digits, e-mails the first letter and domain;
    dates, times and ids are left alone."""
    assert mask_phone("+79161234512") == "+7***12"
    assert mask_phone("8 (916) 123-45-67") == "8***67"
    assert mask_email("anna@example.ru") == "a***@example.ru"
    line = "to +7 916 123-45-12, anna.k@mail.example.ru on 2026-12-03 10:00:00 ticket 1733212345"
    assert mask_personal(line) == (
        "to +7***12, a***@mail.example.ru on 2026-12-03 10:00:00 ticket 1733212345"
    )


def test_log_filter_masks_message_args_and_extra() -> None:
    """A log record with a phone in its arguments and an e-mail in `extra` prints masked."""
    record = logging.LogRecord(
        "okno.notify", logging.INFO, "", 0, "sms to %s", ("+79161234512",), None
    )
    record.recipient = "anna@example.ru"
    assert PersonalDataFilter().filter(record)
    line = TextFormatter().format(record)
    assert "+7***12" in line and "a***@example.ru" in line
    assert "9161234512" not in line and "anna@" not in line


def test_settings_channels_follow_addresses() -> None:
    """A channel is configured when its address is set; nothing set configures nothing."""
    assert not NoticeSettings().notice_channels().any
    settings = NoticeSettings(
        smtp_host="mail.example",
        smtp_from="okno@example.ru",
        sms_url="https://sms.example/send?to={phone}&text={text}",
        webhook_url="https://crm.example/hook",
        webhook_secret="x" * 16,
        turn_near_ahead=2,
    )
    channels = settings.notice_channels()
    assert (channels.email, channels.sms, channels.webhook, channels.turn_near_ahead) == (
        True,
        True,
        True,
        2,
    )
    assert set(settings.notice_senders()) == {"email", "sms", "webhook"}


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"smtp_host": "mail.example"}, "OKNO_SMTP_FROM"),
        ({"sms_url": "https://sms.example/send"}, "{phone} и {text}"),
        ({"sms_url": "ftp://sms.example/{phone}/{text}"}, "http(s)"),
        (
            {"sms_url": "https://sms.example/", "sms_body": '{"to": {phone}, "t": "{text}"}'},
            "не JSON",
        ),
        ({"webhook_url": "https://crm.example/hook", "webhook_secret": "short"}, "16"),
        ({"webhook_url": "crm.example/hook", "webhook_secret": "x" * 16}, "http(s)"),
        ({"purge_days": 0}, "purge_days"),
        (
            {"sms_url": "https://sms.example/{phone}/{text}", "sms_headers": "not json"},
            "OKNO_SMS_HEADERS должен быть объектом JSON",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_message(values: dict[str, object], words: str) -> None:
    """Incomplete or malformed channel settings stop the server with a sentence naming them."""
    with pytest.raises(ValidationError) as caught:
        NoticeSettings(**values)  # type: ignore[arg-type]
    assert words in str(caught.value)


def test_log_filter_masks_tracebacks_in_text_and_json() -> None:
    """An exception quoting a visitor's phone is logged with the phone masked, as text and JSON."""
    try:
        raise ValueError("bad phone +79161234512")
    except ValueError:
        exc_info = sys.exc_info()
    for formatter in (TextFormatter(), JsonFormatter()):
        record = logging.LogRecord("okno.server", logging.ERROR, "", 0, "failed", None, exc_info)
        assert PersonalDataFilter().filter(record)
        line = formatter.format(record)
        assert "+7***12" in line and "9161234512" not in line


def test_mask_all_handlers_covers_a_library_s_own_handler() -> None:
    """A handler a library installed on its own logger (uvicorn's) gets the filter, once."""
    logger = logging.getLogger("okno.tests.library")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        mask_all_handlers()
        mask_all_handlers()
        assert [type(f) for f in handler.filters] == [PersonalDataFilter]
    finally:
        logger.removeHandler(handler)


def test_sms_headers_come_from_a_json_object_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OKNO_SMS_HEADERS holds a JSON object; its placeholders are filled like the body's."""
    monkeypatch.setenv("OKNO_SMS_URL", "https://sms.example/send")
    monkeypatch.setenv("OKNO_SMS_HEADERS", '{"X-To": "{phone}", "X-Text": "{text}"}')
    template = NoticeSettings().sms_template()
    request = build_sms_request(template, "+7916", "hi")
    assert (request.headers["X-To"], request.headers["X-Text"]) == ("+7916", "hi")
