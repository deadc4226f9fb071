"""The server's settings: one typed class, read from `OKNO_*` environment variables and flags."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    """Validated once at start; unsafe values are refused, not guessed around."""

    model_config = SettingsConfigDict(env_prefix="OKNO_", extra="ignore")

    database_url: str = "sqlite:///var/okno.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Where visitors' phones reach the server: printed in the ticket's QR code.
    public_url: str = "http://127.0.0.1:8000"
    # How many missed events a reconnecting client may be sent before it gets a snapshot instead.
    max_replay: int = 1000
    log_level: str = "info"
    # Addresses of reverse proxies whose X-Forwarded-For is trusted (comma-separated, or "*"):
    # the rate limits then count each visitor's own address, not the proxy's.
    forwarded_allow_ips: str = "127.0.0.1"
    # Requests per minute and burst per client address: public status pages, and login attempts.
    public_rate_per_minute: float = Field(default=120, gt=0)
    public_rate_burst: int = Field(default=30, ge=1)
    login_rate_per_minute: float = Field(default=30, gt=0)
    login_rate_burst: int = Field(default=20, ge=1)

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("port")
    @classmethod
    def _port_range(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("port must be 0…65535")
        return value
