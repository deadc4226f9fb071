"""The domain's enums (which may import nothing) and the wire enums say the same values."""

from __future__ import annotations

from enum import StrEnum

import pytest

from queue_protocol import enums as wire
from queue_server.domain import model


@pytest.mark.parametrize(
    ("domain", "protocol"),
    [
        (model.TicketStatus, wire.TicketStatus),
        (model.TicketClass, wire.TicketClass),
        (model.Outcome, wire.Outcome),
        (model.OperatorState, wire.OperatorState),
    ],
)
def test_domain_and_wire_enums_match(domain: type[StrEnum], protocol: type[StrEnum]) -> None:
    """Each domain enum has exactly the values of its wire twin."""
    assert [m.value for m in domain] == [m.value for m in protocol]
