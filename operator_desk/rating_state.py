"""The rating terminal's flow, without Qt: idle → faces → (reasons) → (effort) → thanks → idle.

Fed by `rating.requested` / `operator.status` events and by taps; `tick()` moves on by time (an
injected clock). A verdict is handed out as a `Submission` exactly once: when the last question
is answered, or when the visitor walks away after giving a score (the score is not lost).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from queue_protocol.enums import OperatorState
from queue_protocol.payloads import OperatorStatus, RatingRequested
from queue_protocol.ratings import RatingReason

__all__ = ["LOW_SCORE", "RatingFlow", "RatingScreen", "Submission"]

#: A score at or below this asks for the quick reasons.
LOW_SCORE = 3

Clock = Callable[[], float]
WallClock = Callable[[], datetime]


class RatingScreen(StrEnum):
    IDLE = "idle"  # the window's and the specialist's names
    FACES = "faces"  # "Оцените качество обслуживания": five faces
    REASONS = "reasons"  # after a low score: quick reasons
    EFFORT = "effort"  # where the office asks it: "Насколько легко было решить ваш вопрос?"
    THANKS = "thanks"


@dataclass(frozen=True)
class Submission:
    """A verdict to send to the server."""

    ticket: int
    csat: int
    ces: int | None = None
    reasons: tuple[RatingReason, ...] = ()


@dataclass
class RatingFlow:
    """One terminal at `workplace`. `monotonic` times the screens; `wall` checks the server's
    `expires_at`."""

    workplace: str | None
    monotonic: Clock
    wall: WallClock = field(default=lambda: datetime.now(UTC))
    default_lang: str = "ru"
    idle_seconds: float = 60.0
    thanks_seconds: float = 6.0

    screen: RatingScreen = RatingScreen.IDLE
    lang: str = ""
    connected: bool = False
    refused: bool = False
    workplace_name: dict[str, str] = field(default_factory=dict)  # {"ru": ..., "en": ...}
    operator: str | None = None
    operator_name: str = ""
    request: RatingRequested | None = None
    score: int | None = None
    effort: int | None = None
    reasons: set[RatingReason] = field(default_factory=set)
    _sent: bool = False
    _since: float = 0.0  # the last tap or screen change

    def __post_init__(self) -> None:
        self.lang = self.lang or self.default_lang
        self._since = self.monotonic()

    # -- from the server ----------------------------------------------------------------------

    def on_requested(self, request: RatingRequested) -> Submission | None:
        """Ask the visitor of a step finished here (requests of other workplaces are ignored).

        Returns the previous visitor's score when they walked away mid-way (send it)."""
        if self.workplace is None or request.workplace != self.workplace:
            return None
        pending = self._take()
        self.request = request
        self.score = self.effort = None
        self.reasons = set()
        self._sent = False
        self.lang = str(request.lang)
        self._go(RatingScreen.FACES)
        return pending

    def on_operator(self, status: OperatorStatus) -> None:
        """Who sits at this window now (shown on the idle screen)."""
        if status.workplace == self.workplace and status.state is not OperatorState.OFFLINE:
            self.operator, self.operator_name = status.operator, status.name
        elif status.operator == self.operator:
            self.operator, self.operator_name = None, ""

    def set_connected(self, connected: bool) -> None:
        self.connected = connected

    # -- taps ---------------------------------------------------------------------------------

    def tap_score(self, score: int) -> Submission | None:
        """A face was tapped (1 … 5)."""
        if self.screen is not RatingScreen.FACES or not 1 <= score <= 5:
            return None
        self.score = score
        if score <= LOW_SCORE:
            self._go(RatingScreen.REASONS)
            return None
        return self._after_reasons()

    def toggle_reason(self, reason: RatingReason) -> None:
        if self.screen is RatingScreen.REASONS:
            self.reasons ^= {reason}
            self._since = self.monotonic()

    def reasons_done(self) -> Submission | None:
        if self.screen is not RatingScreen.REASONS:
            return None
        return self._after_reasons()

    def tap_effort(self, effort: int | None) -> Submission | None:
        """The effort answer (1 hard … 5 easy), or None: skipped."""
        if self.screen is not RatingScreen.EFFORT:
            return None
        if effort is not None and 1 <= effort <= 5:
            self.effort = effort
        return self._finish()

    def _after_reasons(self) -> Submission | None:
        if self.request is not None and self.request.effort:
            self._go(RatingScreen.EFFORT)
            return None
        return self._finish()

    def _finish(self) -> Submission | None:
        self._go(RatingScreen.THANKS)
        return self._take()

    def _take(self) -> Submission | None:
        if self._sent or self.request is None or self.score is None:
            return None
        self._sent = True
        return Submission(self.request.ticket, self.score, self.effort, tuple(sorted(self.reasons)))

    # -- time ---------------------------------------------------------------------------------

    def tick(self) -> Submission | None:
        """Move on by time: a question left for `idle_seconds` (or past the server's limit) goes
        back to idle, handing out the score if one was given; thanks go after `thanks_seconds`."""
        if self.screen is RatingScreen.IDLE:
            return None
        waited = self.monotonic() - self._since
        if self.screen is RatingScreen.THANKS:
            if waited >= self.thanks_seconds:
                self._idle()
            return None
        expired = (
            self.request is not None
            and self.request.expires_at is not None
            and self.wall() >= self.request.expires_at
        )
        if waited >= self.idle_seconds or expired:
            pending = None if expired else self._take()
            self._idle()
            return pending
        return None

    def _idle(self) -> None:
        self.request = None
        self.score = self.effort = None
        self.reasons = set()
        self.lang = self.default_lang
        self._go(RatingScreen.IDLE)

    def _go(self, screen: RatingScreen) -> None:
        self.screen = screen
        self._since = self.monotonic()
