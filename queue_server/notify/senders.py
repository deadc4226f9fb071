"""Senders: SMTP e-mail, SMS over an HTTP gateway, a signed webhook; one interface and a Fake.

Each sender takes an `Outgoing` notice and returns, or raises `SendError` with a sentence for the
outbox's `last_error` (the worker then retries with backoff). None of them logs a recipient in
clear: see `okno.logs.mask_phone` / `mask_email`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

import httpx

from queue_server.notify.channels import Channel

SIGNATURE_HEADER = "X-Okno-Signature"
TIMESTAMP_HEADER = "X-Okno-Timestamp"
# A receiver refuses a webhook whose timestamp is further than this from its own clock.
REPLAY_WINDOW_SECONDS = 300
TIMEOUT_SECONDS = 15.0


class SendError(Exception):
    """A notice could not be sent this time; the message says why (no personal data)."""


class PermanentSendError(SendError):
    """A notice that no retry can send (no recipient, a malformed request): failed at once."""


@dataclass(frozen=True)
class Outgoing:
    """One notice ready to go: recipient (address or phone; None for the webhook) and texts."""

    notice: int
    kind: str
    recipient: str | None
    subject: str
    text: str
    # What the webhook posts (no personal data).
    payload: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    """Sends notices of one channel."""

    channel: Channel

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver `outgoing` or raise SendError."""


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"  # plain SMTP: a local relay or tests only


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # the From address
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    user: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT_SECONDS
    # Tests point this at their own CA; None means the system's trusted certificates.
    ssl_context: ssl.SSLContext | None = None


class SmtpSender:
    """E-mail over SMTP (smtplib in a worker thread): STARTTLS, SSL or plain; optional auth."""

    channel = Channel.EMAIL

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _message(self, outgoing: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = outgoing.recipient or ""
        message["Subject"] = outgoing.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2] or None)
        message.set_content(outgoing.text)
        return message

    def _send_blocking(self, outgoing: Outgoing) -> None:
        config = self.config
        context = config.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if config.security is SmtpSecurity.SSL:
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.security is SmtpSecurity.STARTTLS:
                smtp.starttls(context=context)
            if config.user:
                smtp.login(config.user, config.password or "")
            smtp.send_message(self._message(outgoing))

    async def send(self, outgoing: Outgoing) -> None:
        if not outgoing.recipient:
            raise PermanentSendError("no e-mail address")
        try:
            await asyncio.to_thread(self._send_blocking, outgoing)
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP {type(exc).__name__}: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


class BodyFormat(StrEnum):
    """How {phone} and {text} are escaped in the SMS gateway's request body."""

    JSON = "json"  # inside a JSON string literal
    FORM = "form"  # application/x-www-form-urlencoded value
    TEXT = "text"  # as is


@dataclass(frozen=True)
class SmsTemplate:
    """The SMS gateway's request with {phone} and {text} placeholders.

    In the URL they are percent-encoded, in the body escaped per `body_format`, in headers put
    as they are (a header value with a line break is refused).
    """

    url: str
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    body_format: BodyFormat = BodyFormat.JSON


def _fill(template: str, values: Mapping[str, str], escape: Any) -> str:
    # Plain replacement, not str.format: JSON bodies are full of braces.
    result = template
    for name, value in values.items():
        result = result.replace("{" + name + "}", escape(value))
    return result


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def build_sms_request(template: SmsTemplate, phone: str, text: str) -> httpx.Request:
    """The gateway request for one SMS, placeholders filled and escaped for where they stand."""
    values = {"phone": phone, "text": text}
    url = _fill(template.url, values, lambda v: quote(v, safe=""))
    headers = {}
    for name, value in template.headers.items():
        filled = _fill(value, values, lambda v: v)
        if "\r" in filled or "\n" in filled:
            raise PermanentSendError(f"SMS header {name} would contain a line break")
        headers[name] = filled
    content: bytes | None = None
    if template.body:
        escape = {
            BodyFormat.JSON: _json_escape,
            BodyFormat.FORM: lambda v: quote_plus(v),
            BodyFormat.TEXT: lambda v: v,
        }[template.body_format]
        content = _fill(template.body, values, escape).encode()
        content_type = {
            BodyFormat.JSON: "application/json",
            BodyFormat.FORM: "application/x-www-form-urlencoded",
            BodyFormat.TEXT: "text/plain; charset=utf-8",
        }[template.body_format]
        if not any(h.lower() == "content-type" for h in headers):
            headers["Content-Type"] = content_type
    return httpx.Request(template.method.upper(), url, headers=headers, content=content)


class SmsGatewaySender:
    """SMS through an HTTP gateway described by an `SmsTemplate`; any 2xx answer is success."""

    channel = Channel.SMS

    def __init__(self, template: SmsTemplate, timeout: float = TIMEOUT_SECONDS) -> None:
        self.template = template
        self.timeout = timeout

    async def send(self, outgoing: Outgoing) -> None:
        if not outgoing.recipient:
            raise PermanentSendError("no phone number")
        request = build_sms_request(self.template, outgoing.recipient, outgoing.text)
        await _send_http(request, self.timeout, "SMS gateway")


async def _send_http(request: httpx.Request, limit: float, what: str) -> None:
    try:
        async with httpx.AsyncClient(timeout=limit) as client:
            response = await client.send(request)
    except httpx.HTTPError as exc:
        raise SendError(f"{what}: {type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise SendError(f"{what} answered HTTP {response.status_code}: {response.text[:200]}")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The webhook signature: hex HMAC-SHA256 of `timestamp.body` under `secret`."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (no replays)."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > window:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


class WebhookSender:
    """POSTs the notice as JSON, signed in `X-Okno-Signature` over `X-Okno-Timestamp` and body."""

    channel = Channel.WEBHOOK

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = TIMEOUT_SECONDS,
        clock: Any = time.time,
    ) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.clock = clock

    def request(self, outgoing: Outgoing) -> httpx.Request:
        body = json.dumps(outgoing.payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        return httpx.Request("POST", self.url, headers=headers, content=body)

    async def send(self, outgoing: Outgoing) -> None:
        await _send_http(self.request(outgoing), self.timeout, "webhook")


class FakeSender:
    """Records what it was asked to send; fails the next `fail` sends with SendError."""

    def __init__(self, channel: Channel, fail: int = 0) -> None:
        self.channel = channel
        self.sent: list[Outgoing] = []
        self.fail = fail

    async def send(self, outgoing: Outgoing) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise SendError("fake failure")
        self.sent.append(outgoing)
