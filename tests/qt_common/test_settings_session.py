"""Client settings precedence, the saved seq of the state file, the admin corner taps."""

from __future__ import annotations

from pathlib import Path

import pytest

from qt_common.kiosk_window import CornerTaps
from qt_common.session import read_saved_seq, write_saved_seq
from qt_common.settings import ClientSettings, SettingsError, load_settings


def test_flags_over_env_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A flag wins over OKNO_* which wins over the YAML file; None flags are "not given"."""
    file = tmp_path / "kiosk.yaml"
    file.write_text("server: http://file:1\ntoken: from-file\nlang: en\noffice: f\n")
    monkeypatch.setenv("OKNO_TOKEN", "from-env")
    monkeypatch.setenv("OKNO_OFFICE", "e")
    settings = load_settings(ClientSettings, {"office": "flag", "lang": None}, file)
    assert (settings.server, settings.token, settings.office, settings.lang) == (
        "http://file:1", "from-env", "flag", "en")  # fmt: skip


def test_bad_settings_name_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad URL, a missing token, a short PIN or a missing file: SettingsError naming it."""
    monkeypatch.delenv("OKNO_TOKEN", raising=False)
    with pytest.raises(SettingsError, match="server"):
        load_settings(ClientSettings, {"server": "ftp://x", "token": "t"})
    with pytest.raises(SettingsError, match="token"):
        load_settings(ClientSettings, {"server": "http://x"})
    with pytest.raises(SettingsError, match="admin_pin"):
        load_settings(ClientSettings, {"server": "http://x", "token": "t", "admin_pin": "12"})
    with pytest.raises(SettingsError, match="not found"):
        load_settings(ClientSettings, {}, tmp_path / "missing.yaml")


def test_saved_seq_round_trip_and_refusals(tmp_path: Path) -> None:
    """The seq is kept per office; another office's, a broken file or none give None."""
    state = tmp_path / "state" / "kiosk.json"
    assert read_saved_seq(state, "a") is None
    write_saved_seq(state, "a", 42)
    assert read_saved_seq(state, "a") == 42
    assert read_saved_seq(state, "b") is None
    state.write_text("{not json")
    assert read_saved_seq(state, "a") is None
    assert read_saved_seq(None, "a") is None


def test_corner_taps_need_five_within_three_seconds() -> None:
    """Five taps within 3 s open the PIN pad; slower taps do not."""
    taps = CornerTaps()
    assert not any(taps.tap(t) for t in (0.0, 1.0, 2.0, 3.0))
    assert taps.tap(3.5) is False  # 0.0 … 3.5 spans more than 3 s
    assert taps.tap(3.6) is True  # 1.0 … 3.6: the fifth within 3 s
