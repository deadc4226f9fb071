"""Server settings refuse unsafe values: the QR codes' public URL, and no change after start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from queue_server.settings import DatabaseSettings, ServerSettings

LOOPBACK_URLS = [
    "http://127.0.0.1:8000",
    "http://localhost:8000/",
    "https://LOCALHOST.",
    "http://okno.localhost",
    "http://127.0.1.1",
    "http://127.1",
    "http://[::1]:8000",
    "http://[::ffff:127.0.0.1]",
    "http://0.0.0.0:8000",
]


@pytest.fixture(autouse=True)
def _no_okno_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OKNO_PUBLIC_URL", "OKNO_DEMO", "OKNO_PORT", "OKNO_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_production_settings_need_a_public_url() -> None:
    """Without a public URL (and not the demo) the settings are refused, saying what to set."""
    with pytest.raises(ValidationError) as raised:
        ServerSettings()
    assert "OKNO_PUBLIC_URL" in str(raised.value) and "--public-url" in str(raised.value)


@pytest.mark.parametrize("url", LOOPBACK_URLS)
def test_production_settings_refuse_a_loopback_public_url(url: str) -> None:
    """A public URL on this machine's own address is refused outside the demo."""
    with pytest.raises(ValidationError) as raised:
        ServerSettings(public_url=url)
    assert "OKNO_PUBLIC_URL" in str(raised.value) and "phones cannot open" in str(raised.value)


@pytest.mark.parametrize("url", LOOPBACK_URLS)
def test_the_demo_may_use_a_loopback_public_url(url: str) -> None:
    """`okno demo` / `okno server --demo` may point its QR codes at this machine."""
    assert ServerSettings(public_url=url, demo=True).qr_url == url.rstrip("/")


def test_the_demo_without_a_public_url_points_at_its_own_port() -> None:
    """The demo's QR codes default to http://127.0.0.1:PORT."""
    assert ServerSettings(demo=True, port=8123).qr_url == "http://127.0.0.1:8123"


def test_public_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """OKNO_PUBLIC_URL is read, its trailing slash dropped; it is what QR codes point at."""
    monkeypatch.setenv("OKNO_PUBLIC_URL", "https://okno.example.org/")
    assert ServerSettings().qr_url == "https://okno.example.org"


@pytest.mark.parametrize("url", ["okno.example.org", "ftp://okno.example.org", "https://"])
def test_public_url_must_be_an_http_address(url: str) -> None:
    """A public URL that a phone could not open as a web page is refused."""
    with pytest.raises(ValidationError, match="not an http"):
        ServerSettings(public_url=url, demo=True)


def test_settings_cannot_be_changed_after_validation() -> None:
    """Assigning a field raises: a changed copy is built and validated instead."""
    settings = ServerSettings(public_url="https://okno.example.org", port=0)
    with pytest.raises(ValidationError):
        settings.public_url = "http://127.0.0.1:8000"  # type: ignore[misc]
    bound = settings.listening_on(8123)
    assert (bound.port, settings.port) == (8123, 0)
    assert bound.public_url == settings.public_url


def test_a_changed_copy_is_validated_again() -> None:
    """listening_on validates: a demo bound to a port gets QR codes on that port."""
    assert ServerSettings(demo=True, port=0).listening_on(8124).qr_url == "http://127.0.0.1:8124"
    with pytest.raises(ValidationError):
        ServerSettings(public_url="https://okno.example.org").listening_on(70_000)


def test_administrator_commands_need_only_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """`okno config apply` and friends read the database URL without a public URL set."""
    monkeypatch.setenv("OKNO_DATABASE_URL", "sqlite:///elsewhere.db")
    assert DatabaseSettings().database_url == "sqlite:///elsewhere.db"
