"""Each sender against a local stub: aiosmtpd (plain, STARTTLS with auth, SSL), an HTTP stub for
the SMS gateway and the webhook (its signature checked as a receiver would)."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from queue_server.notify.senders import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BodyFormat,
    Outgoing,
    SendError,
    SmsGatewaySender,
    SmsTemplate,
    SmtpConfig,
    SmtpSecurity,
    SmtpSender,
    WebhookSender,
    verify,
)

pytestmark = pytest.mark.asyncio

MAIL = Outgoing(1, "reminder", "anna@example.ru", "Напоминание: завтра", "Текст письма\nстрока 2")


class Inbox:
    """An aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"okno", b"pw")
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


async def _smtp_server(inbox: Inbox, **kwargs: Any) -> tuple[asyncio.Server, int]:
    ssl_context = kwargs.pop("ssl", None)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, **kwargs), "127.0.0.1", 0, ssl=ssl_context
    )
    return server, server.sockets[0].getsockname()[1]


def _decoded_subject(envelope: Envelope) -> str:
    message = message_from_bytes(envelope.original_content or b"")
    return str(make_header(decode_header(message["Subject"])))


async def test_plain_smtp_delivers_the_message() -> None:
    """Plain SMTP (tests, a local relay): the recipient, the Cyrillic subject and body arrive."""
    inbox = Inbox()
    server, port = await _smtp_server(inbox)
    async with server:
        sender = SmtpSender(SmtpConfig("127.0.0.1", port, "okno@example.ru", SmtpSecurity.NONE))
        await sender.send(MAIL)
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["anna@example.ru"]
    assert envelope.mail_from == "okno@example.ru"
    assert _decoded_subject(envelope) == "Напоминание: завтра"
    assert (
        "Текст письма"
        in message_from_bytes(envelope.original_content or b"").get_payload(decode=True).decode()
    )


async def test_starttls_with_login(certificate: tuple[Path, Path]) -> None:
    """STARTTLS then AUTH: the server takes auth only over TLS and mail only after auth."""
    inbox = Inbox()
    server, port = await _smtp_server(
        inbox,
        tls_context=_server_context(certificate),
        require_starttls=True,
        auth_require_tls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    async with server:
        config = SmtpConfig(
            "127.0.0.1",
            port,
            "okno@example.ru",
            SmtpSecurity.STARTTLS,
            user="okno",
            password="pw",
            ssl_context=_client_context(certificate),
        )
        await SmtpSender(config).send(MAIL)
        assert len(inbox.messages) == 1
        anonymous = SmtpConfig(**{**config.__dict__, "user": None, "password": None})
        with pytest.raises(SendError, match="SMTP 530"):
            await SmtpSender(anonymous).send(MAIL)
    assert len(inbox.messages) == 1


async def test_implicit_ssl(certificate: tuple[Path, Path]) -> None:
    """SMTP over SSL (port 465 style) with the server's certificate verified."""
    inbox = Inbox()
    server, port = await _smtp_server(inbox, ssl=_server_context(certificate))
    async with server:
        config = SmtpConfig(
            "127.0.0.1",
            port,
            "okno@example.ru",
            SmtpSecurity.SSL,
            ssl_context=_client_context(certificate),
        )
        await SmtpSender(config).send(MAIL)
    assert len(inbox.messages) == 1


async def test_unreachable_smtp_is_a_send_error() -> None:
    """A closed port gives SendError (the outbox retries), not a crash."""
    server, port = await _smtp_server(Inbox())
    server.close()
    await server.wait_closed()
    sender = SmtpSender(SmtpConfig("127.0.0.1", port, "okno@example.ru", SmtpSecurity.NONE))
    with pytest.raises(SendError, match="SMTP"):
        await sender.send(MAIL)


@dataclass
class HttpStub:
    """An HTTP server on 127.0.0.1:0 recording requests and answering `status`."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    url: str = ""


@pytest.fixture
def http_stub() -> Iterator[HttpStub]:
    stub = HttpStub()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            stub.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length),
                }
            )
            self.send_response(stub.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = _record

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


async def test_sms_gateway_receives_the_templated_request(http_stub: HttpStub) -> None:
    """The gateway gets the configured method, path, headers and a JSON body with phone and text."""
    template = SmsTemplate(
        url=http_stub.url + "/api/sms?sender=OKNO",
        headers={"Authorization": "Bearer token-1"},
        body='{"phone": "{phone}", "text": "{text}"}',
        body_format=BodyFormat.JSON,
    )
    text = 'Ваша очередь подходит: перед вами 2. "А 7"'
    await SmsGatewaySender(template).send(Outgoing(3, "turn_near", "+79161234512", "", text))
    [request] = http_stub.requests
    assert request["method"] == "POST" and request["path"] == "/api/sms?sender=OKNO"
    assert request["headers"]["Authorization"] == "Bearer token-1"
    assert json.loads(request["body"]) == {"phone": "+79161234512", "text": text}


async def test_sms_gateway_refusal_is_a_send_error(http_stub: HttpStub) -> None:
    """A non-2xx answer from the gateway is reported with its status for `last_error`."""
    http_stub.status = 503
    template = SmsTemplate(url=http_stub.url + "/send?to={phone}&text={text}", method="GET")
    with pytest.raises(SendError, match="HTTP 503"):
        await SmsGatewaySender(template).send(Outgoing(3, "turn_near", "+7916", "", "x"))
    assert http_stub.requests[0]["path"].startswith("/send?to=%2B7916&text=x")


async def test_webhook_is_signed_json(http_stub: HttpStub) -> None:
    """The receiver verifies the HMAC signature over timestamp and body; the body is the payload."""
    payload = {"notice": 5, "kind": "booking_confirmation", "data": {"code": "K7M2QX"}}
    sender = WebhookSender(
        http_stub.url + "/hook", "secret-of-16-chars", clock=lambda: 1_700_000_000
    )
    await sender.send(Outgoing(5, "booking_confirmation", None, "", "", payload))
    [request] = http_stub.requests
    headers = request["headers"]
    assert headers[TIMESTAMP_HEADER] == "1700000000"
    assert verify(
        "secret-of-16-chars",
        headers[TIMESTAMP_HEADER],
        request["body"],
        headers[SIGNATURE_HEADER],
        now=1_700_000_100,
    )
    assert not verify(
        "another-secret-16", headers[TIMESTAMP_HEADER], request["body"], headers[SIGNATURE_HEADER],
        now=1_700_000_100,
    )  # fmt: skip
    assert json.loads(request["body"]) == payload
