"""Ticket text: CP866 safety, word wrapping and the line layout shared by paper and preview."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.printer.ticket import (
    Lang,
    LineKind,
    TicketData,
    layout_ticket,
    number_scale,
    to_cp866_text,
    wrap,
)


def test_typographic_characters_become_cp866_safe() -> None:
    """Em dash, guillemets and ellipsis are replaced; № and ё are kept; the rest becomes '?'."""
    text = to_cp866_text("Отдел — «Северный»… № 5, ёлка, 😀")
    assert text == 'Отдел - "Северный"... № 5, ёлка, ?'
    text.encode("cp866")  # must not raise


@pytest.mark.parametrize("columns", [32, 48])
def test_wrap_keeps_words_whole(columns: int) -> None:
    """Wrapping a sentence at the paper width never cuts a word and never exceeds the width."""
    text = "Справка о среднем заработке за последние три месяца по последнему месту работы"
    lines = wrap(text, columns)
    assert all(len(line) <= columns for line in lines)
    assert " ".join(lines).split() == text.split()


def test_wrap_splits_only_a_word_longer_than_a_line() -> None:
    """A word longer than the line is split, because it cannot fit otherwise."""
    lines = wrap("ИНН " + "Ж" * 40, 32)
    assert lines == ["ИНН " + "Ж" * 28, "Ж" * 12]


@given(
    st.lists(
        st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя-", min_size=1, max_size=20),
        min_size=1,
        max_size=15,
    ),
    st.sampled_from([32, 48]),
)
def test_wrap_property_no_word_split(words: list[str], columns: int) -> None:
    """For any words up to 20 letters (hyphens included), wrapping keeps every word intact."""
    lines = wrap(" ".join(words), columns, indent="  ")
    assert all(len(line) <= columns for line in lines)
    assert " ".join(lines).split() == words


def test_layout_without_estimate_says_so(sample_ticket: TicketData) -> None:
    """With no estimate the ticket says the wait is not known instead of a number."""
    ticket = dataclasses.replace(sample_ticket, estimate_minutes=None)
    texts = [line.text for line in layout_ticket(ticket, 32)]
    assert "Ожидание: уточняется" in texts
    assert not any(text.startswith("Ожидание: ~") for text in texts)


def test_layout_in_english(sample_ticket: TicketData) -> None:
    """An English ticket has English labels for ahead, estimate and documents."""
    ticket = dataclasses.replace(sample_ticket, lang="en", documents=["Passport"])
    texts = [line.text for line in layout_ticket(ticket, 48)]
    assert "People ahead: 3" in texts
    assert "Estimated wait: ~12 min" in texts
    assert "Please bring:" in texts
    assert "- Passport" in texts


def test_layout_has_one_big_number_and_one_qr(sample_ticket: TicketData) -> None:
    """The layout has exactly one NUMBER line (the ticket number) and one QR with the URL."""
    lines = layout_ticket(sample_ticket, 48)
    assert [line.text for line in lines if line.kind is LineKind.NUMBER] == ["А042"]
    assert [line.text for line in lines if line.kind is LineKind.QR] == [sample_ticket.status_url]


def test_layout_without_url_has_no_qr(sample_ticket: TicketData) -> None:
    """Without a status URL neither the QR nor its caption is printed."""
    ticket = dataclasses.replace(sample_ticket, status_url=None)
    lines = layout_ticket(ticket, 48)
    assert not [line for line in lines if line.kind is LineKind.QR]
    assert not [line for line in lines if "QR" in line.text]


@pytest.mark.parametrize(
    ("number", "columns", "scale"),
    [("А042", 32, 4), ("А042", 48, 5), ("ПК-12345", 32, 4), ("ПК-1234567", 32, 3), ("А1", 48, 5)],
)
def test_number_scale_fits_the_line(number: str, columns: int, scale: int) -> None:
    """The big number is as large as allowed but never wider than the paper."""
    assert number_scale(number, columns) == scale
    assert len(number) * scale <= columns


@pytest.mark.parametrize(
    ("lang", "said"), [("ru", "Ожидание: меньше минуты"), ("en", "Estimated wait: under a minute")]
)
def test_layout_of_a_wait_under_half_a_minute(
    sample_ticket: TicketData, lang: Lang, said: str
) -> None:
    """An estimate of 0 is printed as under a minute, not as "~0 min" (no wait at all)."""
    ticket = dataclasses.replace(sample_ticket, estimate_minutes=0, lang=lang)
    texts = [line.text for line in layout_ticket(ticket, 32)]
    assert said in texts
    assert not any("~0" in text for text in texts)
