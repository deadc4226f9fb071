"""Test-wide settings: Qt runs offscreen and qasync uses PySide6, set before anything imports Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
