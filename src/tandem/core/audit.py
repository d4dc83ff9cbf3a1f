"""The audit trail: every service that changes domain data calls :func:`record` in its transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from tandem.core.models import AuditEvent

if TYPE_CHECKING:
    from tandem.orgs.models import Membership, Organization

# Fields that never reach the audit trail, whatever the model.
SECRET_FIELDS = frozenset({"password", "token_hash", "key_hash", "secret", "sealed_secrets"})


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The JSON-safe values of ``fields`` on ``obj`` (foreign keys as ids), to diff before and after."""
    values = {}
    for name in fields:
        if name in SECRET_FIELDS:
            continue
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _plain(getattr(obj, attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{"field": [before, after]}`` for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key) and key not in SECRET_FIELDS
    }


def object_type(obj: models.Model) -> str:
    return getattr(obj, "audit_type", obj._meta.model_name or "")


def record(
    *,
    organization: Organization,
    actor: Membership | None,
    obj: models.Model,
    action: str,
    changes: dict[str, list[Any]] | None = None,
) -> AuditEvent:
    """Write one audit event; must run inside the transaction of the change it describes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_name=actor.display_name if actor else "system",
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        changes=changes or {},
    )


def record_many(
    *,
    organization: Organization,
    actor: Membership | None,
    entries: list[tuple[models.Model, str, dict[str, list[Any]]]],
) -> None:
    """Write many audit events at once (object, action, changes), e.g. one per KPI of a data batch."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must run inside the transaction of the change")
    AuditEvent.objects.for_org(organization).bulk_create(
        AuditEvent(
            organization=organization,
            actor=actor,
            actor_name=actor.display_name if actor else "system",
            object_type=object_type(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action=action,
            changes=changes,
        )
        for obj, action, changes in entries
    )
