"""The notice settings of a server process (`OKNO_SMTP_*`, `OKNO_SMS_*`, `OKNO_WEBHOOK_*`, …).

A mixin of `queue_server.settings.ServerSettings`: validated once at start, frozen. A channel
is configured when its address is set (SMTP host, SMS gateway URL, webhook URL); notices are
queued only on configured channels.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from queue_server.notify.channels import Channel, NoticeChannels
from queue_server.notify.senders import (
    BodyFormat,
    Sender,
    SmsGatewaySender,
    SmsTemplate,
    SmtpConfig,
    SmtpSecurity,
    SmtpSender,
    WebhookSender,
    build_sms_request,
)

WEBHOOK_SECRET_CHARS = 16


def _http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class NoticeSettings(BaseSettings):
    """SMTP, SMS gateway and webhook; the turn-near threshold; how long personal data is kept."""

    model_config = SettingsConfigDict(env_prefix="OKNO_", extra="ignore", frozen=True)

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    # The SMS gateway's request; {phone} and {text} are filled in and escaped where they stand.
    sms_url: str | None = None
    sms_method: Literal["GET", "POST"] = "POST"
    # A JSON object in the environment; parsed below (with a sentence when it is not one).
    sms_headers: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    sms_body: str = ""
    sms_body_format: Literal["json", "form", "text"] = "json"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # A booked visitor with a phone gets one SMS when this many or fewer are ahead.
    turn_near_ahead: int = Field(default=3, ge=0, le=100)
    # Visitors' names, phones and e-mails are erased this many days after the visit.
    purge_days: int = Field(default=30, ge=1, le=3650)
    # How often the outbox looks for due notices when it has nothing to do.
    notice_poll_seconds: float = Field(default=5.0, gt=0, le=3600)

    @field_validator("sms_headers", mode="before")
    @classmethod
    def _headers_json(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
        ):
            raise ValueError(
                "OKNO_SMS_HEADERS должен быть объектом JSON из строк, например "
                '{"Authorization": "Bearer …"} / OKNO_SMS_HEADERS must be a JSON object of '
                'strings, e.g. {"Authorization": "Bearer …"}'
            )
        return parsed

    @model_validator(mode="after")
    def _complete_channels(self) -> NoticeSettings:
        if self.smtp_host is not None:
            if not self.smtp_from or "@" not in self.smtp_from:
                raise ValueError(
                    "задан OKNO_SMTP_HOST, но нет адреса отправителя OKNO_SMTP_FROM / "
                    "OKNO_SMTP_HOST is set but OKNO_SMTP_FROM (the sender's e-mail address) is "
                    "missing or not an address"
                )
            if self.smtp_password is not None and not self.smtp_user:
                raise ValueError(
                    "пароль SMTP задан без имени пользователя OKNO_SMTP_USER / "
                    "OKNO_SMTP_PASSWORD is set without OKNO_SMTP_USER"
                )
        if self.sms_url is not None:
            self._check_sms()
        if self.webhook_url is not None:
            if not _http(self.webhook_url):
                raise ValueError(
                    "OKNO_WEBHOOK_URL должен быть адресом http(s) / "
                    f"OKNO_WEBHOOK_URL {self.webhook_url!r} is not an http(s) address"
                )
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if len(secret) < WEBHOOK_SECRET_CHARS:
                raise ValueError(
                    f"для вебхука нужен OKNO_WEBHOOK_SECRET не короче {WEBHOOK_SECRET_CHARS} "
                    f"символов / OKNO_WEBHOOK_URL needs OKNO_WEBHOOK_SECRET of "
                    f"{WEBHOOK_SECRET_CHARS} characters or more (the receiver checks the "
                    "signature with it)"
                )
        return self

    def _check_sms(self) -> None:
        assert self.sms_url is not None
        if not _http(self.sms_url.replace("{phone}", "1").replace("{text}", "x")):
            raise ValueError(
                "OKNO_SMS_URL должен быть адресом http(s) / "
                f"OKNO_SMS_URL {self.sms_url!r} is not an http(s) address"
            )
        template = self.sms_template()
        where = template.url + template.body + "".join(template.headers.values())
        if "{phone}" not in where or "{text}" not in where:
            raise ValueError(
                "в шаблоне SMS-шлюза должны быть {phone} и {text} / the SMS gateway template "
                "(OKNO_SMS_URL, OKNO_SMS_BODY, OKNO_SMS_HEADERS) must contain both {phone} "
                "and {text}"
            )
        if template.body and template.body_format is BodyFormat.JSON:
            sample = build_sms_request(template, '+7 "1"', 'a "quoted"\ntext\\')
            try:
                json.loads(sample.content)
            except ValueError as exc:
                raise ValueError(
                    "OKNO_SMS_BODY — не JSON: ставьте {phone} и {text} внутри строк JSON / "
                    f"OKNO_SMS_BODY is not valid JSON once {{phone}} and {{text}} are filled "
                    f"in ({exc}); put the placeholders inside JSON strings"
                ) from exc

    def sms_template(self) -> SmsTemplate:
        assert self.sms_url is not None
        return SmsTemplate(
            url=self.sms_url,
            method=self.sms_method,
            headers=dict(self.sms_headers),
            body=self.sms_body,
            body_format=BodyFormat(self.sms_body_format),
        )

    def notice_channels(self) -> NoticeChannels:
        """The channels notices are queued on."""
        return NoticeChannels(
            email=self.smtp_host is not None,
            sms=self.sms_url is not None,
            webhook=self.webhook_url is not None,
            turn_near_ahead=self.turn_near_ahead,
        )

    def notice_senders(self) -> dict[Channel, Sender]:
        """A sender per configured channel (builds objects only; connects to nothing)."""
        senders: dict[Channel, Sender] = {}
        if self.smtp_host is not None:
            assert self.smtp_from is not None
            senders[Channel.EMAIL] = SmtpSender(
                SmtpConfig(
                    host=self.smtp_host,
                    port=self.smtp_port,
                    sender=self.smtp_from,
                    security=SmtpSecurity(self.smtp_security),
                    user=self.smtp_user,
                    password=self.smtp_password.get_secret_value() if self.smtp_password else None,
                )
            )
        if self.sms_url is not None:
            senders[Channel.SMS] = SmsGatewaySender(self.sms_template())
        if self.webhook_url is not None:
            assert self.webhook_secret is not None
            senders[Channel.WEBHOOK] = WebhookSender(
                self.webhook_url, self.webhook_secret.get_secret_value()
            )
        return senders
