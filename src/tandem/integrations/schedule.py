"""When a connector runs next: every N minutes, every hour, every day at a local time, or a cron expression
(parsed and stepped by cronsim), all in the organization's time zone."""

from __future__ import annotations

import datetime
import re
import zoneinfo

from cronsim import CronSim, CronSimError
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationError
from tandem.integrations.models import ScheduleKind

MAX_MINUTES = 7 * 24 * 60
DAILY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def schedule_clean(kind: str, value: str) -> str:
    """The schedule detail in its stored form, or a ValidationError on ``schedule_value`` saying what is
    expected for this kind of schedule."""
    value = (value or "").strip()
    if kind not in ScheduleKind.values:
        kinds = ", ".join(ScheduleKind.values)
        raise ValidationError("schedule_kind", _("Choose one of: %(kinds)s.") % {"kinds": kinds})
    if kind in (ScheduleKind.MANUAL, ScheduleKind.HOURLY):
        return ""
    if kind == ScheduleKind.MINUTES:
        if not value.isdigit() or not 1 <= int(value) <= MAX_MINUTES:
            raise ValidationError(
                "schedule_value", _("Give the minutes between runs, from 1 to %(max)s.") % {"max": MAX_MINUTES}
            )
        return str(int(value))
    if kind == ScheduleKind.DAILY:
        if not DAILY.match(value):
            raise ValidationError("schedule_value", _("Give the time of day as HH:MM, e.g. 06:30."))
        return value
    try:
        CronSim(value, datetime.datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValidationError(
            "schedule_value",
            _("This is not a cron expression (minute hour day month weekday, e.g. */15 8-18 * * 1-5): %(error)s")
            % {"error": exc},
        ) from None
    return value


def next_run(kind: str, value: str, *, after: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime | None:
    """The first run time strictly after ``after`` (an aware datetime), in UTC; None for manual connectors."""
    if kind == ScheduleKind.MANUAL:
        return None
    if kind == ScheduleKind.MINUTES:
        return after + datetime.timedelta(minutes=int(value))
    local = after.astimezone(tz).replace(second=0, microsecond=0)
    if kind == ScheduleKind.HOURLY:
        expression = "0 * * * *"
    elif kind == ScheduleKind.DAILY:
        hour, minute = value.split(":")
        expression = f"{int(minute)} {int(hour)} * * *"
    else:
        expression = value
    return next(CronSim(expression, local)).astimezone(datetime.UTC)
