"""Tokens checked lately are forgotten by age and least recent use, never all at once at a cap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from queue_server.service.auth import KNOWN_TOKEN_SECONDS, KNOWN_TOKENS_MAX, Auth, Principal
from tests.helpers.office import Office, make_office

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingAuth(Auth):
    """Every token is a display's; counts the database look-ups per token hash."""

    def __init__(self, office: Office, clock: Clock) -> None:
        super().__init__(office.engine, office.service, monotonic=clock)
        self.look_ups: dict[str, int] = {}

    def _look_up(self, digest: str) -> tuple[Principal, datetime | None]:
        self.look_ups[digest] = self.look_ups.get(digest, 0) + 1
        return Principal("display", digest[:8], "test", ("display",), None), None


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = make_office(tmp_path / "okno.db")
    yield office
    office.engine.dispose()


def test_a_token_in_use_stays_known_while_many_others_pass(office: Office) -> None:
    """Twice the cap of other tokens does not make a busy display's token be read again."""
    auth = CountingAuth(office, Clock())
    busy = auth.check("busy-display")
    for i in range(2 * KNOWN_TOKENS_MAX):
        auth.check(f"passing-{i}")
        if i % 100 == 0:
            assert auth.check("busy-display") == busy
    assert auth.look_ups[busy.token_hash] == 1
    assert len(auth._known) <= KNOWN_TOKENS_MAX


def test_a_known_token_is_read_again_once_its_time_is_up(office: Office) -> None:
    """After KNOWN_TOKEN_SECONDS the token is checked against the database again."""
    clock = Clock()
    auth = CountingAuth(office, clock)
    digest = auth.check("display").token_hash
    auth.check("display")
    assert auth.look_ups[digest] == 1
    clock.now = KNOWN_TOKEN_SECONDS + 0.1
    auth.check("display")
    assert auth.look_ups[digest] == 2


def test_recent_answers_from_memory_only_what_check_would_answer(office: Office) -> None:
    """`recent` (the event loop's look-up, no database) knows a token only after a check, and
    not once its time is up or the tokens were forgotten: then the caller asks `check`."""
    clock = Clock()
    auth = CountingAuth(office, clock)
    assert auth.recent("display") is None and auth.recent(None) is None
    checked = auth.check("display")
    assert auth.recent("display") == checked
    assert auth.look_ups == {checked.token_hash: 1}
    clock.now += KNOWN_TOKEN_SECONDS + 1
    assert auth.recent("display") is None
    auth.check("display")
    auth.forget_tokens()
    assert auth.recent("display") is None
