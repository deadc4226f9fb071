"""The Qt clock: callbacks from any thread run on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from hardware.speech.qt import QtClock, QtPlayer


@pytest.mark.gui
def test_qt_clock_runs_callbacks_on_the_gui_thread(qtbot: QtBot) -> None:
    """A callback scheduled from a worker thread runs later on the GUI (main) thread."""
    clock = QtClock()
    ran_on: list[threading.Thread] = []
    worker = threading.Thread(
        target=lambda: clock.call_later(0.01, lambda: ran_on.append(threading.current_thread()))
    )
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(ran_on), timeout=2000)
    assert ran_on == [threading.main_thread()]


@pytest.mark.gui
def test_qt_player_availability_is_explained(qtbot: QtBot) -> None:
    """With a Qt application, availability is None or a reason string, never an exception."""
    reason = QtPlayer.available()
    assert reason is None or "audio" in reason
