"""Connector schedules: what each kind accepts and when it runs next, in the organization's time zone."""

import datetime
import zoneinfo

import pytest

from tandem.core.errors import ValidationError
from tandem.integrations.schedule import next_run, schedule_clean

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 12, 2, 9, 3, 30, tzinfo=datetime.UTC)  # 16:03:30 in Hanoi


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("manual", "anything", None),
        ("minutes", "15", datetime.datetime(2026, 12, 2, 9, 18, 30, tzinfo=datetime.UTC)),
        ("hourly", "", datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)),
        # 06:30 in Hanoi has passed today: tomorrow, 23:30 UTC today.
        ("daily", "06:30", datetime.datetime(2026, 12, 2, 23, 30, tzinfo=datetime.UTC)),
        # Working hours in Hanoi (UTC+7): 16:10 local is the next ten-minute step.
        ("cron", "*/10 8-18 * * 1-5", datetime.datetime(2026, 12, 2, 9, 10, tzinfo=datetime.UTC)),
    ],
)
def test_next_run_of_each_kind(kind, value, expected):
    assert next_run(kind, schedule_clean(kind, value), after=NOW, tz=HANOI) == expected


def test_cron_outside_its_hours_waits_for_the_next_working_morning():
    friday_evening = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)  # 19:00 Friday in Hanoi
    monday_8am_hanoi = datetime.datetime(2026, 12, 7, 1, 0, tzinfo=datetime.UTC)
    assert next_run("cron", "0 8 * * 1-5", after=friday_evening, tz=HANOI) == monday_8am_hanoi


@pytest.mark.parametrize(
    ("kind", "value", "field", "words"),
    [
        ("weekly", "", "schedule_kind", "Choose one of"),
        ("minutes", "0", "schedule_value", "from 1 to"),
        ("minutes", "ten", "schedule_value", "from 1 to"),
        ("daily", "25:00", "schedule_value", "HH:MM"),
        ("cron", "61 * * * *", "schedule_value", "not a cron expression"),
    ],
)
def test_bad_schedules_say_what_is_expected(kind, value, field, words):
    with pytest.raises(ValidationError) as raised:
        schedule_clean(kind, value)
    assert raised.value.errors[0]["field"] == field
    assert words in raised.value.errors[0]["message"]
