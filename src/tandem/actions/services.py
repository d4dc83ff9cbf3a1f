"""Every change to actions: validated, in one transaction, audited, and told to the owner when someone
else gives them the action. ``action_due_notices`` tells owners about actions due tomorrow or overdue."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.actions import access, selectors
from tandem.actions.models import OPEN_STATUSES, Action, ActionStatus
from tandem.core import audit
from tandem.core.errors import Conflict, NotFound, ValidationError, full_clean
from tandem.core.periods import local_today
from tandem.kpis.models import Kpi
from tandem.notifications.services import notify, reminders_send_once
from tandem.okrs.models import KeyResult
from tandem.orgs.models import Membership, Organization

ACTION_FIELDS = ["kpi", "key_result", "title", "description", "owner", "due_date", "status", "expected_effect"]
CHANGEABLE = {"title", "description", "owner", "due_date", "status", "expected_effect"}
# Reminder kinds, so that each notice goes out once per action and due date.
DUE_TOMORROW = "action_due_tomorrow"
OVERDUE = "action_overdue"
# Reminder keys read back per query when looking for notices already sent.


def _owner_of(by: Membership, owner: object, kpi: Kpi | None, key_result: KeyResult | None) -> Membership:
    """The person an action is given to: active, of the same organization, able to write and to see the KPI
    or key result (else they could neither find nor update it)."""
    pk = owner.pk if isinstance(owner, models.Model) else owner
    if isinstance(pk, str) and pk.isdigit():
        pk = int(pk)
    found = (
        Membership.objects.for_org(by.organization).filter(pk=pk).select_related("user").first()
        if isinstance(pk, int)
        else None
    )
    if found is None or not found.is_active:
        raise ValidationError("owner", _("Choose an active person of this organization."))
    if found.pk == by.pk:
        return found
    if not found.can_write:
        raise ValidationError(
            "owner", _("%(name)s is a viewer and could not update the action.") % {"name": found.display_name}
        )
    if not selectors.may_see_parent(found, kpi=kpi, key_result=key_result):
        raise ValidationError(
            "owner",
            _("%(name)s cannot see this KPI or key result; choose someone who can.") % {"name": found.display_name},
        )
    return found


def _past_due(by: Membership, due_date: datetime.date | None) -> dict[str, str] | None:
    if due_date is not None and due_date < local_today(by.organization.tz):
        return {
            "field": "due_date",
            "message": _("%(date)s is in the past: choose today or a later day.") % {"date": due_date.isoformat()},
        }
    return None


def _status_error(status: object) -> dict[str, str] | None:
    if status not in ActionStatus.values:
        return {
            "field": "status",
            "message": _("Choose one of: %(choices)s.") % {"choices": ", ".join(ActionStatus.values)},
        }
    return None


def _tell_owner(by: Membership, action: Action) -> None:
    """The owner learns that someone else gave them the action (notify skips the actor)."""
    notify(
        actor=by,
        recipients=[action.owner],
        event="action.assigned",
        obj=action,
        url=selectors.parent_url(action),
        params={"title": action.title, "due": action.due_date.isoformat() if action.due_date else ""},
    )


def action_create(
    *,
    by: Membership,
    title: str,
    kpi: Kpi | None = None,
    key_result: KeyResult | None = None,
    description: str = "",
    owner: object = None,
    due_date: datetime.date | None = None,
    status: str = ActionStatus.TODO,
    expected_effect: str = "",
) -> Action:
    """A new action on a KPI or a key result the author may see, given to ``owner`` (by default the author).
    The due date may not be in the past; the owner is told when it is someone else."""
    access.require_add(by)
    if (kpi is None) == (key_result is None):
        raise ValidationError("kpi", _("An action belongs to a KPI or to a key result: give one of them."))
    if not selectors.may_see_parent(by, kpi=kpi, key_result=key_result):
        raise NotFound()
    errors = [e for e in (_past_due(by, due_date), _status_error(status)) if e]
    try:
        chosen = by if owner in (None, "") else _owner_of(by, owner, kpi, key_result)
    except ValidationError as exc:
        errors.extend(exc.errors)
        chosen = by
    action = Action(
        organization=by.organization,
        kpi=kpi,
        key_result=key_result,
        title=(title or "").strip(),
        description=description or "",
        owner=chosen,
        due_date=due_date,
        status=status,
        expected_effect=(expected_effect or "").strip(),
        created_by=by,
        completed_at=timezone.now() if status == ActionStatus.DONE else None,
    )
    _clean(action, errors)
    with transaction.atomic():
        action.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=action,
            action="created",
            changes=audit.diff({}, audit.snapshot(action, ACTION_FIELDS)),
        )
        _tell_owner(by, action)
    return action


def _clean(action: Action, errors: list[dict[str, str]]) -> None:
    """Every field error at once: ours, then the model's (a blank title, a text too long)."""
    try:
        full_clean(action, exclude=["kpi", "key_result", "owner", "created_by", "status"])
    except ValidationError as exc:
        errors.extend(e for e in exc.errors if e["field"] not in {x["field"] for x in errors})
    if errors:
        raise ValidationError(errors=errors)


def action_update(*, by: Membership, action: Action, **changes: Any) -> Action:
    """Change an action, its status included. Marking it done stamps ``completed_at``; reopening clears it. A
    new due date may not be in the past; a new owner is told."""
    access.require_edit_action(by, action)
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    before = audit.snapshot(action, ACTION_FIELDS)
    errors: list[dict[str, str]] = []
    if "status" in changes and (error := _status_error(changes["status"])):
        errors.append(error)
    if (
        "due_date" in changes
        and changes["due_date"] != action.due_date
        and (error := _past_due(by, changes["due_date"]))
    ):
        errors.append(error)
    if "owner" in changes:
        owner = changes.pop("owner")
        if owner in (None, ""):
            errors.append({"field": "owner", "message": _("An action needs an owner.")})
        elif (owner.pk if isinstance(owner, models.Model) else owner) != action.owner_id:
            try:
                action.owner = _owner_of(by, owner, action.kpi, action.key_result)
            except ValidationError as exc:
                errors.extend(exc.errors)
    for name, value in changes.items():
        setattr(
            action, name, value.strip() if name in ("title", "expected_effect") and isinstance(value, str) else value
        )
    # An API null clears an optional text; it is never stored as NULL.
    if action.description is None:
        action.description = ""
    if action.expected_effect is None:
        action.expected_effect = ""
    if action.status == ActionStatus.DONE and before["status"] != ActionStatus.DONE:
        action.completed_at = timezone.now()
    elif action.status != ActionStatus.DONE:
        action.completed_at = None
    _clean(action, errors)
    diff = audit.diff(before, audit.snapshot(action, ACTION_FIELDS))
    if not diff:
        return action
    with transaction.atomic():
        action.save()
        audit.record(organization=by.organization, actor=by, obj=action, action="updated", changes=diff)
        if "owner" in diff:
            _tell_owner(by, action)
    return action


def action_delete(*, by: Membership, action: Action) -> None:
    """Delete an action added by mistake. Done actions stay in the history: they cannot be deleted."""
    access.require_edit_action(by, action)
    if action.status == ActionStatus.DONE:
        raise Conflict(_("Done actions stay in the history: this one cannot be deleted."))
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=action,
            action="deleted",
            changes=audit.diff(audit.snapshot(action, ACTION_FIELDS), {}),
        )
        action.delete()


def action_due_notices(*, organization: Organization, today: datetime.date) -> int:
    """Tell the owners of open actions due tomorrow, or overdue, once per action and due date: a
    :class:`Reminder` row per notice, written with it, keeps a second run (or a second worker) from telling
    them again; a new due date is a new occasion. Returns the number of notices."""
    tomorrow = today + datetime.timedelta(days=1)
    due = list(
        Action.objects.for_org(organization)
        .filter(status__in=OPEN_STATUSES, owner__is_active=True)
        .filter(Q(due_date__lt=today) | Q(due_date=tomorrow))
        .select_related("owner", "kpi", "key_result")
        .order_by("due_date", "id")
    )
    wanted = {
        (action.owner_id, OVERDUE if action.due_date < today else DUE_TOMORROW, _reminder_key(action)): action
        for action in due
        if action.due_date is not None
    }

    def send(actions: list[Action]) -> None:
        for action in actions:
            assert action.due_date is not None
            notify(
                actor=None,
                recipients=[action.owner],
                event="action.overdue" if action.due_date < today else "action.due_tomorrow",
                obj=action,
                url=selectors.parent_url(action),
                params={"title": action.title, "due": action.due_date.isoformat()},
            )

    return len(reminders_send_once(organization=organization, occasions=wanted, send=send))


def _reminder_key(action: Action) -> str:
    assert action.due_date is not None
    return f"{action.pk}:{action.due_date.isoformat()}"
