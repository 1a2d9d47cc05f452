"""Office hours: parsing, whether the team works, and the time promised to a waiting customer."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cssecure.handoff.office_hours import OfficeHours, OfficeHoursError
from cssecure.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = OfficeHours.from_settings(Settings.from_env({}))
HALF_HOUR = timedelta(minutes=30)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in Shanghai in the week of Monday 2026-03-02 (day 0 = Monday)."""
    return datetime(2026, 3, 2 + day, hour, minute, tzinfo=SHANGHAI)


def test_the_default_is_monday_to_friday_nine_to_six_in_shanghai() -> None:
    settings = Settings.from_env({})
    assert (settings.office_hours, settings.office_timezone) == (
        "Mon-Fri 09:00-18:00", "Asia/Shanghai"
    )
    assert (settings.handoff_wait_minutes, settings.handoff_ack_interval_minutes) == (30, 10)
    assert DEFAULT.describe(at(0, 10)) == (
        "Monday to Friday 09:00-18:00, Asia/Shanghai time, UTC+8"
    )


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        (at(0, 8, 59), False), (at(0, 9), True), (at(2, 13), True), (at(4, 17, 59), True),
        (at(4, 18), False), (at(5, 12), False), (at(6, 12), False),
    ],
)
def test_the_team_works_within_the_spans_only(moment: datetime, open_now: bool) -> None:
    assert DEFAULT.is_open(moment) is open_now


@pytest.mark.parametrize(
    ("start", "promised"),
    [
        (at(1, 10), at(1, 10, 30)),           # open: half an hour later
        (at(4, 17, 50), at(7, 9, 20)),        # Friday 17:50: 10 min now, 20 on Monday
        (at(5, 11), at(7, 9, 30)),            # Saturday: Monday's opening plus the wait
        (at(0, 7), at(0, 9, 30)),             # before opening, same day
        (at(0, 18, 30), at(1, 9, 30)),        # after closing: the next morning
    ],
)
def test_the_promise_is_the_wait_in_office_time(start: datetime, promised: datetime) -> None:
    assert DEFAULT.reply_by(start, HALF_HOUR) == promised
    assert DEFAULT.reply_by(start, HALF_HOUR).tzinfo == SHANGHAI


def test_times_are_told_relative_to_now_in_words() -> None:
    now = at(4, 17, 50)
    assert DEFAULT.when(at(4, 18, 20), now) == "today at 18:20"
    assert DEFAULT.when(at(5, 9), now) == "tomorrow at 09:00"
    assert DEFAULT.when(at(7, 9, 20), now) == "Monday at 09:20"
    assert DEFAULT.when(at(14, 9), now) == "on 16 March at 09:00"


def test_a_promised_time_carries_the_offices_zone() -> None:
    """A customer in Europe read "heute um 09:30" in their own time (issue 14 trial)."""
    now = at(4, 17, 50)
    assert DEFAULT.when_in_zone(at(4, 18, 20), now) == (
        "today at 18:20 (Asia/Shanghai time, UTC+8)")
    assert DEFAULT.when_in_zone(at(5, 9), now, "de").startswith("morgen um 09:00")
    assert DEFAULT.when_in_zone(at(5, 9), now, "de").endswith("UTC+8)")


def test_several_spans_lists_and_whole_days() -> None:
    hours = OfficeHours.parse("Mon,Wed 09:00-12:00; Sat 10:00-14:00", "Europe/Berlin")
    saturday = datetime(2026, 3, 7, 13, 50, tzinfo=ZoneInfo("Europe/Berlin"))
    assert hours.reply_by(saturday, HALF_HOUR) == datetime(
        2026, 3, 9, 9, 20, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert hours.describe(saturday) == (
        "Monday and Wednesday 09:00-12:00; Saturday 10:00-14:00, Europe/Berlin time, UTC+1"
    )
    always = OfficeHours.parse("Mon-Sun 00:00-24:00", "UTC")
    late = datetime(2026, 3, 1, 23, 50, tzinfo=ZoneInfo("UTC"))
    assert always.reply_by(late, HALF_HOUR) == late + HALF_HOUR
    assert always.is_open(late)


@pytest.mark.parametrize(
    ("hours", "zone", "message"),
    [
        ("weekdays 9-5", "Asia/Shanghai", "not 'DAYS HH:MM-HH:MM'"),
        ("Mon-Fri 18:00-09:00", "Asia/Shanghai", "closes before it opens"),
        ("Mon-Fri 09:00-25:00", "Asia/Shanghai", "not a time of day"),
        ("Mon-Fry 09:00-18:00", "Asia/Shanghai", "not a day"),
        ("", "Asia/Shanghai", "is empty"),
        ("Mon-Fri 09:00-18:00", "Mars/Olympus", "not a time zone"),
    ],
)
def test_a_bad_setting_is_refused_with_what_to_write(hours: str, zone: str, message: str) -> None:
    with pytest.raises(OfficeHoursError, match=message):
        OfficeHours.parse(hours, zone)


def test_wait_minutes_must_be_whole_and_not_negative() -> None:
    assert Settings.from_env({"CSSECURE_HANDOFF_WAIT_MINUTES": "45"}).handoff_wait_minutes == 45
    with pytest.raises(ValueError, match="CSSECURE_HANDOFF_WAIT_MINUTES"):
        Settings.from_env({"CSSECURE_HANDOFF_WAIT_MINUTES": "half an hour"})
    with pytest.raises(ValueError, match="0 or more"):
        Settings.from_env({"CSSECURE_HANDOFF_ACK_INTERVAL_MINUTES": "-1"})
