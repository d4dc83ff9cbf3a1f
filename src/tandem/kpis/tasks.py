"""Background work of KPIs: keeping each KPI's current status (``current_status.statuses_keep``) true as the
days pass. Every ten minutes the KPIs not yet judged today (a new day in the organization's time zone, a new
fiscal year) are judged; every hour all of them are, which also heals a status that two writers of one KPI
judged at the same instant, each without the other's points."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from tandem.core.periods import local_today
from tandem.kpis.current_status import statuses_refresh
from tandem.kpis.models import Kpi
from tandem.orgs.models import Organization

log = logging.getLogger(__name__)


def kpi_statuses_refresh(*, everything: bool) -> int:
    """Judge, in every organization, the KPIs not judged today (or all of them); the number judged."""
    judged = 0
    for organization in Organization.objects.order_by("pk"):
        today = local_today(organization.tz)
        kpis = Kpi.objects.for_org(organization)
        judged += statuses_refresh(
            organization=organization, today=today, kpis=kpis if everything else kpis.exclude(status_on=today)
        )
    return judged


@db_periodic_task(crontab(minute="*/10"))
@HUEY.lock_task("kpis-judge-new-day")
def judge_new_day() -> None:
    """The KPIs whose kept status is not of today."""
    judged = kpi_statuses_refresh(everything=False)
    if judged:
        log.info("KPI statuses: %s judged for a new day", judged)


@db_periodic_task(crontab(minute="5"))
@HUEY.lock_task("kpis-judge-all")
def judge_all() -> None:
    """Every KPI, once an hour."""
    log.info("KPI statuses: %s judged", kpi_statuses_refresh(everything=True))
