"""Players: the null player, the factory's choice, and the real thread clock."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from hardware.config import PlayerKind
from hardware.speech import players
from hardware.speech.clock import ThreadClock
from hardware.speech.errors import AudioUnavailable
from hardware.speech.players import NullPlayer, make_player


def test_null_player_logs_and_finishes(caplog: pytest.LogCaptureFixture) -> None:
    """The null player reports the silence once on okno.speech and finishes every sound."""
    finished: list[str] = []
    player = NullPlayer("ALSA lists no sound card")
    with caplog.at_level(logging.INFO, logger="okno.speech"):
        player.play(Path("a.wav"), lambda: finished.append("a"))
        player.play(Path("b.wav"), lambda: finished.append("b"))
    assert finished == ["a", "b"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "ALSA lists no sound card" in warnings[0].getMessage()


def test_auto_falls_back_to_null_without_audio(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a Qt app and without a sound card, AUTO gives the null player with the reason."""
    monkeypatch.setattr(players.AplayPlayer, "available", classmethod(lambda cls: "no card"))
    player = make_player(PlayerKind.AUTO)
    assert isinstance(player, NullPlayer)
    assert player.reason == "no card"


def test_explicit_aplay_without_card_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking for aplay where it cannot play raises AudioUnavailable with the reason."""
    monkeypatch.setattr(players.AplayPlayer, "available", classmethod(lambda cls: "no card"))
    with pytest.raises(AudioUnavailable) as raised:
        make_player(PlayerKind.APLAY)
    assert raised.value.detail == "no card"


def test_thread_clock_runs_callbacks_in_time_order_on_its_thread() -> None:
    """ThreadClock runs callbacks by due time on its own thread."""
    clock = ThreadClock()
    order: list[tuple[str, str]] = []
    done = threading.Event()
    try:
        clock.call_later(
            0.05, lambda: (order.append(("late", threading.current_thread().name)), done.set())
        )
        clock.call_later(0, lambda: order.append(("soon", threading.current_thread().name)))
        assert done.wait(5)
    finally:
        clock.close()
    assert [name for name, _ in order] == ["soon", "late"]
    assert {thread for _, thread in order} == {"okno-announcer"}
