"""The ticket lifecycle of DESIGN.md §4: the allowed transitions and the refusal of all others."""

from __future__ import annotations

import itertools
import re

import pytest

from queue_server.domain.errors import DomainError, InvalidTransition
from queue_server.domain.model import TRANSITIONS, Action, TicketStatus, next_status

W, C, S = TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING

# Written out from DESIGN.md §4 (recall re-announces a called ticket), not copied from the table.
ALLOWED: dict[tuple[Action, TicketStatus], TicketStatus] = {
    (Action.CALL, W): C,
    (Action.RECALL, C): C,
    (Action.START, C): S,
    (Action.FINISH, S): TicketStatus.DONE,
    (Action.NO_SHOW, C): TicketStatus.NO_SHOW,
    (Action.RETURN, C): W,
    (Action.TRANSFER, C): W,
    (Action.TRANSFER, S): W,
    (Action.CANCEL, W): TicketStatus.CANCELLED,
}

ALL_PAIRS = list(itertools.product(Action, TicketStatus))
REFUSED = [pair for pair in ALL_PAIRS if pair not in ALLOWED]


def test_transition_table_is_exactly_the_design():
    """The lifecycle table holds exactly the transitions of DESIGN.md §4, nothing more."""
    assert TRANSITIONS == ALLOWED


def test_terminal_states_allow_nothing():
    """done, no_show and cancelled are final: no action leaves them."""
    final = {TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED}
    assert not [pair for pair in TRANSITIONS if pair[1] in final]


@pytest.mark.parametrize(("action", "status"), list(ALLOWED), ids=str)
def test_allowed_transition_leads_to_design_state(action, status):
    """Every allowed (action, status) pair leads to the state DESIGN.md §4 names."""
    assert next_status(action, status, "А001") is ALLOWED[(action, status)]


@pytest.mark.parametrize(("action", "status"), REFUSED, ids=str)
def test_other_transition_is_refused_in_both_languages(action, status):
    """Every other (action, status) pair raises InvalidTransition with ru and en messages."""
    with pytest.raises(InvalidTransition) as caught:
        next_status(action, status, "А042")
    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code == "invalid_transition"
    assert error.status == 409
    assert error.extra == {"status": status.value, "action": action.value}
    ru, en = error.message("ru"), error.message("en")
    assert ru != en
    assert "А042" in ru
    assert "А042" in en
    assert "Талон" in ru
    assert not re.search("[A-Za-z]", ru), ru  # wholly Russian, no English action names
    assert en.startswith("Ticket А042")
    assert status.value in en
    assert action.value in en
    assert error.message("de") == ru  # Russian for any other language


def test_cross_product_is_fully_covered():
    """The parametrized pairs cover every (action, status) combination exactly once."""
    assert len(ALL_PAIRS) == len(Action) * len(TicketStatus)
    assert set(ALLOWED) | set(REFUSED) == set(ALL_PAIRS)
    assert len(REFUSED) == len(ALL_PAIRS) - 9
