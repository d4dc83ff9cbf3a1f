"""Telling the people answerable for a KPI when it turns red, or turns into a watermelon (green while a
guardrail is red), as its data arrives — and whom to ask about a change to its rules."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from tandem.core.periods import local_today, period_of
from tandem.integrations.webhooks import kpi_ref, webhook_emit
from tandem.kpis.current_status import statuses_keep
from tandem.kpis.models import Kpi, KpiState, Visibility
from tandem.kpis.selectors import current_statuses, version_on
from tandem.notifications.services import notify
from tandem.orgs.models import Membership, Organization, Role, Team


def kpi_url(kpi: Kpi) -> str:
    return reverse("kpi_detail", args=[kpi.pk])


def team_managers(organization_id: int, team_ids: set[int]) -> dict[int, list[int]]:
    """For each team, the managers of it and of every team above it, nearest first (one query)."""
    rows = {
        pk: (parent, manager)
        for pk, parent, manager in Team.objects.for_org(organization_id).values_list("pk", "parent_id", "manager_id")
    }
    found: dict[int, list[int]] = {}
    for team_id in team_ids:
        chain: list[int] = []
        at: int | None = team_id
        while at is not None and at in rows and len(chain) < len(rows):
            parent, manager = rows[at]
            if manager is not None and manager not in chain:
                chain.append(manager)
            at = parent
        found[team_id] = chain
    return found


def approvers(kpi: Kpi) -> list[Membership]:
    """Who decides on a change to this KPI: the managers of its team up the tree, or, when it has none,
    the administrators."""
    chain = team_managers(kpi.organization_id, {kpi.team_id}).get(kpi.team_id, []) if kpi.team_id else []
    people = Membership.objects.for_org(kpi.organization_id).filter(is_active=True).select_related("user")
    found = list(people.filter(pk__in=chain)) if chain else []
    return found or list(people.filter(role=Role.ADMIN))


def kpi_alerts_update(*, organization_id: int, kpi_ids: list[int]) -> None:
    """After new data: judge the KPIs that received it, and those they guard, in their current period.
    A KPI that turned red, or that became green while a guardrail is red, is told to its owner and the
    managers of its team; the state is kept on the KPI so that each change is told once, and so is the
    status, for the pages that count statuses (``current_status.statuses_kept``)."""
    organization = Organization.objects.get(pk=organization_id)
    links = Kpi.guardrails.through.objects.filter(Q(from_kpi_id__in=kpi_ids) | Q(to_kpi_id__in=kpi_ids))
    pairs = list(links.values_list("from_kpi_id", "to_kpi_id"))
    # The KPIs whose judgement may have changed: the ones with new data, and the ones they guard.
    affected = set(kpi_ids) | {from_id for from_id, to_id in pairs if to_id in kpi_ids}
    guards: dict[int, set[int]] = {}
    for from_id, to_id in Kpi.guardrails.through.objects.filter(from_kpi_id__in=affected).values_list(
        "from_kpi_id", "to_kpi_id"
    ):
        guards.setdefault(from_id, set()).add(to_id)
    judged_ids = affected | {g for ids in guards.values() for g in ids}
    kpis = {
        kpi.pk: kpi
        for kpi in Kpi.objects.for_org(organization)
        .filter(pk__in=judged_ids)
        .select_related("owner__user")
        .prefetch_related("versions")
    }
    today = local_today(organization.tz)
    judged = Kpi.objects.for_org(organization).filter(pk__in=list(kpis))
    statuses = current_statuses(organization=organization, kpis=judged, today=today)
    statuses_keep(organization=organization, kpis=judged, statuses=statuses, today=today)
    changed: list[Kpi] = []
    told: list[tuple[Kpi, str, dict[str, object]]] = []
    for pk in sorted(affected):
        kpi = kpis.get(pk)
        if kpi is None or kpi.state != KpiState.ACTIVE:
            continue
        status = statuses.get(pk, "no_data")
        red_guards = sorted(
            (kpis[g] for g in guards.get(pk, ()) if g in kpis and statuses.get(g) == "red"), key=lambda k: k.name
        )
        melon = status == "green" and bool(red_guards)
        if status == "red" and kpi.alert_status != "red":
            period = period_of(
                version_on(kpi, today).frequency, today, fiscal_start_month=organization.fiscal_year_start_month
            )
            told.append((kpi, "kpi.red", {"title": kpi.name, "period": period.label}))
        if melon and not kpi.alert_watermelon:
            # Only guardrails everyone may see are named; a private one is never revealed by a notification.
            names = [g.name for g in red_guards if g.visibility == Visibility.PUBLIC] or ["—"]
            told.append((kpi, "kpi.watermelon", {"title": kpi.name, "guardrails": ", ".join(names)}))
        if kpi.alert_status != status:
            webhook_emit(
                organization_id=organization_id,
                event="kpi.status_changed",
                data={
                    "kpi": kpi_ref(kpi),
                    "period": period_of(
                        version_on(kpi, today).frequency, today, fiscal_start_month=organization.fiscal_year_start_month
                    ).label,
                    "status": status,
                    "previous_status": kpi.alert_status or None,
                },
            )
        if melon and not kpi.alert_watermelon:
            webhook_emit(
                organization_id=organization_id,
                event="watermelon.flagged",
                data={"kpi": kpi_ref(kpi), "guardrails": [kpi_ref(g) for g in red_guards]},
            )
        if (kpi.alert_status, kpi.alert_watermelon) != (status, melon):
            kpi.alert_status, kpi.alert_watermelon = status, melon
            changed.append(kpi)
    if changed:
        Kpi.objects.for_org(organization).bulk_update(changed, ["alert_status", "alert_watermelon"])
    if told:
        chains = team_managers(organization_id, {kpi.team_id for kpi, _e, _p in told if kpi.team_id})
        people = {
            m.pk: m
            for m in Membership.objects.for_org(organization).filter(
                pk__in={pk for chain in chains.values() for pk in chain}
            )
        }
        for kpi, event, params in told:
            managers = [people[pk] for pk in chains.get(kpi.team_id, []) if pk in people] if kpi.team_id else []
            notify(actor=None, recipients=[kpi.owner, *managers], event=event, obj=kpi, url=kpi_url(kpi), params=params)
