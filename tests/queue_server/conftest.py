"""Fixtures of the server tests: a test office on a SQLite file with a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.office import Office, make_office


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = make_office(tmp_path / "okno.db")
    yield office
    office.engine.dispose()
