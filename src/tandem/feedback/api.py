"""``/api/v1/feedback-threads``: private 1:1 threads between a manager and a report, and their notes."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.core.errors import NotFound, ValidationError
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.feedback import schemas, selectors, services
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership

router = Router(tags=["feedback"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


@router.get("/feedback-threads", response=list[schemas.ThreadOut])
@paginate(Pagination)
def feedback_thread_list(request: HttpRequest, report: Id | None = None, manager: Id | None = None) -> Any:
    """Your 1:1 threads, as manager or as report (administrators: every thread), newest first."""
    return selectors.threads(membership=_me(request), report_id=report, manager_id=manager)


@router.post("/feedback-threads", response={200: schemas.ThreadOut, 201: schemas.ThreadOut})
def feedback_thread_open(request: HttpRequest, payload: schemas.ThreadOpenIn) -> Any:
    """Open the thread of a report with their current manager (201), or get it when it is open (200)."""
    try:
        report = org_selectors.person_get(membership=_me(request), person_id=payload.report)
    except NotFound:
        raise ValidationError("report", _("Not found in this organization.")) from None
    thread, created = services.feedback_thread_open(by=_me(request), report=report)
    return Status(201 if created else 200, selectors.thread_get(membership=_me(request), thread_id=thread.pk))


@router.get("/feedback-threads/{thread_id}", response=schemas.ThreadOut)
def feedback_thread_get(request: HttpRequest, thread_id: Id) -> Any:
    return selectors.thread_get(membership=_me(request), thread_id=thread_id)


@router.get("/feedback-threads/{thread_id}/notes", response=list[schemas.NoteOut])
@paginate(Pagination)
def feedback_note_list(request: HttpRequest, thread_id: Id) -> Any:
    """The thread's notes, oldest first."""
    return selectors.notes(thread=selectors.thread_get(membership=_me(request), thread_id=thread_id))


@router.post("/feedback-threads/{thread_id}/notes", response={201: schemas.NoteOut})
def feedback_note_create(request: HttpRequest, thread_id: Id, payload: schemas.NoteIn) -> Any:
    """A note by the manager or the report; the other one is told."""
    thread = selectors.thread_get(membership=_me(request), thread_id=thread_id)
    note = services.feedback_note_create(by=_me(request), thread=thread, **payload.dict())
    return Status(201, note)
