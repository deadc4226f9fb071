"""The server's settings: typed classes, read from `OKNO_*` environment variables and flags."""

from __future__ import annotations

import ipaddress
import socket
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from queue_server.notify.settings import NoticeSettings

SET_PUBLIC_URL = (
    "set OKNO_PUBLIC_URL (or --public-url) to the address visitors' phones open, "
    "e.g. https://okno.example.org"
)


class DatabaseSettings(BaseSettings):
    """What the administrator's commands need (config apply, operator add): the database only."""

    model_config = SettingsConfigDict(env_prefix="OKNO_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/okno.db"


class ServerSettings(NoticeSettings, DatabaseSettings):
    """A server process's settings: validated once at start, never changed afterwards.

    Unsafe values are refused, not guessed around: a production server needs the public URL
    printed in QR codes, and one that phones can reach (not this machine's loopback address).
    Only the demo (`demo=True`, set by `okno demo` and `okno server --demo`) may leave it out:
    its QR codes then point at http://127.0.0.1:PORT.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    # Where visitors' phones reach the server: printed in the ticket's QR code.
    public_url: str | None = None
    demo: bool = False
    # How many missed events a reconnecting client may be sent before it gets a snapshot instead.
    max_replay: int = 1000
    # `queue.changed` at most this often per office (seconds; 0: after every command that
    # touched the queue): commands in between leave one owed, sent within about twice this.
    queue_changed_every: float = Field(default=0.25, ge=0, le=5)
    log_level: str = "info"
    # Addresses of reverse proxies whose X-Forwarded-For is trusted (comma-separated, or "*"):
    # the rate limits then count each visitor's own address, not the proxy's.
    forwarded_allow_ips: str = "127.0.0.1"
    # Requests per minute and burst per client address: public status pages, and login attempts.
    public_rate_per_minute: float = Field(default=120, gt=0)
    public_rate_burst: int = Field(default=30, ge=1)
    # Live status pages (GET /t/{token}/events) open at once, per client address and in all:
    # past these a page is told 429/503 and polls instead. Phones behind one carrier's NAT
    # share an address, hence the generous per-address figure.
    status_streams_per_client: int = Field(default=50, ge=1)
    status_streams_total: int = Field(default=5000, ge=1)
    login_rate_per_minute: float = Field(default=30, gt=0)
    login_rate_burst: int = Field(default=20, ge=1)
    # Request bodies over this many bytes are refused (413) before they are read.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Signs the booking pages' CSRF tokens and lookup cookie. Every process of one site needs
    # the same value (a region behind a proxy); unset, each process draws a random one.
    form_secret: str | None = Field(default=None, min_length=16)
    # A production server serves a real office; "test" is a throw-away one (a simulation's).
    environment: Literal["production", "test"] = "production"
    # The settable clock of `okno simulate` (POST /api/v1/sim/clock with the simulation token):
    # refused on a production server, since it moves the office's time.
    simulation: bool = False
    simulation_token: str | None = Field(default=None, min_length=16)
    # SQLite's PRAGMA synchronous: "full" waits for the disk at every commit, so a ticket the
    # kiosk printed survives a power cut. "normal" (WAL: still never corrupt, but the last
    # commits may be lost to a power cut) only for a throw-away server: `okno simulate` sets it
    # for its temporary database, where the wait for the disk was most of a command's cost.
    sqlite_synchronous: Literal["full", "normal"] = "full"

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"public_url {value!r} is not an http(s) address: {SET_PUBLIC_URL}")
        return value

    @field_validator("port")
    @classmethod
    def _port_range(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("port must be 0…65535")
        return value

    @model_validator(mode="after")
    def _simulation_off_in_production(self) -> ServerSettings:
        if not self.simulation:
            return self
        if self.environment == "production" and not self.demo:
            raise ValueError(
                "OKNO_SIMULATION=true (the settable simulation clock) is refused on a production "
                "server (OKNO_ENVIRONMENT=production): it would move a real office's time. "
                "Only a throw-away server may have it: OKNO_ENVIRONMENT=test (okno simulate "
                "starts one itself) or the demo / Часы симуляции запрещены на рабочем сервере: "
                "OKNO_SIMULATION=true допускается только при OKNO_ENVIRONMENT=test или в демо"
            )
        if self.simulation_token is None:
            raise ValueError(
                "OKNO_SIMULATION=true needs OKNO_SIMULATION_TOKEN (16 characters or more), the "
                "bearer token that may move the clock / для часов симуляции нужен "
                "OKNO_SIMULATION_TOKEN (не короче 16 символов)"
            )
        return self

    @model_validator(mode="after")
    def _durable_in_production(self) -> ServerSettings:
        if self.sqlite_synchronous != "full" and self.environment == "production":
            raise ValueError(
                "OKNO_SQLITE_SYNCHRONOUS=normal is refused on a production server "
                "(OKNO_ENVIRONMENT=production): a power cut could lose tickets already printed. "
                "Only a throw-away server may have it (OKNO_ENVIRONMENT=test) / "
                "OKNO_SQLITE_SYNCHRONOUS=normal допускается только при OKNO_ENVIRONMENT=test: на "
                "рабочем сервере сбой питания мог бы потерять уже выданные талоны"
            )
        return self

    @model_validator(mode="after")
    def _reachable_public_url(self) -> ServerSettings:
        if self.demo:
            return self
        if self.public_url is None:
            raise ValueError(
                "the public URL printed in QR codes is not set: "
                f"{SET_PUBLIC_URL} (the demo, okno demo or okno server --demo, needs none)"
            )
        if is_loopback_url(self.public_url):
            raise ValueError(
                f"public_url {self.public_url} is this machine's own address, which visitors' "
                f"phones cannot open: {SET_PUBLIC_URL} (only the demo, okno demo or "
                "okno server --demo, may use 127.0.0.1)"
            )
        return self

    @property
    def qr_url(self) -> str:
        """The address the QR codes point at: the public URL, or the demo's own address."""
        return self.public_url or f"http://127.0.0.1:{self.port}"

    def listening_on(self, port: int) -> ServerSettings:
        """These settings with the port actually bound (for `--port 0`), validated anew."""
        return type(self)(**{**self.model_dump(), "port": port})


def is_loopback_url(url: str) -> bool:
    """True when `url`'s host is this machine only: localhost, 127.0.0.0/8, ::1 or 0.0.0.0."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the short forms browsers accept too: 127.1, 2130706433
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified
