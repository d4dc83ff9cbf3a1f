"""Every read of 1:1 feedback, for its two people and administrators only; anyone else finds nothing."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.core.errors import NotFound
from tandem.feedback import access
from tandem.feedback.models import FeedbackNote, FeedbackThread
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import Objective
from tandem.orgs.models import Membership


def threads(
    *, membership: Membership, report_id: int | None = None, manager_id: int | None = None
) -> QuerySet[FeedbackThread]:
    """The threads the person may read: their own as manager or report (administrators: every thread)."""
    found = FeedbackThread.objects.for_org(membership.organization).select_related("manager__user", "report__user")
    if not membership.is_admin:
        found = found.filter(Q(manager=membership) | Q(report=membership))
    if report_id:
        found = found.filter(report_id=report_id)
    if manager_id:
        found = found.filter(manager_id=manager_id)
    return found.order_by("-created_at", "-id")


def thread_get(*, membership: Membership, thread_id: int) -> FeedbackThread:
    found = threads(membership=membership).filter(pk=thread_id).first()
    if found is None:
        raise NotFound()
    return found


def thread_with_manager(*, membership: Membership, report: Membership) -> FeedbackThread | None:
    """The thread of a report with their current manager, None while nobody has opened it. Someone who may
    not read it, or a person without a manager, is a 404."""
    if report.manager_id is None:
        raise NotFound()
    access.require_read(membership, manager_id=report.manager_id, report_id=report.pk)
    return threads(membership=membership).filter(manager_id=report.manager_id, report=report).first()


def notes(*, thread: FeedbackThread) -> QuerySet[FeedbackNote]:
    """A thread's notes, oldest first (the caller may read the thread)."""
    return (
        FeedbackNote.objects.for_org(thread.organization_id)
        .filter(thread=thread)
        .select_related("author__user", "kpi", "objective")
        .order_by("created_at", "id")
    )


def linkable_kpis(*, manager: Membership, report: Membership) -> QuerySet[Kpi]:
    """The KPIs a note may point at: the report's own, that both people may see (a private KPI is never
    named to someone it is hidden from)."""
    return kpi_selectors.kpis(membership=report, owner_id=report.pk).filter(
        pk__in=kpi_selectors.kpis(membership=manager, owner_id=report.pk).values("pk")
    )


def linkable_objectives(*, manager: Membership, report: Membership, cycle_id: int | None = None) -> QuerySet[Objective]:
    """The objectives a note may point at: the report's (they own it or one of its key results), that both
    people may see; in one cycle when given."""
    return okr_selectors.objectives(membership=report, owner_id=report.pk, cycle_id=cycle_id).filter(
        pk__in=okr_selectors.objectives(membership=manager, owner_id=report.pk).values("pk")
    )
