"""Property tests: across time zones, dates and chosen times (DST days included), each member gets at
most one reminder and one digest per local day, on their chosen days, at their local time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Delivery, Membership
from core.schedule import next_occurrence
from core.services.deliveries import deliveries_claim_due

ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30 / -02:30
    "America/Santiago",  # southern hemisphere, DST at midnight
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Pacific/Auckland",
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Kiritimati",  # +14
]
zones = st.sampled_from(ZONES).map(ZoneInfo)
day_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda days: "".join(str(d) for d in sorted(days)))
times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59]))
starts = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC))


def _occurrences(zone, days, at, start, count):
    found, after = [], start
    for _ in range(count):
        after = next_occurrence(zone=zone, days=days, at=at, after=after)
        found.append(after)
    return found


@settings(max_examples=300, deadline=None)
@given(zone=zones, days=day_sets, at=times, start=starts)
def test_it_sends_once_per_chosen_local_day_at_the_local_time(zone, days, at, start):
    found = _occurrences(zone, days, at, start, 15)
    local_days = [moment.astimezone(zone).date() for moment in found]
    assert found == sorted(found) and len(set(found)) == len(found)
    assert len(set(local_days)) == len(local_days)  # never twice on one local day
    for moment, day in zip(found, local_days, strict=True):
        assert str(day.weekday()) in days
        # The wall-clock time asked for; inside a spring-forward gap, the instant just after it.
        assert moment == dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)
    # No chosen day is skipped between the first and the last one (DST days included).
    expected = [
        local_days[0] + dt.timedelta(days=n)
        for n in range((local_days[-1] - local_days[0]).days + 1)
        if str((local_days[0] + dt.timedelta(days=n)).weekday()) in days
    ]
    assert local_days == expected


class Enqueued(list):
    def __call__(self, delivery_id):
        self.append(delivery_id)


@pytest.fixture
def bobs(team, bob) -> Membership:
    Membership.objects.update(next_reminder_at=None, next_digest_at=None)
    return Membership.objects.select_related("user").get(team=team, user=bob)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), days=day_sets, at=times, start=starts, lag=st.integers(0, 59))
def test_the_tick_claims_each_local_day_once_even_ticking_twice(bobs, zone, days, at, start, lag):
    Delivery.objects.all().delete()
    bobs.user.time_zone = zone
    bobs.user.save(update_fields=["time_zone"])
    Membership.objects.filter(pk=bobs.pk).update(
        reminder_days=days, reminder_time=at, emails_restored_at=start + dt.timedelta(days=365)
    )
    expected = _occurrences(ZoneInfo(zone), days, at, start, 8)
    Membership.objects.filter(pk=bobs.pk).update(next_reminder_at=expected[0])
    enqueued = Enqueued()
    now = expected[0]
    for _ in range(8):  # jump the clock to each due time, a little late, and tick twice (a second beat)
        now = Membership.objects.get(pk=bobs.pk).next_reminder_at + dt.timedelta(seconds=lag)
        for _tick in range(2):
            with TestCase.captureOnCommitCallbacks(execute=True):
                deliveries_claim_due(enqueue=enqueued, now=now)
    owed = Delivery.objects.in_bulk(enqueued)
    dates = [owed[pk].local_date for pk in enqueued]
    assert dates == [moment.astimezone(ZoneInfo(zone)).date() for moment in expected]
    # One owed row per local day, whatever the second beat did; each is still waiting for its claim.
    assert Delivery.objects.filter(membership=bobs).count() == len(expected)
    assert {d.status for d in owed.values()} == {Delivery.Status.PENDING}
