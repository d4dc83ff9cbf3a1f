"""Who may read and write a 1:1 feedback thread, one condition per line.

A thread is the private conversation of a manager and one report. The two of them write in it whatever
their role (a viewer with a manager still talks with them: it is their conversation, not the company's
data); administrators read every thread and write only in their own. Anyone else is told that the thread
does not exist (404), never that it is forbidden, so a thread's existence is not confirmed either.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.errors import NotFound, PermissionDenied
from tandem.orgs.models import Membership


def is_party(membership: Membership, *, manager_id: int | None, report_id: int) -> bool:
    """One of the two people of the thread."""
    return membership.pk in (manager_id, report_id)


def may_read(membership: Membership, *, manager_id: int | None, report_id: int) -> bool:
    if membership.is_admin:
        return True
    return is_party(membership, manager_id=manager_id, report_id=report_id)


def may_write(membership: Membership, *, manager_id: int | None, report_id: int) -> bool:
    if not membership.is_active:
        return False
    return is_party(membership, manager_id=manager_id, report_id=report_id)


def require_read(membership: Membership, *, manager_id: int | None, report_id: int) -> None:
    if not may_read(membership, manager_id=manager_id, report_id=report_id):
        raise NotFound()


def require_write(membership: Membership, *, manager_id: int | None, report_id: int) -> None:
    require_read(membership, manager_id=manager_id, report_id=report_id)
    if not membership.is_active:
        raise PermissionDenied(_("Your access to this organization has been removed."))
    if not is_party(membership, manager_id=manager_id, report_id=report_id):
        raise PermissionDenied(_("Only the manager and the report write in their 1:1 thread; administrators read it."))
