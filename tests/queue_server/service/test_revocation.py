"""Auth's side of ending credentials: the token memory, and why each open connection ended."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from queue_server.service.admin import issue_device_token
from queue_server.service.auth import OPERATOR_TOKEN_TTL, Auth, AuthError
from queue_server.service.config import apply_config, parse_config
from queue_server.service.connections import Ending
from queue_server.storage.accounts import Accounts
from queue_server.storage.db import make_engine, sqlite_url
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN, OFFICE_YAML, Office, make_office

pytestmark = pytest.mark.integration

KIOSK_LINE = "  - {id: kiosk-1, kind: kiosk, token: kiosk-token-1}\n"
MONOTONIC = [0.0]  # what the token memory sees as now; moved by hand


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = make_office(tmp_path / "okno.db")
    office.auth = Auth(office.engine, office.service, office.clock, lambda: MONOTONIC[0])
    yield office
    office.engine.dispose()


def test_forget_tokens_makes_a_token_ended_elsewhere_fail_at_once(
    office: Office, tmp_path: Path
) -> None:
    """A session deleted by another process is still honoured from the token memory, until
    the office's config.changed makes the process forget what it checked (`forget_tokens`)."""
    token = office.auth.login("alice", "secret1", "1").token
    office.auth.authenticate(token)
    other_process = make_engine(sqlite_url(tmp_path / "okno.db"))
    with other_process.begin() as conn:
        Accounts(conn).delete_sessions_of("alice")
    other_process.dispose()
    office.auth.authenticate(token)  # remembered: no database read within the window
    office.auth.forget_tokens()
    with pytest.raises(AuthError):
        office.auth.authenticate(token)


def test_each_ended_credential_is_told_apart(office: Office) -> None:
    """`verify` names why each connection's credential ended: revoked, replaced (operator and
    device), deactivated, expired; a valid one is not named."""
    auth = office.auth
    carol = auth.login("carol", "secret3", "3")
    revoked = auth.login("alice", "secret1", "1")
    replaced = auth.login("bob", "secret2", "2")
    ends: list[Ending] = []
    opened = {
        name: auth.connections.add(auth.check(token), ends.append)
        for name, token in {
            "carol": carol.token,
            "alice": revoked.token,
            "bob": replaced.token,
            "kiosk": KIOSK_TOKEN,
            "display": DISPLAY_TOKEN,
        }.items()
    }
    # Made by other processes: their Auth (and token memory) is not this one.
    elsewhere = Auth(office.engine, office.service, office.clock)
    elsewhere.revoke(revoked.token)
    elsewhere.login("bob", "secret2", "2")
    apply_config(office.engine, parse_config(OFFICE_YAML.replace(KIOSK_LINE, "")))
    issue_device_token(office.engine, "display-1", "test", "display", None)
    found = dict(auth.verify(list(opened.values())))
    assert found == {
        opened["alice"]: Ending.REVOKED,
        opened["bob"]: Ending.REPLACED,
        opened["kiosk"]: Ending.DEACTIVATED,
        opened["display"]: Ending.REPLACED,
    }
    office.clock.advance(seconds=OPERATOR_TOKEN_TTL.total_seconds() + 1)
    assert auth.verify([opened["carol"]]) == [(opened["carol"], Ending.EXPIRED)]
    assert auth.recheck() == 5 and len(auth.connections) == 0 and len(ends) == 5


def test_ending_a_connection_calls_its_end_once(office: Office) -> None:
    """A connection is ended once: a logout after it was ended by expiry does not end it again."""
    auth = office.auth
    result = auth.login("alice", "secret1", "1")
    ends: list[Ending] = []
    connection = auth.connections.add(auth.check(result.token), ends.append)
    auth.connections.end(connection, Ending.EXPIRED)
    auth.revoke(result.token)
    assert ends == [Ending.EXPIRED] and connection.ended is Ending.EXPIRED
