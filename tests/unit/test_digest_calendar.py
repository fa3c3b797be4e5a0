"""The digest's weeks, days and months are the team's, in any zone: :30 and :45 offsets,
and both DST weeks of a year (167 and 169 hours, or 167.5 and 168.5 on Lord Howe)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from daemon.digest_job import due_moment
from podwarden.domain.digest import DigestInputs, build_digest, last_full_week, month_bounds, spend_window, week_bounds
from podwarden.domain.spend_values import EndpointQuarter, PodStretch


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def always_on(start: datetime, end: datetime, rate: str = "1") -> PodStretch:
    return PodStretch("pod-1", "pod", "RUNNING", start, end, Decimal(rate), Decimal(0), "NVIDIA L4", 1, "U1", "ml",
                      False)


def quarter(at: datetime, cost: str) -> EndpointQuarter:
    return EndpointQuarter("ep", "ep", at, "U1", "ml", 900, 0, 1, Decimal(cost), Decimal(0))


@pytest.mark.parametrize(("zone", "monday_utc"), [
    ("Asia/Kathmandu", utc(2026, 11, 15, 18, 15)),  # +5:45
    ("America/St_Johns", utc(2026, 11, 16, 3, 30)),  # -3:30 (standard time in November)
    ("Australia/Lord_Howe", utc(2026, 11, 15, 13, 0)),  # +11 (summer time in November)
    ("Asia/Kolkata", utc(2026, 11, 15, 18, 30)),
    ("UTC", utc(2026, 11, 16)),
])
def test_a_week_starts_at_monday_midnight_in_the_teams_zone(zone: str, monday_utc: datetime) -> None:
    start, end = week_bounds(date(2026, 11, 16), ZoneInfo(zone))
    assert start == monday_utc
    assert end - start == timedelta(days=7)


@pytest.mark.parametrize(("zone", "spring_monday", "spring_hours", "autumn_monday", "autumn_hours"), [
    ("Europe/Berlin", date(2026, 3, 23), Decimal(167), date(2026, 10, 19), Decimal(169)),
    ("America/St_Johns", date(2026, 3, 2), Decimal(167), date(2026, 10, 26), Decimal(169)),
    # Lord Howe moves its clocks by half an hour; its summer starts in October.
    ("Australia/Lord_Howe", date(2026, 9, 28), Decimal("167.5"), date(2026, 3, 30), Decimal("168.5")),
])
def test_both_dst_weeks_of_a_year_are_as_long_as_they_are(
    zone: str, spring_monday: date, spring_hours: Decimal, autumn_monday: date, autumn_hours: Decimal,
) -> None:
    for monday, hours in ((spring_monday, spring_hours), (autumn_monday, autumn_hours)):
        start, end = week_bounds(monday, ZoneInfo(zone))
        assert Decimal((end - start) // timedelta(minutes=30)) / 2 == hours
        pod = always_on(start - timedelta(days=30), end + timedelta(days=30))
        digest = build_digest(DigestInputs(week_start=monday, zone=zone, stretches=(pod,), quarters=()))
        assert digest.total.this_week == hours  # $1/h for every hour the week really had
        daily = dict(digest.daily.series)["U1"]
        assert sum(daily) == hours
        assert sorted(set(daily)) == sorted({Decimal(24), Decimal(24) - (Decimal(168) - hours)})  # one short/long day


def test_kathmandu_cuts_usage_at_its_own_midnight_to_the_quarter_hour() -> None:
    zone = "Asia/Kathmandu"  # Monday 00:00 there is Sunday 18:15 UTC
    pod = always_on(utc(2026, 11, 15, 18, 0), utc(2026, 11, 15, 18, 30), rate="4")
    quarters = (quarter(utc(2026, 11, 15, 18, 0), "0.25"), quarter(utc(2026, 11, 15, 18, 15), "0.50"))

    digest = build_digest(DigestInputs(week_start=date(2026, 11, 16), zone=zone, stretches=(pod,),
                                       quarters=quarters))

    assert (digest.pods, digest.serverless) == (Decimal(1), Decimal("0.50"))
    assert (digest.total.this_week, digest.total.last_week) == (Decimal("1.50"), Decimal("1.25"))
    assert digest.daily.categories[0] == "Mon 16"
    assert dict(digest.daily.series)["U1"][0] == Decimal("1.50")


def test_the_month_and_its_forecast_are_the_zones() -> None:
    zone = ZoneInfo("America/St_Johns")
    start, end = month_bounds(date(2026, 11, 10), zone)
    assert (start, end) == (utc(2026, 11, 1, 2, 30), utc(2026, 12, 1, 3, 30))  # DST ended on Nov 1 at 02:00
    # The week of Oct 26 ends with Sunday Nov 1, a 25-hour day there: its month is November, one day old.
    pod = always_on(utc(2026, 10, 1), utc(2026, 11, 30))
    digest = build_digest(DigestInputs(week_start=date(2026, 10, 26), zone="America/St_Johns", stretches=(pod,),
                                       quarters=()))
    forecast = digest.forecast
    assert (forecast.month, forecast.days_elapsed, forecast.days_in_month) == ("November 2026", 1, 30)
    assert (forecast.to_date, forecast.forecast) == (Decimal(25), Decimal(750))


@pytest.mark.parametrize(("now", "zone", "week"), [
    (utc(2026, 11, 23, 3, 14), "Asia/Kathmandu", date(2026, 11, 16)),  # Monday 08:59 there
    (utc(2026, 11, 22, 18, 14), "Asia/Kathmandu", date(2026, 11, 9)),  # still Sunday there
    (utc(2026, 11, 22, 18, 15), "Asia/Kathmandu", date(2026, 11, 16)),
    (utc(2026, 11, 23, 3, 29), "America/St_Johns", date(2026, 11, 9)),  # Sunday 23:59 there
    (utc(2026, 11, 23, 3, 30), "America/St_Johns", date(2026, 11, 16)),
])
def test_the_last_full_week_is_the_zones(now: datetime, zone: str, week: date) -> None:
    assert last_full_week(now, ZoneInfo(zone)) == week


@pytest.mark.parametrize(("now", "zone", "week", "moment"), [
    (utc(2026, 11, 23, 3, 14), "Asia/Kathmandu", date(2026, 11, 9), datetime(2026, 11, 16, 9, 0)),
    (utc(2026, 11, 23, 3, 15), "Asia/Kathmandu", date(2026, 11, 16), datetime(2026, 11, 23, 9, 0)),
    (utc(2026, 11, 22, 22, 0), "Australia/Lord_Howe", date(2026, 11, 16), datetime(2026, 11, 23, 9, 0)),
    (utc(2026, 3, 30, 7, 0), "Europe/Berlin", date(2026, 3, 23), datetime(2026, 3, 30, 9, 0)),  # after DST
    (utc(2026, 3, 30, 6, 59), "Europe/Berlin", date(2026, 3, 16), datetime(2026, 3, 23, 9, 0)),
])
def test_the_digest_is_due_at_the_zones_monday_nine(
    now: datetime, zone: str, week: date, moment: datetime,
) -> None:
    tz = ZoneInfo(zone)
    assert due_moment(now, tz, "mon", time(9, 0)) == (week, moment.replace(tzinfo=tz))


def test_a_digest_day_other_than_monday_reports_the_last_full_week() -> None:
    friday_noon = utc(2026, 11, 27, 12, 0)
    assert due_moment(friday_noon, ZoneInfo("UTC"), "fri", time(9, 0))[0] == date(2026, 11, 16)
    assert due_moment(friday_noon, ZoneInfo("UTC"), "fri", time(13, 0))[0] == date(2026, 11, 9)


def test_spend_windows_start_at_the_zones_midnight() -> None:
    now = utc(2026, 11, 18, 20, 0)  # Thursday 01:45 in Kathmandu
    zone = ZoneInfo("Asia/Kathmandu")
    assert spend_window("today", now, zone)[0] == utc(2026, 11, 18, 18, 15)
    assert spend_window("week", now, zone)[0] == utc(2026, 11, 15, 18, 15)
    assert spend_window("month", now, zone)[0] == utc(2026, 10, 31, 18, 15)
    with pytest.raises(ValueError, match="today, week or month"):
        spend_window("year", now, zone)
