"""The rating terminal's Qt-free flow: screens, reasons after a low score, effort, timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from operator_desk.rating_state import RatingFlow, RatingScreen, Submission
from queue_protocol.enums import Lang
from queue_protocol.payloads import OperatorStatus, RatingRequested
from queue_protocol.ratings import RatingReason

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    seconds: float = 0.0

    def __call__(self) -> float:
        return self.seconds


def request(
    ticket: int = 7, workplace: str = "1", effort: bool = False, lang: str = "ru"
) -> RatingRequested:
    return RatingRequested(
        ticket=ticket,
        number=f"А00{ticket}",
        service="reg",
        workplace=workplace,
        operator="alice",
        lang=Lang(lang),
        effort=effort,
        expires_at=NOW + timedelta(minutes=5),
    )


def flow(clock: Clock) -> RatingFlow:
    return RatingFlow("1", clock, wall=lambda: NOW, idle_seconds=60, thanks_seconds=6)


def test_a_high_score_thanks_at_once_and_is_handed_out_once() -> None:
    """A 5 goes straight to thanks with the verdict; a second tap sends nothing more."""
    f = flow(Clock())
    f.on_requested(request())
    assert f.screen is RatingScreen.FACES
    assert f.tap_score(5) == Submission(7, 5)
    assert f.screen is RatingScreen.THANKS
    assert f.tap_score(1) is None


def test_a_low_score_asks_reasons_and_sends_them() -> None:
    """A 3 or less asks the quick reasons; toggled reasons go with the score."""
    f = flow(Clock())
    f.on_requested(request())
    assert f.tap_score(3) is None
    assert f.screen is RatingScreen.REASONS
    f.toggle_reason(RatingReason.UNCLEAR)
    f.toggle_reason(RatingReason.LONG_WAIT)
    f.toggle_reason(RatingReason.UNCLEAR)
    assert f.reasons_done() == Submission(7, 3, None, (RatingReason.LONG_WAIT,))


def test_effort_is_asked_where_the_office_wants_it() -> None:
    """With `effort`, the effort question follows the score; skipping it sends no CES."""
    f = flow(Clock())
    f.on_requested(request(effort=True))
    assert f.tap_score(4) is None and f.screen is RatingScreen.EFFORT
    assert f.tap_effort(2) == Submission(7, 4, 2)
    g = flow(Clock())
    g.on_requested(request(effort=True))
    g.tap_score(5)
    assert g.tap_effort(None) == Submission(7, 5, None)


def test_requests_of_other_workplaces_are_ignored() -> None:
    """The terminal of window 1 does not ask about window 2's visitor."""
    f = flow(Clock())
    f.on_requested(request(workplace="2"))
    assert f.screen is RatingScreen.IDLE and f.request is None


def test_no_tap_for_a_minute_goes_back_to_idle_without_a_rating() -> None:
    """Faces left alone for 60 s go back to idle and send nothing."""
    clock = Clock()
    f = flow(clock)
    f.on_requested(request(lang="en"))
    assert f.lang == "en"
    clock.seconds = 59.9
    assert f.tick() is None and f.screen is RatingScreen.FACES
    clock.seconds = 60
    assert f.tick() is None
    assert f.screen is RatingScreen.IDLE and f.lang == "ru"


def test_a_visitor_who_walks_away_after_a_score_still_counts() -> None:
    """A score without reasons is sent when the reasons screen times out."""
    clock = Clock()
    f = flow(clock)
    f.on_requested(request())
    f.tap_score(1)
    clock.seconds = 61
    assert f.tick() == Submission(7, 1)
    assert f.screen is RatingScreen.IDLE


def test_the_next_request_hands_out_the_previous_score() -> None:
    """When the next visitor is asked before the first finished, the first score is kept."""
    f = flow(Clock())
    f.on_requested(request(7))
    f.tap_score(2)
    assert f.on_requested(request(8)) == Submission(7, 2)
    assert f.request is not None and f.request.ticket == 8 and f.screen is RatingScreen.FACES


def test_thanks_return_to_idle_and_the_servers_limit_ends_a_question() -> None:
    """Thanks last 6 s; a question past the server's `expires_at` goes idle, sending nothing."""
    clock = Clock()
    f = flow(clock)
    f.on_requested(request())
    f.tap_score(5)
    clock.seconds = 6
    f.tick()
    assert f.screen is RatingScreen.IDLE
    late = RatingFlow("1", clock, wall=lambda: NOW + timedelta(minutes=6))
    late.on_requested(request())
    late.tap_score(2)
    assert late.tick() is None and late.screen is RatingScreen.IDLE


def test_the_idle_screen_names_the_specialist_at_this_window() -> None:
    """operator.status of this window names the specialist; leaving clears the name."""
    f = flow(Clock())
    f.on_operator(OperatorStatus(operator="alice", name="Алиса", workplace="1", state="available"))
    assert f.operator_name == "Алиса"
    f.on_operator(OperatorStatus(operator="bob", name="Борис", workplace="2", state="available"))
    assert f.operator_name == "Алиса"
    f.on_operator(OperatorStatus(operator="alice", name="Алиса", workplace=None, state="offline"))
    assert f.operator_name == ""
