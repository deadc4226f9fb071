"""What the booking pages read of an office: bookable services only, remembered a few seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.domain.errors import NotFound
from queue_server.service.booking_site import BookingSite
from queue_server.storage.bookings import BookingStore
from tests.helpers.booking_office import ADDRESS, make_bookable
from tests.helpers.office import make_office

pytestmark = pytest.mark.integration


def test_office_card_lists_bookable_services_with_their_settings(tmp_path: Path) -> None:
    """Only services with a booking schedule are listed, with slot length and horizon."""
    office = make_office(tmp_path / "okno.db")
    make_bookable(office.engine)
    card = BookingSite(office.engine).office("test")
    assert card.address == ADDRESS and str(card.tz) == "Europe/Moscow"
    assert [(s.id, s.slot_minutes, s.horizon_days) for s in card.services] == [
        ("reg", 30, 30),
        ("vac", 20, 30),
    ]
    with pytest.raises(NotFound):
        card.service("ben")
    office.engine.dispose()


def test_unknown_office_is_not_found(tmp_path: Path) -> None:
    """An unknown office raises NotFound with a Russian message."""
    office = make_office(tmp_path / "okno.db")
    with pytest.raises(NotFound) as refused:
        BookingSite(office.engine).office("nowhere")
    assert "не найден" in refused.value.message("ru")
    office.engine.dispose()


def test_configuration_is_remembered_for_a_few_seconds(tmp_path: Path) -> None:
    """A change shows once the remembered answer is `keep` seconds old, not before."""
    office = make_office(tmp_path / "okno.db")
    make_bookable(office.engine)
    now = [0.0]
    site = BookingSite(office.engine, keep=5.0, clock=lambda: now[0])
    assert len(site.office("test").services) == 2
    with office.engine.begin() as conn:
        BookingStore(conn).store_service_booking("test", "vac", None)
    now[0] = 4.9
    assert len(site.office("test").services) == 2
    now[0] = 5.1
    assert [s.id for s in site.office("test").services] == ["reg"]
    assert site.office_ids() == ["test"]
    office.engine.dispose()
