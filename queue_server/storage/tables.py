"""SQLAlchemy Core tables of the queue. The schema itself exists only through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)

# The condition of the partial index of booked waiting tickets (queries repeat it literally).
BOOKED_WAITING = "status = 'waiting' AND booking IS NOT NULL"


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

offices = Table(
    "offices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", JSON, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("settings", JSON, nullable=False, default=dict),
    # The last event seq: every command locks this row first (per-office serialization).
    Column("seq", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("office", String(64), ForeignKey("offices.id"), primary_key=True),
    Column("prefix", String(4), primary_key=True),
    Column("day", String(10), nullable=False),
    Column("last", Integer, nullable=False),
)

categories = Table(
    "categories",
    metadata,
    Column("office", String(64), ForeignKey("offices.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", JSON, nullable=False),
    Column("parent", String(64), nullable=True),
    Column("position", Integer, nullable=False, default=0),
)

services = Table(
    "services",
    metadata,
    Column("office", String(64), ForeignKey("offices.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("prefix", String(4), nullable=False),
    Column("name", JSON, nullable=False),
    Column("category", String(64), nullable=True),
    Column("description", JSON, nullable=True),
    Column("documents", JSON, nullable=False, default=list),
    Column("expected_minutes", Float, nullable=False),
    Column("max_wait_minutes", Float, nullable=False),
    Column("daily_limit", Integer, nullable=True),
    Column("hours", JSON, nullable=True),
    Column("kiosk", Boolean, nullable=False, default=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("position", Integer, nullable=False, default=0),
    # The service's `booking:` section (schedule, slot length, capacity…); null: not bookable.
    Column("booking", JSON, nullable=True),
)

workplaces = Table(
    "workplaces",
    metadata,
    Column("office", String(64), ForeignKey("offices.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", JSON, nullable=False),
    Column("kind", String(16), nullable=False, default="window"),
)

operators = Table(
    "operators",
    metadata,
    Column("id", String(64), primary_key=True),  # the login
    Column("office", String(64), ForeignKey("offices.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("state", String(16), nullable=False, default="offline"),
    Column("workplace", String(64), nullable=True),
    Column("pause_reason", String(200), nullable=True),
    Column("current_ticket", Integer, nullable=True),
    Column("busy_since", UtcDateTime, nullable=True),
    # Planned breaks, weekly in the office's local time: {"mon-fri": "13:00-13:45"} (or None).
    Column("breaks", JSON(none_as_null=True), nullable=True),
    # Working hours, the same way: {"mon-fri": "10:00-18:00"} (or None).
    Column("shift", JSON(none_as_null=True), nullable=True),
)

operator_services = Table(
    "operator_services",
    metadata,
    Column("operator", String(64), ForeignKey("operators.id"), primary_key=True),
    Column("service", String(64), primary_key=True),
    Column("level", Integer, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("office", String(64), ForeignKey("offices.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("workplace", String(64), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("settings", JSON, nullable=False, default=dict),
    Column("last_seen", UtcDateTime, nullable=True),
    # False once left out of the applied office file: its token is refused, its row stays.
    Column("active", Boolean, nullable=False, default=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator", String(64), ForeignKey("operators.id"), nullable=False),
    Column("office", String(64), nullable=False),
    Column("workplace", String(64), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office", String(64), ForeignKey("offices.id"), nullable=False),
    Column("number", String(8), nullable=False),
    Column("day", String(10), nullable=False),
    Column("service", String(64), nullable=False),
    # The service the ticket was issued for (the daily limit counts it), whatever it is now in.
    Column("issued_service", String(64), nullable=False),
    Column("ticket_class", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("not_before", UtcDateTime, nullable=True),
    Column("slot_at", UtcDateTime, nullable=True),
    Column("target_operator", String(64), nullable=True),
    Column("target_workplace", String(64), nullable=True),
    Column("operator", String(64), nullable=True),
    Column("workplace", String(64), nullable=True),
    Column("called_at", UtcDateTime, nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("calls", Integer, nullable=False, default=0),
    Column("lang", String(2), nullable=False, default="ru"),
    Column("public_token", String(32), nullable=False, unique=True),
    # A supervisor's note for the specialist; shown in staff views only.
    Column("note", String(200), nullable=True),
    # The booking this ticket was checked in for (appointments only).
    Column("booking", Integer, nullable=True),
    Index("ix_tickets_office_status", "office", "status"),
    Index("ix_tickets_office_day_number", "office", "day", "number"),
    # The few waiting tickets checked in for a booking: the turn-near check reads only these.
    Index(
        "ix_tickets_booked_waiting",
        "office",
        sqlite_where=text(BOOKED_WAITING),
        postgresql_where=text(BOOKED_WAITING),
    ),
)

steps = Table(
    "steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("office", String(64), nullable=False),
    Column("service", String(64), nullable=False),
    Column("operator", String(64), nullable=True),
    Column("workplace", String(64), nullable=True),
    Column("enqueued_at", UtcDateTime, nullable=False),
    Column("called_at", UtcDateTime, nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("calls", Integer, nullable=False, default=0),
    Column("outcome", String(16), nullable=True),
    Index("ix_steps_ticket", "ticket"),
    Index("ix_steps_office_service_finished", "office", "service", "finished_at"),
)

events = Table(
    "events",
    metadata,
    Column("office", String(64), ForeignKey("offices.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

# A visitor's verdict on one service step (rating terminal): no personal data.
ratings = Table(
    "ratings",
    metadata,
    Column("step", Integer, ForeignKey("steps.id"), primary_key=True),  # one rating per step
    Column("ticket", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("office", String(64), nullable=False),
    Column("service", String(64), nullable=False),
    Column("operator", String(64), nullable=True),
    Column("workplace", String(64), nullable=True),
    Column("device", String(64), nullable=False),
    Column("csat", Integer, nullable=False),
    Column("ces", Integer, nullable=True),
    Column("reasons", JSON, nullable=False, default=list),
    Column("rated_at", UtcDateTime, nullable=False),
    Index("ix_ratings_office_rated_at", "office", "rated_at"),
)

# A pre-booking of a slot (online or through the booking API). Personal data (name, phone,
# e-mail) is kept only here and in `notices`, with the consent time, and purged after the visit.
bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office", String(64), ForeignKey("offices.id"), nullable=False),
    Column("service", String(64), nullable=False),
    Column("slot_at", UtcDateTime, nullable=False),
    # What the visitor types or scans at the kiosk; unique within the office.
    Column("code", String(16), nullable=False),
    # sha256 of the private manage-link secret (the secret itself is never stored).
    Column("manage_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # booked|checked_in|cancelled|missed|served
    Column("lang", String(2), nullable=False, default="ru"),
    Column("source", String(80), nullable=False, default="web"),  # web | api:<client id>
    Column("created_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("ticket", Integer, nullable=True),  # the ticket issued at check-in
    Column("name", String(120), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("email", String(254), nullable=True),
    Column("consent_at", UtcDateTime, nullable=True),
    Column("purged_at", UtcDateTime, nullable=True),
    Index("ix_bookings_office_code", "office", "code", unique=True),
    Index("ix_bookings_office_service_slot", "office", "service", "slot_at"),
)

# Outside systems (the regional booking portal) calling the booking API with a bearer token.
api_clients = Table(
    "api_clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("office", String(64), ForeignKey("offices.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# The notices outbox: written in the same transaction as the change it tells of, sent later by
# the notifier with retries, so a notice survives a crash or restart.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office", String(64), ForeignKey("offices.id"), nullable=False),
    Column("kind", String(32), nullable=False),  # booking_confirmation|reminder|turn_near|...
    Column("channel", String(16), nullable=False),  # email | sms | webhook
    Column("recipient", String(254), nullable=True),  # purged with the booking's personal data
    Column("data", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("booking", Integer, nullable=True),
    Column("ticket", Integer, nullable=True),
    Index("ix_notices_status_next", "status", "next_attempt_at"),
    # "was this booking already reminded / told its turn is near?"
    Index("ix_notices_booking_kind", "booking", "kind"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("principal", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("endpoint", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

__all__ = [
    "api_clients",
    "bookings",
    "categories",
    "counters",
    "devices",
    "events",
    "idempotency",
    "metadata",
    "notices",
    "offices",
    "operator_services",
    "operators",
    "ratings",
    "services",
    "sessions",
    "steps",
    "tickets",
    "workplaces",
]
