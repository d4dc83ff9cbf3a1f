"""The 1:1 feedback page: a report's thread with their manager, beside the report's OKRs and KPIs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core.periods import local_today
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.feedback import access, forms, selectors, services
from tandem.feedback.models import FeedbackNote
from tandem.kpis import selectors as kpi_selectors
from tandem.okrs import selectors as okr_selectors
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@member_required
def feedback_thread(request: HttpRequest, person_id: int) -> HttpResponse:
    """The thread of the person with their current manager (opened by its first note); the two of them
    write, administrators read, everyone else finds nothing."""
    me = _me(request)
    report = org_selectors.person_get(membership=me, person_id=person_id)
    thread = selectors.thread_with_manager(membership=me, report=report)
    manager = report.manager
    assert manager is not None  # thread_with_manager is a 404 for a person without a manager
    today = local_today(me.organization.tz)
    cycle = okr_selectors.current_cycle(membership=me, today=today)
    objectives = list(selectors.linkable_objectives(manager=manager, report=report, cycle_id=cycle.pk)) if cycle else []
    kpis = list(selectors.linkable_kpis(manager=manager, report=report))
    can_write = access.may_write(me, manager_id=manager.pk, report_id=report.pk)
    form = forms.NoteForm(request.POST or None, objectives=objectives, kpis=kpis)

    def write(data: dict[str, Any]) -> FeedbackNote:
        opened = thread or services.feedback_thread_open(by=me, report=report)[0]
        return services.feedback_note_create(by=me, thread=opened, **data)

    if request.method == "POST":
        access.require_write(me, manager_id=manager.pk, report_id=report.pk)
    note = run_form(request, form, write)
    if note is not None:
        messages.success(request, _("Your note was added; %(name)s was told.") % {"name": _other(me, manager, report)})
        return redirect(f"{reverse('feedback_thread', args=[report.pk])}#note-{note.pk}")
    statuses = kpi_selectors.current_statuses(
        organization=me.organization, kpis=selectors.linkable_kpis(manager=manager, report=report), today=today
    )
    context = {
        "report": report,
        "manager": manager,
        "thread": thread,
        "notes": list(selectors.notes(thread=thread)) if thread else [],
        "form": form,
        "can_write": can_write,
        "cycle": cycle,
        "objectives": objectives,
        "kpis": [{"kpi": kpi, "status": statuses.get(kpi.pk, "no_data")} for kpi in kpis],
    }
    return render(request, "feedback/thread.html", context, status=form_status(form))


def _other(me: Membership, manager: Membership, report: Membership) -> str:
    return report.display_name if me.pk == manager.pk else manager.display_name
