"""Every change to 1:1 feedback: opening a thread and writing in it, validated, audited and told to the
other person.

The audit trail records that a note was added, with its id and what it points at, never its text: the
conversation is private, and its audit stays readable by the two people and administrators only (see
``FeedbackConfig.ready``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import PermissionDenied, ValidationError, full_clean
from tandem.feedback import access, selectors
from tandem.feedback.models import FeedbackNote, FeedbackThread
from tandem.notifications.events import excerpt
from tandem.notifications.services import notify
from tandem.orgs.models import Membership


def thread_url(thread: FeedbackThread) -> str:
    return reverse("feedback_thread", args=[thread.report_id])


def feedback_thread_open(*, by: Membership, report: Membership) -> tuple[FeedbackThread, bool]:
    """Open the 1:1 thread of a report with their current manager, or find it open already (``created`` is
    then False). The manager opens it, or the report, or an administrator for the two of them."""
    if not by.is_active:
        raise PermissionDenied(_("Your access to this organization has been removed."))
    if not (by.is_admin or by.pk in (report.pk, report.manager_id)):
        raise PermissionDenied(_("A 1:1 thread is opened by the report, their manager or an administrator."))
    if report.manager_id is None:
        raise ValidationError(
            "report", _("%(name)s has no manager, so there is no 1:1 thread.") % {"name": report.display_name}
        )
    if not report.is_active:
        raise ValidationError("report", _("%(name)s is no longer active.") % {"name": report.display_name})
    found = FeedbackThread.objects.for_org(report.organization_id).filter(manager_id=report.manager_id, report=report)
    existing = found.first()
    if existing is not None:
        return existing, False
    thread = FeedbackThread(organization=by.organization, manager_id=report.manager_id, report=report)
    try:
        with transaction.atomic():
            thread.save()
            audit.record(
                organization=by.organization,
                actor=by,
                obj=thread,
                action="opened",
                changes={"manager": [None, thread.manager_id], "report": [None, report.pk]},
            )
    except IntegrityError:
        # Someone opened it at the same moment: theirs is the thread.
        return found.get(), False
    return thread, True


def feedback_note_create(
    *,
    by: Membership,
    thread: FeedbackThread,
    body: str,
    kpi: int | None = None,
    objective: int | None = None,
) -> FeedbackNote:
    """A note in a 1:1 thread by its manager or its report (administrators read, and write only in their
    own threads). It may point at one of the report's KPIs and one of their objectives that both people may
    see. The other person is told ("feedback.posted")."""
    access.require_write(by, manager_id=thread.manager_id, report_id=thread.report_id)
    note = FeedbackNote(organization=by.organization, thread=thread, author=by, body=(body or "").strip())
    if not note.body:
        raise ValidationError("body", _("Write the note."))
    manager, report = thread.manager, thread.report
    if kpi is not None:
        note.kpi = selectors.linkable_kpis(manager=manager, report=report).filter(pk=kpi).first()
        if note.kpi is None:
            raise ValidationError(
                "kpi", _("Choose one of %(name)s's own KPIs that you both can see.") % {"name": report.display_name}
            )
    if objective is not None:
        note.objective = selectors.linkable_objectives(manager=manager, report=report).filter(pk=objective).first()
        if note.objective is None:
            raise ValidationError(
                "objective",
                _("Choose one of %(name)s's objectives that you both can see.") % {"name": report.display_name},
            )
    full_clean(note, exclude=["thread", "author", "kpi", "objective"])
    with transaction.atomic():
        note.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=thread,
            action="note_added",
            changes={"note": [None, note.pk], "kpi": [None, note.kpi_id], "objective": [None, note.objective_id]},
        )
        other = report if by.pk == manager.pk else manager
        notify(
            actor=by,
            recipients=[other],
            event="feedback.posted",
            obj=thread,
            url=f"{thread_url(thread)}#note-{note.pk}",
            params={"excerpt": excerpt(note.body)},
        )
    return note
