import datetime as dt
from zoneinfo import ZoneInfo

from core.schedule import next_occurrence

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def test_it_finds_the_next_weekday_at_local_time():
    friday_evening = dt.datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Fri 18:00 in New York
    assert next_occurrence(zone=NY, days="01234", at=dt.time(17), after=friday_evening) == dt.datetime(
        2026, 11, 30, 22, 0, tzinfo=UTC
    )  # Monday 17:00 EST


def test_it_sends_a_time_inside_the_spring_forward_gap_once():
    before = dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # Sun 00:00 EST; 02:00-03:00 does not exist
    first = next_occurrence(zone=NY, days="6", at=dt.time(2, 30), after=before)
    assert first == dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT, just after the gap
    assert next_occurrence(zone=NY, days="6", at=dt.time(2, 30), after=first).date() == dt.date(2026, 3, 15)


def test_it_sends_a_time_in_the_fall_back_overlap_at_its_first_occurrence_only():
    before = dt.datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # Sun 00:00 EDT; 01:00-02:00 happens twice
    first = next_occurrence(zone=NY, days="6", at=dt.time(1, 30), after=before)
    assert first == dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert next_occurrence(zone=NY, days="6", at=dt.time(1, 30), after=first).date() == dt.date(2026, 11, 8)


def test_it_schedules_nothing_without_days():
    assert next_occurrence(zone=NY, days="", at=dt.time(9), after=dt.datetime(2026, 1, 1, tzinfo=UTC)) is None
