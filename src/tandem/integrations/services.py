"""Every change to connectors: validated (the source's settings by ``sources.config_clean``, the schedule
by ``schedule.schedule_clean``), in one transaction, audited without their credentials; "run now" and the
dry-run "test".

Credentials (the connection URL, HTTP headers) are sealed with :mod:`crypto` before they are stored and
never reach the audit trail: an event only says that they changed.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import DomainError, PermissionDenied, ValidationError, full_clean
from tandem.integrations import crypto, schedule
from tandem.integrations.models import Connector, ConnectorKind, ScheduleKind
from tandem.integrations.selectors import Access, access_connector
from tandem.kpis import access as kpi_access
from tandem.kpis.models import Kpi
from tandem.orgs.models import Membership, Role

CONNECTOR_FIELDS = ["name", "kind", "owner", "kpi", "config", "schedule_kind", "schedule_value", "enabled"]
CHANGEABLE = {"name", "kind", "owner", "kpi", "config", "secrets", "schedule_kind", "schedule_value", "enabled"}
SECRET_NAMES = ("url", "headers")


def _require_manage(by: Membership, connector: Connector | None = None) -> None:
    if access_connector(by, connector) == Access.MANAGE:
        return
    if connector is None:
        raise PermissionDenied(_("Connectors are set up by managers and administrators."))
    raise PermissionDenied(_("Only the connector's owner and administrators can change or run it."))


def _owner_of(by: Membership, owner: object) -> Membership:
    """The person the connector acts as: by default the author; only administrators choose someone else,
    an active administrator or manager of the organization."""
    pk = owner.pk if isinstance(owner, models.Model) else owner
    if pk in (None, "") or pk == by.pk:
        return by
    if not by.is_admin:
        raise ValidationError("owner", _("Only administrators give a connector to someone else."))
    if isinstance(pk, str) and pk.isdigit():
        pk = int(pk)
    found = (
        Membership.objects.for_org(by.organization).filter(pk=pk).select_related("user").first()
        if isinstance(pk, int)
        else None
    )
    if found is None or not found.is_active:
        raise ValidationError("owner", _("Choose an active person of this organization."))
    if found.role not in (Role.ADMIN, Role.MANAGER):
        raise ValidationError(
            "owner",
            _("%(name)s is not a manager: connectors are owned by managers and administrators.")
            % {"name": found.display_name},
        )
    return found


def _kpi_error(owner: Membership, kpi: Kpi | None) -> dict[str, str] | None:
    """The connector writes as its owner: the owner must be able to record data for its KPI."""
    if kpi is None:
        return None
    if kpi.organization_id != owner.organization_id:
        return {"field": "kpi", "message": _("No such KPI that you can see.")}
    try:
        kpi_access.require_can_record(owner, kpi)
    except DomainError:
        return {
            "field": "kpi",
            "message": _("%(name)s cannot record data for %(kpi)s, and the connector writes as its owner.")
            % {"name": owner.display_name, "kpi": kpi.name},
        }
    return None


def _prefixed(exc: ValidationError) -> list[dict[str, str]]:
    """The source's field errors as paths into the request: ``config.query``, ``secrets.url``."""
    out = []
    for error in exc.errors:
        field = error["field"]
        if field in SECRET_NAMES:
            field = f"secrets.{field}"
        elif field and field != "kind":
            field = f"config.{field}"
        out.append({"field": field, "message": error["message"]})
    return out


def _source_clean(
    kind: str, config: dict[str, Any], secrets: dict[str, Any]
) -> tuple[dict, dict, list[dict[str, str]]]:
    from tandem.integrations import sources

    try:
        cleaned_config, cleaned_secrets = sources.config_clean(kind=kind, config=config or {}, secrets=secrets or {})
    except ValidationError as exc:
        return config, secrets, _prefixed(exc)
    return cleaned_config, cleaned_secrets, []


def _schedule(connector: Connector, errors: list[dict[str, str]]) -> None:
    """The schedule in its stored form, and the next run time it gives (none when disabled or manual)."""
    try:
        connector.schedule_value = schedule.schedule_clean(connector.schedule_kind, connector.schedule_value)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return
    connector.next_run_at = (
        schedule.next_run(
            connector.schedule_kind, connector.schedule_value, after=timezone.now(), tz=connector.organization.tz
        )
        if connector.enabled
        else None
    )


def _clean(connector: Connector, errors: list[dict[str, str]]) -> None:
    try:
        full_clean(connector, exclude=["owner", "kpi", "created_by", "config", "sealed_secrets", "schedule_value"])
    except ValidationError as exc:
        known = {e["field"] for e in errors}
        errors.extend(e for e in exc.errors if e["field"] not in known)
    if errors:
        raise ValidationError(errors=errors)


def connector_build(
    *,
    by: Membership,
    name: str,
    kind: str,
    config: dict[str, Any],
    secrets: dict[str, Any],
    kpi: Kpi | None = None,
    owner: object = None,
    schedule_kind: str = ScheduleKind.MANUAL,
    schedule_value: str = "",
    enabled: bool = True,
) -> Connector:
    """A validated, unsaved connector: what :func:`connector_create` saves and what "test" tries."""
    _require_manage(by)
    errors: list[dict[str, str]] = []
    try:
        chosen = _owner_of(by, owner)
    except ValidationError as exc:
        errors.extend(exc.errors)
        chosen = by
    if kind not in ConnectorKind.values:
        errors.append(
            {"field": "kind", "message": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ConnectorKind.values)}}
        )
        cleaned_config, cleaned_secrets = config or {}, secrets or {}
    else:
        cleaned_config, cleaned_secrets, source_errors = _source_clean(kind, config, secrets)
        errors.extend(source_errors)
    if error := _kpi_error(chosen, kpi):
        errors.append(error)
    connector = Connector(
        organization=by.organization,
        name=(name or "").strip(),
        kind=kind,
        owner=chosen,
        kpi=kpi,
        config=cleaned_config,
        sealed_secrets=crypto.seal(cleaned_secrets),
        schedule_kind=schedule_kind,
        schedule_value=schedule_value or "",
        enabled=enabled,
        created_by=by,
    )
    _schedule(connector, errors)
    _clean(connector, errors)
    return connector


def connector_create(*, by: Membership, **fields: Any) -> Connector:
    """A new connector, validated without connecting to its source; it first runs at its schedule's next
    time (or when someone presses "Run now")."""
    connector = connector_build(by=by, **fields)
    with transaction.atomic():
        connector.save()
        changes = audit.diff({}, audit.snapshot(connector, CONNECTOR_FIELDS))
        changes["credentials"] = [None, "set"]
        audit.record(organization=by.organization, actor=by, obj=connector, action="created", changes=changes)
    return connector


def _merged_secrets(connector: Connector, given: dict[str, Any] | None, kind_changed: bool) -> dict[str, Any]:
    """The credentials after an edit: those given replace the stored ones; those left out (or blank) are kept,
    except when the kind changes, since a database URL is no HTTP endpoint."""
    stored = {} if kind_changed else crypto.unseal(connector.sealed_secrets)
    for name, value in (given or {}).items():
        if value is None or (name == "url" and value == ""):
            continue
        stored[name] = value
    return stored


def connector_update(*, by: Membership, connector: Connector, **changes: Any) -> Connector:
    """Change a connector. ``secrets`` replace only the credentials they name (``{"url": "…"}`` keeps the
    headers; ``{"headers": {}}`` removes them); the audit event says only that they changed."""
    _require_manage(by, connector)
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    before = audit.snapshot(connector, CONNECTOR_FIELDS)
    old_sealed = connector.sealed_secrets
    old_secrets = crypto.unseal(old_sealed)
    errors: list[dict[str, str]] = []
    if "owner" in changes:
        owner = changes.pop("owner")
        if owner not in (None, "") and (owner.pk if isinstance(owner, models.Model) else owner) != connector.owner_id:
            try:
                connector.owner = _owner_of(by, owner)
            except ValidationError as exc:
                errors.extend(exc.errors)
    kind = changes.get("kind", connector.kind)
    kind_changed = kind != connector.kind
    secrets = _merged_secrets(connector, changes.pop("secrets", None), kind_changed)
    for name, value in changes.items():
        setattr(connector, name, value.strip() if name == "name" and isinstance(value, str) else value)
    if connector.schedule_value is None:
        connector.schedule_value = ""
    if kind in ConnectorKind.values:
        config, secrets, source_errors = _source_clean(kind, connector.config, secrets)
        connector.config = config
        errors.extend(source_errors)
    else:
        errors.append(
            {"field": "kind", "message": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ConnectorKind.values)}}
        )
    if error := _kpi_error(connector.owner, connector.kpi):
        errors.append(error)
    schedule_before = (before["schedule_kind"], before["schedule_value"], before["enabled"])
    if (connector.schedule_kind, connector.schedule_value, connector.enabled) != schedule_before or errors:
        _schedule(connector, errors)
    _clean(connector, errors)
    secrets_changed = secrets != old_secrets
    diff = audit.diff(before, audit.snapshot(connector, CONNECTOR_FIELDS))
    if secrets_changed:
        diff["credentials"] = [None, "changed"]
    if not diff:
        return connector
    connector.sealed_secrets = crypto.seal(secrets) if secrets_changed else old_sealed
    with transaction.atomic():
        connector.save()
        audit.record(organization=by.organization, actor=by, obj=connector, action="updated", changes=diff)
    return connector


def connector_delete(*, by: Membership, connector: Connector) -> None:
    """Delete a connector and its run history; the data points it wrote stay on their KPIs."""
    _require_manage(by, connector)
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=connector,
            action="deleted",
            changes=audit.diff(audit.snapshot(connector, CONNECTOR_FIELDS), {}),
        )
        connector.delete()


def connector_run_now(*, by: Membership, connector: Connector) -> None:
    """Queue a run for the worker, after the current transaction commits (at once in tests)."""
    _require_manage(by, connector)
    from tandem.integrations.connector_tasks import connector_run_task
    from tandem.integrations.models import RunTrigger

    connector_id = connector.pk
    transaction.on_commit(lambda: connector_run_task(connector_id, RunTrigger.MANUAL))


def connector_test(*, by: Membership, connector: Connector) -> Any:
    """A dry run of a connector, saved or not (see :func:`connector_build`): the first rows as points with
    their errors, writing nothing. A source that cannot be read raises a ValidationError on its setting."""
    _require_manage(by, connector if connector.pk else None)
    from tandem.integrations import runner

    try:
        return runner.connector_preview(connector=connector)
    except ValidationError as exc:
        raise ValidationError(errors=_prefixed(exc)) from None


def connector_draft(*, by: Membership, connector: Connector, **changes: Any) -> Connector:
    """An unsaved copy of ``connector`` with ``changes`` applied and validated, for testing an edit before
    saving it: blank credentials keep the stored ones."""
    _require_manage(by, connector)
    kind = changes.get("kind", connector.kind)
    secrets = _merged_secrets(connector, changes.pop("secrets", None), kind != connector.kind)
    draft = connector_build(
        by=by,
        name=changes.get("name", connector.name),
        kind=kind,
        config=changes.get("config", connector.config),
        secrets=secrets,
        kpi=changes.get("kpi", connector.kpi),
        owner=changes.get("owner") or connector.owner,
        schedule_kind=changes.get("schedule_kind", connector.schedule_kind),
        schedule_value=changes.get("schedule_value", connector.schedule_value),
        enabled=changes.get("enabled", connector.enabled),
    )
    draft.since = connector.since
    return draft
