"""The pinned PySide6 keeps Python's reference counts: 6.12.0 on CPython 3.11 lost a reference
to None on every call returning nothing and aborted the app ("none_dealloc") after some
thousands of table updates."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QTableWidget

pytestmark = pytest.mark.gui


def test_void_calls_do_not_lose_references_to_none(qtbot: object) -> None:
    """30,000 setRowCount calls leave None's reference count where it was (± a few)."""
    table = QTableWidget()
    before = sys.getrefcount(None)
    for index in range(30_000):
        table.setRowCount(index % 5)
    assert abs(sys.getrefcount(None) - before) < 100
