"""The learned duration model of the wait estimate (domain/durations.py), by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain import durations
from queue_server.domain.durations import (
    FORECAST_MAX_TICKETS,
    HISTORY_STEPS,
    SERVICE_PRIOR_STEPS,
    Arrival,
    ArrivalRecord,
    FixedDurations,
    Forecast,
    LearnedDurations,
    PauseRecord,
    StepHistory,
    StepRecord,
    WalkIns,
    residual,
    shrink,
    winsorized_mean,
)
from queue_server.domain.estimate import estimate_all
from queue_server.domain.hours import PlannedBreaks, parse_breaks
from queue_server.domain.model import APPOINTMENT_EARLY, OperatorState, TicketClass, TicketStatus
from tests.helpers.domain_factories import NOW, make_operator, make_rule, make_ticket, minutes

RULES = {"s1": make_rule("s1", expected_minutes=10), "s2": make_rule("s2", expected_minutes=20)}


def _step(
    minutes_long: float,
    *,
    service: str = "s1",
    operator: str = "op1",
    outcome: str = "resolved",
    end: datetime | None = None,
    walk: float = 0.0,
) -> StepRecord:
    """A finished step that held `operator` for `minutes_long` from its call."""
    finished = end if end is not None else NOW - minutes(1)
    called = finished - minutes(minutes_long)
    started = None if outcome in ("no_show", "returned") else called + minutes(walk)
    return StepRecord(service, operator, called, started, finished, outcome)


def _call_minutes(model: LearnedDurations, service: str = "s1", operator: str = "op1") -> float:
    return model.occupation(service, operator, NOW) / minutes(1)


def test_winsorized_mean_is_not_thrown_by_one_forgotten_finish():
    """One 600-minute step among twenty 10-minute ones barely moves the figure (mean: 39.5)."""
    assert winsorized_mean([10.0] * 19 + [600.0]) == pytest.approx(10.0)


def test_winsorized_mean_keeps_the_right_skew_unlike_the_median():
    """A sum of skewed durations follows the mean: 1,1,1,1,10 gives 2.8 where the median is 1."""
    assert winsorized_mean([1.0, 1.0, 1.0, 1.0, 10.0]) == pytest.approx(2.8)


def test_shrink_weighs_own_values_against_the_prior():
    """Three own values of 4 against a prior 10 seen three times: halfway, 7."""
    assert shrink(12.0, 3, 10.0, 3.0) == pytest.approx(7.0)


def test_no_history_falls_back_to_the_configured_figure():
    """Without steps a call of s2 is expected to take its configured 20 minutes."""
    model = LearnedDurations.learn([], RULES)
    assert _call_minutes(model, "s2") == pytest.approx(20.0)


def test_thin_data_is_shrunk_toward_the_configured_figure():
    """One 2-minute step does not make a 10-minute service a 2-minute one."""
    model = LearnedDurations.learn([_step(2.0)], RULES)
    expected = (2.0 + 10.0 * SERVICE_PRIOR_STEPS) / (1 + SERVICE_PRIOR_STEPS)
    assert _call_minutes(model, operator="nobody") == pytest.approx(expected)


def test_plenty_of_data_overrides_the_configured_figure():
    """A hundred 4-minute steps make the figure close to 4, whatever was configured."""
    model = LearnedDurations.learn([_step(4.0) for _ in range(100)], RULES)
    assert _call_minutes(model, operator="nobody") == pytest.approx(4.0, abs=0.3)


def test_a_slow_operator_is_expected_slower_and_a_fast_one_faster():
    """op1 takes 15 minutes, op2 5 on the same service: each gets a figure on their side."""
    steps = [_step(15.0, operator="op1") for _ in range(40)]
    steps += [_step(5.0, operator="op2") for _ in range(40)]
    model = LearnedDurations.learn(steps, RULES)
    slow, fast = _call_minutes(model, operator="op1"), _call_minutes(model, operator="op2")
    assert slow > 12.0
    assert fast < 7.0


def test_an_operator_seen_once_stays_near_the_service_figure():
    """One slow step of op3 is not enough to call op3 slow: shrunk toward the service."""
    steps = [_step(10.0, operator="op1") for _ in range(40)] + [_step(30.0, operator="op3")]
    model = LearnedDurations.learn(steps, RULES)
    assert 10.0 < _call_minutes(model, operator="op3") < 13.0


def test_an_operators_speed_is_not_counted_again_as_the_hour_they_work_at():
    """op1 takes 15 minutes at 9 o'clock only, op2 5 minutes at 10 only: op1 at 9 is expected
    at about 15 minutes, not 15 times op1's factor (the hour factor is what op1 leaves)."""
    steps = [_step(15.0, operator="op1", end=NOW + minutes(20)) for _ in range(40)]
    steps += [_step(5.0, operator="op2", end=NOW + minutes(80)) for _ in range(40)]
    model = LearnedDurations.learn(steps, RULES)
    assert 13.0 < _call_minutes(model, operator="op1") < 16.0


def test_operator_speed_carries_over_to_another_service():
    """op2, twice as fast on s1, is expected faster on s2 too."""
    steps = [_step(10.0, operator="op1") for _ in range(40)]
    steps += [_step(5.0, operator="op2") for _ in range(40)]
    steps += [_step(20.0, service="s2", operator="op1") for _ in range(40)]
    model = LearnedDurations.learn(steps, RULES)
    assert _call_minutes(model, "s2", "op2") < _call_minutes(model, "s2", "op1")


def test_no_shows_free_the_desk_sooner_than_a_service():
    """Half the calls are 2-minute no-shows: a call costs about (2 + 10) / 2, not 10."""
    steps = [_step(10.0) for _ in range(50)] + [_step(2.0, outcome="no_show") for _ in range(50)]
    model = LearnedDurations.learn(steps, RULES)
    assert _call_minutes(model) == pytest.approx(6.0, abs=0.5)


def test_call_sample_is_what_each_call_held_the_desk_for():
    """The sample behind a service's figure: every outcome that reached a desk, cancelled
    steps left out; none for a service with no history."""
    steps = [_step(10.0), _step(2.0, outcome="no_show"), _step(0.1, outcome="cancelled")]
    steps.append(_step(30.0, service="s2"))
    model = LearnedDurations.learn(steps, RULES)
    assert sorted(model.call_sample("s1")) == pytest.approx([2.0, 10.0])
    assert list(model.call_sample("s2")) == pytest.approx([30.0])
    assert list(model.call_sample("unknown")) == []


def test_cancelled_steps_do_not_count():
    """A cancelled step never reached a desk: it does not shorten the figure."""
    steps = [_step(10.0) for _ in range(30)] + [_step(0.1, outcome="cancelled") for _ in range(30)]
    model = LearnedDurations.learn(steps, RULES)
    assert _call_minutes(model) == pytest.approx(10.0, abs=0.3)


def test_residual_of_something_overdue_is_not_zero():
    """Past most of the sample a service still has some minutes left (the old estimate: 0)."""
    sample = [float(m) for m in range(5, 16)]  # 5 … 15
    assert residual(sample, 14.0) > 0.5


def test_residual_of_something_just_begun_is_about_the_mean():
    """At 0 minutes elapsed the expected remainder is the sample's mean."""
    assert residual([4.0, 6.0, 8.0, 10.0], 0.0) == pytest.approx(7.0)


def test_desk_ticket_being_served_past_its_typical_time_still_holds_the_operator():
    """Served for 12 of a typical 10: the operator is not free at once (old: free now)."""
    steps = [_step(m, walk=0.0) for m in (8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0) * 5]
    model = LearnedDurations.learn(steps, RULES)
    op = make_operator(current_service="s1", busy_since=NOW - minutes(12))
    op.current_status = TicketStatus.SERVING
    free_at = model.free_at(op, NOW)
    assert free_at is not None and free_at > NOW
    fixed = FixedDurations({"s1": 10.0}, RULES).free_at(op, NOW)
    assert fixed == NOW


def test_a_desk_just_called_is_held_for_the_calls_occupation_and_then_smoothly_less():
    """At the call the time left is exactly what the replay gives a new call of that desk; a
    minute later it is a minute less or so (no jump from the sample's mean to the robust one)."""
    steps = [_step(m) for m in (5.0, 9.0, 10.0, 11.0, 40.0) * 3]
    model = LearnedDurations.learn(steps, RULES)
    op = make_operator(current_service="s1", busy_since=NOW)
    op.current_status = TicketStatus.CALLED
    occupation = model.occupation("s1", op.id, NOW)
    assert model.free_at(op, NOW) == NOW + occupation
    later = model.free_at(op, NOW + minutes(0.5))
    assert later is not None
    assert abs((later - NOW) / minutes(1) - occupation / minutes(1)) < 1.5


def test_paused_operator_comes_back_after_a_typical_pause():
    """A paused operator counts again after the learned pause (45 min), minus what has passed."""
    pauses = [
        PauseRecord("op2", NOW - minutes(300), NOW - minutes(255)),
        PauseRecord("op2", NOW - minutes(200), NOW - minutes(155)),
        PauseRecord("op1", NOW - minutes(10)),  # still paused, for 10 minutes now
    ]
    model = LearnedDurations.learn([], RULES, pauses)
    op = make_operator("op1", state=OperatorState.PAUSED)
    free_at = model.free_at(op, NOW)
    assert free_at is not None
    left = (free_at - NOW) / minutes(1)
    # (45 + 45 + 15*2) / 4 = 30 minutes typical, 10 gone.
    assert left == pytest.approx(20.0)


def test_paused_operator_is_not_counted_by_the_fixed_model():
    """The reference model leaves a paused operator out (no estimate from them)."""
    op = make_operator("op1", state=OperatorState.PAUSED)
    assert FixedDurations({}, RULES).free_at(op, NOW) is None


def test_offline_operator_is_never_counted():
    """An operator signed out is not expected back today."""
    op = make_operator("op1", state=OperatorState.OFFLINE)
    assert LearnedDurations.learn([], RULES).free_at(op, NOW) is None


def test_replay_uses_the_operators_own_speed():
    """Behind one ticket, the wait is the fast operator's figure, not the service's."""
    steps = [_step(4.0, operator="op1") for _ in range(60)]
    steps += [_step(16.0, operator="op9") for _ in range(60)]
    model = LearnedDurations.learn(steps, RULES)
    tickets = [make_ticket(1), make_ticket(2, due_at=NOW + minutes(0.1))]
    positions = estimate_all(tickets, [make_operator("op1")], RULES, model, NOW)
    assert positions[2].minutes is not None and positions[2].minutes <= 6


def test_fixed_durations_give_the_first_estimators_answers():
    """A mapping of figures replays exactly as before: 10 minutes per ticket, one operator."""
    tickets = [make_ticket(i, due_at=NOW + minutes(i)) for i in (1, 2, 3)]
    positions = estimate_all(tickets, [make_operator()], RULES, {"s1": 10.0}, NOW)
    assert [positions[i].minutes for i in (1, 2, 3)] == [0, 10, 20]


def _arrivals(service: str, every: float, count: int) -> list[ArrivalRecord]:
    """`count` walk-ins of `service`, one each `every` minutes, the last one at NOW."""
    return [
        ArrivalRecord(service, TicketClass.WALK_IN, NOW - minutes(every * i))
        for i in reversed(range(count))
    ]


def test_forecast_follows_the_last_hours_rate():
    """Twelve walk-ins in the last hour: one expected every five minutes."""
    model = LearnedDurations.learn([], RULES).forecasting(_arrivals("s1", 5.0, 13))
    coming = model.expected_arrivals(NOW)
    assert coming[0].issued_at == NOW + minutes(5)
    assert coming[1].issued_at - coming[0].issued_at == minutes(5)
    assert all(t.id < 0 and t.not_before == t.issued_at for t in coming)


def test_no_forecast_from_a_few_minutes_of_history():
    """Tickets of the last ten minutes only tell no rate yet."""
    model = LearnedDurations.learn([], RULES).forecasting(_arrivals("s1", 1.0, 10))
    assert model.expected_arrivals(NOW) == []


def test_forecast_of_a_burst_is_capped():
    """Five hundred tickets in an hour do not put a thousand forecasts into the replay."""
    model = LearnedDurations.learn([], RULES).forecasting(_arrivals("s1", 0.12, 500))
    assert len(model.expected_arrivals(NOW)) == FORECAST_MAX_TICKETS


def _eager_forecast(
    model: LearnedDurations, booked: list[tuple[str, datetime]], limit: int
) -> list[tuple[int, str, datetime, datetime | None]]:
    """The forecast as it was first written: every arrival made, then the first `limit` by due
    time (a stable sort: of those due together, the one made first). The reference of the lazy
    `Forecast`, which makes none of them until asked."""
    result: list[tuple[int, str, datetime, datetime | None]] = []
    horizon = NOW + durations.FORECAST_HORIZON
    for service, rate in sorted(model.arrival_rates(NOW).items()):
        every = timedelta(minutes=1 / rate)
        at = NOW + every
        while at <= horizon:
            result.append((-(len(result) + 1), service, at, None))
            at += every
    kept = 0.0
    for service, slot in sorted(booked, key=lambda b: b[1]):
        if slot < NOW - durations.BOOKED_LATE or slot > horizon:
            continue
        kept += durations.BOOKED_SHOW_SHARE
        if kept >= 1.0:
            kept -= 1.0
            due = max(NOW, slot - APPOINTMENT_EARLY)
            result.append((-(len(result) + 1), service, due, slot))
    result.sort(key=lambda a: a[2])
    return sorted(result[:limit], key=lambda a: (a[2], -a[0]))


@settings(max_examples=300, deadline=None)
@given(
    per_hour=st.lists(st.sampled_from([0, 1, 3, 4, 6, 12, 20, 60, 90]), min_size=1, max_size=3),
    slots=st.lists(st.integers(min_value=-20, max_value=200), max_size=8),
    limit=st.integers(min_value=1, max_value=120),
)
def test_lazy_forecast_keeps_the_same_first_arrivals_as_the_eager_one(
    per_hour: list[int], slots: list[int], limit: int
) -> None:
    """Whatever the rates (whole minutes apart, so arrivals of several services and booked ones
    fall due together) and the cap, the lazy forecast holds the same arrivals, ids and times."""
    services = ["s1", "s2", "s3"]
    arrivals = sorted(
        (
            ArrivalRecord(service, TicketClass.WALK_IN, NOW - minutes(60 * (i + 0.5) / n))
            for service, n in zip(services, per_hour, strict=False)
            for i in range(n)
        ),
        key=lambda a: a.at,
    )
    arrivals.insert(0, ArrivalRecord("s1", TicketClass.APPOINTMENT, NOW - minutes(60)))
    rules = {s: make_rule(s) for s in services}
    booked = [(services[m % 3], NOW + minutes(m)) for m in sorted(slots)]
    model = LearnedDurations.learn([], rules).forecasting(arrivals, booked)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(durations, "FORECAST_MAX_TICKETS", limit)
        forecast = model.forecast(NOW)
    lazy = [(a.id, a.service, a.due_at, a.slot_at) for a in forecast.arrivals()]
    assert lazy == _eager_forecast(model, booked, limit)


def test_a_forecast_is_empty_only_without_any_arrival():
    """Empty streams and no booked visitor: nothing is forecast (the recorded replay may then
    answer); one walk-in or one booked visitor is a forecast."""
    none = WalkIns("s1", NOW, minutes(5), 0, 0)
    assert not Forecast((none,)) and not Forecast()
    assert Forecast((none, WalkIns("s2", NOW, minutes(5), 1, 0)))
    assert Forecast((none,), (Arrival(-1, "s1", NOW, NOW + minutes(5)),))


def test_newcomers_to_a_desks_primary_service_delay_its_second_one():
    """op1 serves s2 only when s1 is empty: s1 walk-ins every 10 minutes push the s2 ticket back."""
    op = make_operator("op1", {"s1": 1, "s2": 2})
    tickets = [make_ticket(1, service="s2")]
    plain = LearnedDurations.learn([], RULES)
    busy = make_operator("op1", {"s1": 1, "s2": 2}, current_service="s1", busy_since=NOW)
    busy.current_status = TicketStatus.SERVING
    without = estimate_all(tickets, [busy], RULES, plain, NOW)[1].minutes
    with_forecast = estimate_all(
        tickets, [busy], RULES, plain.forecasting(_arrivals("s1", 5.0, 13)), NOW
    )[1].minutes
    assert without is not None and with_forecast is not None
    assert with_forecast > without
    assert (
        estimate_all(tickets, [op], RULES, plain.forecasting(_arrivals("s1", 5.0, 13)), NOW)[
            1
        ].minutes
        == 0
    )  # a free desk takes it now: no newcomer has arrived yet


def test_booked_visitor_still_to_come_is_called_before_the_walk_in():
    """A booking at NOW+10 will be called first from its slot-5 min: the walk-in behind it waits."""
    plain = LearnedDurations.learn([], RULES)
    busy = make_operator("op1", current_service="s1", busy_since=NOW)
    busy.current_status = TicketStatus.SERVING
    tickets = [make_ticket(1)]
    without = estimate_all(tickets, [busy], RULES, plain, NOW)[1].minutes
    booked = plain.forecasting([], [("s1", NOW + minutes(10))] * 2)
    with_booking = estimate_all(tickets, [busy], RULES, booked, NOW)[1].minutes
    assert without == 10
    assert with_booking == 20  # two bookings, 85% come: one is forecast


def test_long_past_booking_is_not_forecast():
    """A slot 30 minutes ago that nobody checked in for is gone, not coming."""
    model = LearnedDurations.learn([], RULES).forecasting([], [("s1", NOW - minutes(30))] * 3)
    assert model.expected_arrivals(NOW) == []


def _lunch(spec: str = "09:20-10:00") -> PlannedBreaks:
    return PlannedBreaks({"op1": parse_breaks(spec)}, UTC)


def test_an_operator_on_a_planned_break_takes_the_next_visitor_after_it():
    """op1 serves 10-minute visitors from 09:00 and lunches 09:20-10:00: the third visitor is
    called at 10:00 (60 min), not at 09:20 as a model without the break says."""
    model = LearnedDurations.learn([], RULES)
    tickets = [make_ticket(i, due_at=NOW + minutes(i / 100)) for i in (1, 2, 3)]
    op = [make_operator("op1")]
    unaware = estimate_all(tickets, op, RULES, model, NOW)
    aware = estimate_all(tickets, op, RULES, model.with_breaks(_lunch()), NOW)
    assert [unaware[i].minutes for i in (1, 2, 3)] == [0, 10, 20]
    assert [aware[i].minutes for i in (1, 2, 3)] == [0, 10, 60]
    assert model.with_breaks(_lunch()).forecasting([]).break_end("op1", NOW + minutes(30)) == (
        NOW + minutes(60)
    )


def test_a_visitor_at_the_desk_when_the_break_starts_is_finished_first():
    """Busy since 09:12 with a 10-minute visitor: op1 is free at 09:22, inside the break, so
    it pauses until 10:00; another operator's break changes nothing for op1."""
    model = LearnedDurations.learn([], RULES).with_breaks(_lunch())
    op = make_operator("op1", current_service="s1", busy_since=NOW - minutes(-12))
    positions = estimate_all([make_ticket(1)], [op], RULES, model, NOW + minutes(12))
    assert positions[1].minutes == 48  # 09:12 -> 10:00
    other = LearnedDurations.learn([], RULES).with_breaks(
        PlannedBreaks({"op2": parse_breaks("09:00-12:00")}, UTC)
    )
    positions = estimate_all([make_ticket(1)], [op], RULES, other, NOW + minutes(12))
    assert positions[1].minutes == 10


def test_planned_breaks_by_days_and_time_zone():
    """{"mon-fri": …} in Moscow time: 13:00-13:45 MSK is 10:00-10:45 UTC on a Monday, none on
    Saturday; the fixed reference model knows no breaks."""
    week = parse_breaks({"mon-fri": "13:00-13:45"})
    breaks = PlannedBreaks({"op1": week}, ZoneInfo("Europe/Moscow"))
    monday = datetime(2025, 3, 10, 10, 10, tzinfo=UTC)
    assert breaks.end_of("op1", monday) == datetime(2025, 3, 10, 10, 45, tzinfo=UTC)
    assert breaks.end_of("op1", monday.replace(hour=9, minute=59)) is None
    assert breaks.end_of("op1", monday.replace(day=15)) is None  # a Saturday
    assert breaks.end_of("op2", monday) is None
    assert breaks.any_ahead(monday) and not breaks.any_ahead(monday.replace(minute=45))
    assert FixedDurations({}, RULES).break_end("op1", monday) is None
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_breaks("13:00-12:00")


def test_an_operator_whose_shift_starts_later_today_is_expected_then():
    """At 09:00 op1 serves 10-minute visitors alone; op2, not signed in yet, starts at 09:30:
    from then on two desks take the line (the fifth visitor is op2's at 09:30, not op1's at
    09:40). One whose shift has begun and who is still not signed in is not counted on."""
    model = LearnedDurations.learn([], RULES)
    tickets = [make_ticket(i, due_at=NOW + minutes(i / 100)) for i in range(1, 7)]
    ops = [make_operator("op1"), make_operator("op2", state=OperatorState.OFFLINE)]

    def told(shift: str) -> list[int | None]:
        shifts = PlannedBreaks({}, UTC, {"op2": parse_breaks(shift)})
        positions = estimate_all(tickets, ops, RULES, model.with_breaks(shifts), NOW)
        return [positions[i].minutes for i in range(1, 7)]

    unaware = estimate_all(tickets, ops, RULES, model, NOW)
    assert [unaware[i].minutes for i in range(1, 7)] == [0, 10, 20, 30, 40, 50]
    assert told("09:30-18:00") == [0, 10, 20, 30, 30, 40]
    assert told("09:00-18:00") == [0, 10, 20, 30, 40, 50]  # begun: not expected any more
    assert told("08:00-09:00,13:00-18:00") == [0, 10, 20, 30, 40, 50]  # back after 4 h


def test_a_shift_starting_as_another_ends_is_a_handover_not_another_desk():
    """op1 works 08:00-09:30; op2 and op3 start at 09:30: one of them replaces op1 (the model
    does not hold op1's desk at its shift's end), so only the other, op2 by login, is counted
    on as an extra desk."""
    shifts = PlannedBreaks(
        {},
        UTC,
        {
            "op1": parse_breaks("08:00-09:30"),
            "op2": parse_breaks("09:30-18:00"),
            "op3": parse_breaks("09:30-18:00"),
        },
    )
    assert shifts.shift_start("op2", NOW) == NOW + minutes(30)
    assert shifts.shift_start("op3", NOW) is None
    alone = PlannedBreaks({}, UTC, {"op3": parse_breaks("09:30-18:00")})
    assert alone.shift_start("op3", NOW) == NOW + minutes(30)


def test_shift_starts_by_days_and_time_zone():
    """{"mon-fri": "10:00-18:00"} in Moscow time: on a Monday at 06:00 UTC (09:00 MSK) the
    start is 07:00 UTC; none after it, none on Saturday; a start ahead keeps the replay full."""
    shifts = PlannedBreaks(
        {}, ZoneInfo("Europe/Moscow"), {"op1": parse_breaks({"mon-fri": "10:00-18:00"})}
    )
    monday = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
    assert shifts.shift_start("op1", monday) == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
    assert shifts.shift_start("op1", monday.replace(hour=7)) is None
    assert shifts.shift_start("op1", monday.replace(day=15)) is None  # a Saturday
    assert shifts.shift_start("op2", monday) is None
    assert shifts.end_of("op1", monday) is None  # a shift is not a break
    assert shifts and shifts.any_ahead(monday) and not shifts.any_ahead(monday.replace(hour=7))


# -- the step history learned one finished step at a time ---------------------------------------

HISTORY_RULES = {
    "s1": make_rule("s1", expected_minutes=10),
    "s2": make_rule("s2", expected_minutes=20),
    "s3": make_rule("s3", expected_minutes=4),
}
STEP_SERVICES = ("s1", "s2", "s3", "gone")  # "gone": no longer in the rules
STEP_OPERATORS = ("op1", "op2", "op3", None)
STEP_OUTCOMES = ("resolved", "follow_up", "transferred", "no_show", "returned", "cancelled")
DAY = datetime(2025, 3, 10, 7, 0, tzinfo=UTC)


def _random_step(rnd: random.Random, service: str, *, odd: bool = True) -> StepRecord:
    """A step finished on a whole minute of the day (ties happen); when `odd`, it may also be
    one never learned from: cancelled, without a call time or finished before its call."""
    finished = DAY + minutes(rnd.randrange(12 * 60))
    called = finished - minutes(rnd.choice((rnd.uniform(0.0, 40.0), 0.0, -3.0 if odd else 1.0)))
    started = called + minutes(rnd.uniform(0.0, 3.0)) if rnd.random() < 0.8 else None
    return StepRecord(
        service,
        rnd.choice(STEP_OPERATORS),
        called if not odd or rnd.random() < 0.9 else None,
        started,
        finished,
        rnd.choice(STEP_OUTCOMES if odd else STEP_OUTCOMES[:-1]),
    )


def _step_day(seed: int, count: int, crowded: bool) -> tuple[list[StepRecord], list[PauseRecord]]:
    """`count` steps of any kind in random order, plus, on a `crowded` day, more steps of s1 than
    the model keeps; and a few pauses."""
    rnd = random.Random(seed)
    steps = [_random_step(rnd, rnd.choice(STEP_SERVICES)) for _ in range(count)]
    if crowded:
        steps += [_random_step(rnd, "s1", odd=False) for _ in range(HISTORY_STEPS + 40)]
        rnd.shuffle(steps)
    pauses = [
        PauseRecord(
            rnd.choice(STEP_OPERATORS[:3]),
            DAY + minutes(start),
            DAY + minutes(start + rnd.uniform(-1.0, 50.0)) if rnd.random() < 0.7 else None,
        )
        for start in (rnd.uniform(0.0, 600.0) for _ in range(rnd.randrange(5)))
    ]
    return steps, pauses


def _same_time(found: timedelta, expected: timedelta) -> bool:
    """Equal up to the microsecond a timedelta rounds its minutes to."""
    return abs(found - expected) <= timedelta(microseconds=1)


def _assert_same_model(found: LearnedDurations, expected: LearnedDurations) -> None:
    """What the replay asks of `found` is answered as `expected` answers it."""
    operators = ("op1", "op2", "op3", "nobody")
    for service in STEP_SERVICES:
        assert found.call_minutes(service) == pytest.approx(
            expected.call_minutes(service), rel=1e-9
        )
        for operator in operators:
            for hour in range(24):
                assert found.factor(service, operator, hour) == pytest.approx(
                    expected.factor(service, operator, hour), rel=1e-9
                )
            at = DAY + minutes(150)
            assert _same_time(
                found.occupation(service, operator, at), expected.occupation(service, operator, at)
            )
        for status, elapsed in ((TicketStatus.CALLED, 2.0), (TicketStatus.SERVING, 25.0)):
            op = make_operator("op2", current_service=service, busy_since=DAY + minutes(60))
            op.current_status = status
            now = DAY + minutes(60 + elapsed)
            assert _same_time(found.remaining(op, now), expected.remaining(op, now))
    for operator in operators:
        op = make_operator(operator, state=OperatorState.PAUSED)
        now = DAY + minutes(700)
        free_at, expected_at = found.free_at(op, now), expected.free_at(op, now)
        assert free_at is not None and expected_at is not None
        assert _same_time(free_at - now, expected_at - now)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 2**32),  # the day's steps are drawn from a seed: a short falsifying example
    st.integers(0, 60),
    st.booleans(),
    st.floats(0.0, 1.0),
)
def test_history_fed_one_step_at_a_time_learns_what_learn_learns_from_all(
    seed: int, count: int, crowded: bool, loaded: float
):
    """Loading some steps and adding the rest one by one (out of order, past the steps kept per
    service) gives the model learned from all of them at once."""
    steps, pauses = _step_day(seed, count, crowded)
    split = round(loaded * len(steps))
    history = StepHistory(steps[:split], HISTORY_RULES)
    model = history.model(pauses)
    for step in steps[split:]:
        history.add(step)
        model = history.model(pauses)  # as the office cache does after each finish
    _assert_same_model(model, LearnedDurations.learn(steps, HISTORY_RULES, pauses))


def test_a_model_built_before_a_step_is_added_keeps_its_figures():
    """The cache may still hold the previous model: adding a step builds new figures instead of
    changing those a model was built with, and the new model does not answer from the old
    one's memo."""
    history = StepHistory([_step(10.0) for _ in range(5)], RULES)
    before = history.model()
    occupied = _call_minutes(before)  # memoized by `before`
    figure = before.call_minutes("s1")
    history.add(_step(60.0))
    after = history.model()
    assert before.call_minutes("s1") == figure
    assert _call_minutes(after) > occupied
