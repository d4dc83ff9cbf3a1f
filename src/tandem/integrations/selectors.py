"""Every read of connectors and their runs, scoped to the organization and to what the caller may see.

Who may do what with connectors is decided in one place, :func:`access_connector` (and its SQL form,
:func:`_visible`, for lists): administrators manage every connector; managers set up connectors for KPIs
they may record data to and manage the ones they own; everyone else reads the health of the connectors that
feed KPIs they may see (never their credentials). Another organization's connector, or one the person may
not see, is "not found".
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import NotFound
from tandem.integrations import crypto, schedule
from tandem.integrations.models import Connector, ConnectorHealth, ScheduleKind, SyncRun
from tandem.kpis import selectors as kpi_selectors
from tandem.orgs.models import Membership, Role

RELATED = ("owner__user", "kpi")


class Access(enum.IntEnum):
    """What a person may do with a connector; each level includes the ones below."""

    NONE = 0
    READ = 1
    MANAGE = 2


def access_connector(membership: Membership, connector: Connector | None = None) -> Access:
    """What ``membership`` may do with ``connector`` (read through :func:`connectors`, so already visible),
    or, without one, whether they may set up connectors at all (MANAGE) or only read them (READ)."""
    if connector is not None and connector.organization_id != membership.organization_id:
        return Access.NONE
    if not membership.can_write:
        return Access.READ
    if membership.is_admin:
        return Access.MANAGE
    if membership.role != Role.MANAGER:
        return Access.READ
    if connector is None:
        return Access.MANAGE
    if connector.owner_id == membership.pk:
        return Access.MANAGE
    return Access.READ


def _visible(membership: Membership) -> Q:
    """The connectors a person may read, as a filter: every one for administrators; otherwise the ones
    they own and the ones feeding a KPI they may see."""
    if membership.is_admin:
        return Q()
    return Q(owner=membership) | Q(kpi__in=kpi_selectors.kpis(membership=membership).values("pk"))


def connectors(*, membership: Membership, kpi_id: int | None = None, health: str | None = None) -> QuerySet[Connector]:
    """Connectors the person may read, by name, with owner and KPI read along and ``last_run_id``
    annotated (see :func:`with_last_runs`)."""
    last = (
        SyncRun.objects.for_org(membership.organization).filter(connector=OuterRef("pk")).order_by("-started_at", "-id")
    )
    found = (
        Connector.objects.for_org(membership.organization)
        .filter(_visible(membership))
        .select_related(*RELATED)
        .annotate(last_run_id=Subquery(last.values("pk")[:1]))
    )
    if kpi_id:
        found = found.filter(kpi_id=kpi_id)
    if health:
        found = found.filter(health=health)
    return found.order_by("name", "id")


def with_last_runs(*, membership: Membership, connectors: list[Connector]) -> list[Connector]:
    """Each connector with ``last_run`` (a SyncRun or None): one query, whatever the number of connectors."""
    ids = [c.last_run_id for c in connectors if getattr(c, "last_run_id", None)]  # type: ignore[attr-defined]
    runs = {r.pk: r for r in SyncRun.objects.for_org(membership.organization).filter(pk__in=ids)} if ids else {}
    for connector in connectors:
        connector.last_run = runs.get(getattr(connector, "last_run_id", None))  # type: ignore[attr-defined]
    return connectors


def connector_get(*, membership: Membership, connector_id: int) -> Connector:
    found = connectors(membership=membership).filter(pk=connector_id).first()
    if found is None:
        raise NotFound()
    return with_last_runs(membership=membership, connectors=[found])[0]


def connector_runs(*, membership: Membership, connector: Connector) -> QuerySet[SyncRun]:
    """The runs of a connector the person may read (got through :func:`connector_get`), newest first."""
    return SyncRun.objects.for_org(membership.organization).filter(connector=connector).order_by("-started_at", "-id")


def owners_to_choose(*, membership: Membership) -> list[Membership]:
    """Who may own a connector: the organization's active administrators and managers."""
    return list(
        Membership.objects.for_org(membership.organization)
        .filter(is_active=True, role__in=[Role.ADMIN, Role.MANAGER])
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def secrets_described(connector: Connector) -> dict[str, str]:
    """What may be shown back of a connector's credentials: masked, never the secret itself."""
    from tandem.integrations import sources

    return sources.describe(kind=connector.kind, secrets=crypto.unseal(connector.sealed_secrets))


def schedule_words(kind: str, value: str) -> str:
    """A schedule as people say it: "Every 15 minutes", "Every day at 07:30"."""
    if kind == ScheduleKind.MINUTES:
        return _("Every %(n)s minutes") % {"n": value} if value != "1" else _("Every minute")
    if kind == ScheduleKind.HOURLY:
        return _("Every hour")
    if kind == ScheduleKind.DAILY:
        return _("Every day at %(time)s") % {"time": value}
    if kind == ScheduleKind.CRON:
        return _("Cron: %(expression)s") % {"expression": value}
    return _("Only when run by hand")


def next_runs(connector: Connector, count: int = 3) -> list[datetime.datetime]:
    """The connector's next run times (its stored next run, then the schedule's), for the detail page."""
    if not connector.enabled or connector.schedule_kind == ScheduleKind.MANUAL:
        return []
    tz = connector.organization.tz
    first = connector.next_run_at or schedule.next_run(
        connector.schedule_kind, connector.schedule_value, after=timezone.now(), tz=tz
    )
    times: list[datetime.datetime] = []
    moment = first
    while moment is not None and len(times) < count:
        times.append(moment)
        moment = schedule.next_run(connector.schedule_kind, connector.schedule_value, after=moment, tz=tz)
    return times


HEALTH_BADGES: dict[str, str] = {
    ConnectorHealth.NEW: "bg-secondary-lt",
    ConnectorHealth.OK: "bg-green-lt",
    ConnectorHealth.RETRYING: "bg-yellow-lt",
    ConnectorHealth.FAILING: "bg-red-lt",
}


def connector_row(membership: Membership, connector: Connector) -> dict[str, Any]:
    """What a list row or the detail page's header draws for a connector (no query of its own)."""
    last_run = getattr(connector, "last_run", None)
    return {
        "connector": connector,
        "schedule": schedule_words(connector.schedule_kind, connector.schedule_value),
        "badge": HEALTH_BADGES.get(connector.health, "bg-secondary-lt"),
        "last_run": last_run,
        "can_manage": access_connector(membership, connector) == Access.MANAGE,
    }


def duration(run: SyncRun) -> str:
    """How long a run took, in words short enough for a table ("1 min 5 s")."""
    if run.finished_at is None:
        return ""
    seconds = max(0, int((run.finished_at - run.started_at).total_seconds()))
    if seconds < 60:
        return _("%(s)s s") % {"s": seconds}
    return _("%(m)s min %(s)s s") % {"m": seconds // 60, "s": seconds % 60}
