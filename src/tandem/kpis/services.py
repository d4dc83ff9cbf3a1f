"""Every change to KPIs and their data: validated, in one transaction, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import Conflict, PermissionDenied, ValidationError, amount_of, full_clean
from tandem.core.periods import local_today, period_of
from tandem.integrations.webhooks import change_request_data, webhook_emit
from tandem.kpis import access, alerts, formulas, selectors
from tandem.kpis.current_status import statuses_refresh
from tandem.kpis.models import (
    ChangeRequest,
    ChangeRequestState,
    DataPoint,
    Direction,
    Kpi,
    KpiState,
    KpiVersion,
    PeriodTarget,
    ThresholdMode,
)
from tandem.notifications.events import excerpt
from tandem.notifications.services import notify
from tandem.orgs import access as orgs_access
from tandem.orgs.models import Membership, Organization, Team

DEFINITION_FIELDS = [
    "key",
    "name",
    "description",
    "unit",
    "unit_kind",
    "currency",
    "owner",
    "team",
    "visibility",
    "value_per_unit",
    "risk_level",
    "risk_notes",
]
RULE_FIELDS = [
    "direction",
    "aggregation",
    "frequency",
    "target",
    "threshold_mode",
    "amber_threshold",
    "red_threshold",
    "band_low",
    "band_high",
    "formula",
]
# Targets for single periods: {"2026-12-01": "120", "2027-01-01": null}; merged into a version's, null removes.
PERIOD_TARGETS = "period_targets"
MAX_PERIOD_TARGETS = 500
# Before any real period: the first version judges all history.
BEGINNING = datetime.date(1900, 1, 1)


def _check_rule(version: KpiVersion) -> None:
    """The thresholds make sense for the direction, so every period can be judged."""
    if version.direction == Direction.BAND:
        if version.band_low is None or version.band_high is None:
            raise ValidationError("band_low", _("A KPI within a band needs both ends of the band."))
        if version.band_low >= version.band_high:
            raise ValidationError("band_high", _("The band's high end must be above its low end."))
        if version.red_threshold is None or version.red_threshold < 0:
            raise ValidationError("red_threshold", _("Say how far outside the band turns red (0 or more)."))
        return
    if version.red_threshold is None:
        raise ValidationError("red_threshold", _("Give the line below (or above) which the KPI is red."))
    if version.threshold_mode == ThresholdMode.PERCENT and version.target is None:
        raise ValidationError("target", _("Thresholds in percent of target need a target."))
    amber = version.amber_threshold
    if amber is None:
        amber = Decimal(100) if version.threshold_mode == ThresholdMode.PERCENT else version.target
    if amber is None:
        raise ValidationError("amber_threshold", _("Give the amber line, or a target to use as it."))
    if version.direction == Direction.HIGHER and version.red_threshold > amber:
        raise ValidationError("red_threshold", _("When higher is better, red must start below amber."))
    if version.direction == Direction.LOWER and version.red_threshold < amber:
        raise ValidationError("red_threshold", _("When lower is better, red must start above amber."))


def _resolve(by: Membership, model: type[Membership] | type[Team], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.for_org(by.organization).filter(pk=pk).first()
    if found is None:
        raise ValidationError(field, _("Not found in this organization."))
    return found


def _split(changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = set(changes) - set(DEFINITION_FIELDS) - set(RULE_FIELDS) - {PERIOD_TARGETS}
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    return (
        {k: v for k, v in changes.items() if k in DEFINITION_FIELDS},
        {k: v for k, v in changes.items() if k in RULE_FIELDS or k == PERIOD_TARGETS},
    )


def _parse_targets(
    raw: object, *, frequency: str, fiscal: int, field: str = PERIOD_TARGETS
) -> dict[datetime.date, Decimal | None]:
    """Targets by period from ``{"YYYY-MM-DD": "120" or null}``: each day is snapped to the start of its
    period at the KPI's frequency; every bad entry is reported."""
    if not isinstance(raw, dict):
        raise ValidationError(field, _('Give targets by period, e.g. {"2026-12-01": "120"}.'))
    if len(raw) > MAX_PERIOD_TARGETS:
        raise ValidationError(field, _("Set at most %(n)s period targets at once.") % {"n": MAX_PERIOD_TARGETS})
    parsed: dict[datetime.date, Decimal | None] = {}
    errors: list[dict[str, str]] = []
    for key, value in raw.items():
        try:
            day = key if isinstance(key, datetime.date) else datetime.date.fromisoformat(str(key))
        except ValueError:
            errors.append(
                {"field": f"{field}.{key}", "message": _("Use a date as YYYY-MM-DD (any day of the period).")}
            )
            continue
        start = period_of(frequency, day, fiscal_start_month=fiscal).start
        if start in parsed:
            errors.append(
                {
                    "field": f"{field}.{key}",
                    "message": _("Another date falls in the same period, starting %(date)s.") % {"date": start},
                }
            )
            continue
        amount = None if value is None else amount_of(value)
        if value is not None and amount is None:
            errors.append({"field": f"{field}.{key}", "message": _("Use a number such as 120, or null to remove it.")})
            continue
        parsed[start] = None if amount is None else amount.quantize(Decimal("0.000001"))
    if errors:
        raise ValidationError(errors=errors)
    return parsed


def _targets_of(version: KpiVersion) -> dict[datetime.date, Decimal]:
    return {t.period_start: t.target for t in version.period_targets.all()} if version.pk else {}


def _merge_targets(
    existing: dict[datetime.date, Decimal], changes: dict[datetime.date, Decimal | None]
) -> dict[datetime.date, Decimal]:
    merged = dict(existing)
    for start, target in changes.items():
        if target is None:
            merged.pop(start, None)
        else:
            merged[start] = target
    return merged


def _save_targets(version: KpiVersion, targets: dict[datetime.date, Decimal]) -> None:
    PeriodTarget.objects.for_org(version.organization_id).filter(version=version).delete()
    PeriodTarget.objects.for_org(version.organization_id).bulk_create(
        PeriodTarget(organization_id=version.organization_id, version=version, period_start=start, target=target)
        for start, target in sorted(targets.items())
    )


def _plain_targets(targets: dict[datetime.date, Decimal | None]) -> dict[str, str | None]:
    return {start.isoformat(): None if t is None else str(t) for start, t in sorted(targets.items())}


def _apply_definition(by: Membership, kpi: Kpi, fields: dict[str, Any]) -> None:
    if "owner" in fields:
        fields["owner"] = _resolve(by, Membership, fields["owner"], "owner")
        if fields["owner"] is None:
            raise ValidationError("owner", _("A KPI needs an owner."))
    if "team" in fields:
        fields["team"] = _resolve(by, Team, fields["team"], "team")
    for name, value in fields.items():
        setattr(kpi, name, value)


def _guardrails(by: Membership, kpi: Kpi, ids: list[int] | None) -> list[Kpi]:
    """The guardrail KPIs by id: visible to the author, in the organization, and not the KPI itself."""
    if ids is None:
        raise ValidationError("guardrails", _("Give a list of KPI ids, or [] for none."))
    found = list(selectors.kpis(membership=by).filter(pk__in=ids))
    missing = set(ids) - {g.pk for g in found}
    if missing:
        raise ValidationError("guardrails", _("No such KPI: %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))})
    if kpi.pk and kpi.pk in ids:
        raise ValidationError("guardrails", _("A KPI cannot guard itself."))
    return found


def _check_formula(by: Membership, kpi: Kpi, version: KpiVersion) -> None:
    """A formula uses existing KPIs the author may see, and never comes back to itself."""
    version.formula = (version.formula or "").strip()
    if not version.formula:
        return
    keys = formulas.referenced_keys(version.formula)
    if kpi.key in keys:
        raise ValidationError("formula", _("A formula cannot use its own KPI."))
    visible = {k.key: k for k in selectors.kpis(membership=by).prefetch_related("versions")}
    unknown = sorted(keys - set(visible))
    if unknown:
        raise ValidationError("formula", _("Unknown KPI keys: %(keys)s.") % {"keys": ", ".join(unknown)})
    # Follow the formulas the referenced KPIs use; meeting this KPI again would be a cycle.
    stack, seen = list(keys), set()
    while stack:
        key = stack.pop()
        if key == kpi.key:
            raise ValidationError(
                "formula", _("The formula refers back to %(key)s through other formulas.") % {"key": kpi.key}
            )
        if key in seen or key not in visible:
            continue
        seen.add(key)
        latest = max(visible[key].versions.all(), key=lambda v: v.number)
        if latest.formula:
            stack.extend(formulas.referenced_keys(latest.formula))


def _judge(organization: Organization, kpi: Kpi) -> None:
    """Keep the KPI's current status under its new rules or state (``current_status.statuses_kept``)."""
    statuses_refresh(
        organization=organization,
        today=local_today(organization.tz),
        kpis=Kpi.objects.for_org(organization).filter(pk=kpi.pk),
    )


def _check_key_free(kpi: Kpi) -> None:
    if Kpi.objects.for_org(kpi.organization_id).filter(key=kpi.key).exclude(pk=kpi.pk).exists():
        raise ValidationError("key", _("Another KPI already uses the key %(key)s.") % {"key": kpi.key})


def kpi_create(*, by: Membership, **changes: Any) -> Kpi:
    """A new draft KPI with its first version. The owner defaults to the author."""
    access.require_kpi_author(by)
    guardrail_ids = changes.pop("guardrails", [])
    definition, rules = _split(changes)
    raw_targets = rules.pop(PERIOD_TARGETS, None) or {}
    definition.setdefault("owner", by.pk)
    kpi = Kpi(organization=by.organization)
    _apply_definition(by, kpi, definition)
    guardrails = _guardrails(by, kpi, guardrail_ids)
    version = KpiVersion(organization=by.organization, number=1, effective_from=BEGINNING, created_by=by, **rules)
    _check_key_free(kpi)
    full_clean(kpi)
    full_clean(version, exclude=["kpi"])
    _check_rule(version)
    _check_formula(by, kpi, version)
    fiscal = by.organization.fiscal_year_start_month
    targets = _merge_targets({}, _parse_targets(raw_targets, frequency=version.frequency, fiscal=fiscal))
    with transaction.atomic():
        kpi.save()
        kpi.guardrails.set(guardrails)
        version.kpi = kpi
        version.save()
        _save_targets(version, targets)
        after = audit.snapshot(kpi, DEFINITION_FIELDS) | audit.snapshot(version, RULE_FIELDS)
        after["guardrails"] = sorted(g.pk for g in guardrails)
        if targets:
            after[PERIOD_TARGETS] = _plain_targets(dict(targets))
        audit.record(organization=by.organization, actor=by, obj=kpi, action="created", changes=audit.diff({}, after))
        _judge(by.organization, kpi)
    return kpi


def kpi_update(*, by: Membership, kpi: Kpi, **changes: Any) -> Kpi:
    """Edit a KPI. A draft's rules can change freely; an active KPI's rules change only through an
    approved change request, so this refuses them."""
    access.require_can_edit(by, kpi)
    if kpi.state == KpiState.ARCHIVED:
        raise Conflict(_("This KPI is archived; it can no longer change."))
    guardrails = _guardrails(by, kpi, changes.pop("guardrails")) if "guardrails" in changes else None
    definition, rules = _split(changes)
    if rules and kpi.state != KpiState.DRAFT:
        raise Conflict(
            _(
                "This KPI is active: its target, thresholds, direction, aggregation and frequency "
                "change through a change request that the owner's manager approves."
            )
        )
    raw_targets = rules.pop(PERIOD_TARGETS, None)
    version = kpi.versions.get(number=1) if rules or raw_targets is not None else None
    old_targets = _targets_of(version) if version else {}
    before = audit.snapshot(kpi, DEFINITION_FIELDS) | (audit.snapshot(version, RULE_FIELDS) if version else {})
    before["guardrails"] = sorted(g.pk for g in kpi.guardrails.all())
    before[PERIOD_TARGETS] = _plain_targets(dict(old_targets))
    _apply_definition(by, kpi, definition)
    _check_key_free(kpi)
    full_clean(kpi)
    targets = old_targets
    if version is not None:
        old_frequency = version.frequency
        for name, value in rules.items():
            setattr(version, name, value)
        full_clean(version)
        _check_rule(version)
        _check_formula(by, kpi, version)
        fiscal = by.organization.fiscal_year_start_month
        # Targets set for another frequency's periods would fall on no period: a new frequency starts clean.
        base = old_targets if version.frequency == old_frequency else {}
        targets = _merge_targets(base, _parse_targets(raw_targets or {}, frequency=version.frequency, fiscal=fiscal))
    with transaction.atomic():
        kpi.save()
        if version is not None:
            version.save()
            if targets != old_targets:
                _save_targets(version, targets)
            _judge(by.organization, kpi)
        if guardrails is not None:
            kpi.guardrails.set(guardrails)
        after = audit.snapshot(kpi, DEFINITION_FIELDS) | (audit.snapshot(version, RULE_FIELDS) if version else {})
        after["guardrails"] = sorted(g.pk for g in kpi.guardrails.all())
        after[PERIOD_TARGETS] = _plain_targets(dict(targets))
        audit.record(
            organization=by.organization, actor=by, obj=kpi, action="updated", changes=audit.diff(before, after)
        )
    return kpi


def kpi_submit(*, by: Membership, kpi: Kpi) -> Kpi:
    """The owner (or a manager) submits a draft: it becomes active and its rules are locked."""
    access.require_can_edit(by, kpi)
    if kpi.state != KpiState.DRAFT:
        raise Conflict(_("Only a draft KPI can be submitted; this one is %(state)s.") % {"state": kpi.state})
    with transaction.atomic():
        kpi.state, kpi.submitted_at = KpiState.ACTIVE, timezone.now()
        kpi.save(update_fields=["state", "submitted_at"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=kpi,
            action="submitted",
            changes={"state": [KpiState.DRAFT, KpiState.ACTIVE]},
        )
        _judge(by.organization, kpi)
    return kpi


def kpi_archive(*, by: Membership, kpi: Kpi) -> Kpi:
    """Retire a KPI, keeping its data and history (KPIs with data are archived, never deleted)."""
    access.require_can_edit(by, kpi)
    if kpi.state == KpiState.ARCHIVED:
        return kpi
    with transaction.atomic():
        before = kpi.state
        kpi.state = KpiState.ARCHIVED
        kpi.save(update_fields=["state"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=kpi,
            action="archived",
            changes={"state": [before, KpiState.ARCHIVED]},
        )
    return kpi


def kpi_delete(*, by: Membership, kpi: Kpi) -> None:
    """Delete a KPI that never received data; one with data must be archived instead."""
    access.require_can_edit(by, kpi)
    if DataPoint.objects.for_org(by.organization).filter(kpi=kpi).exists():
        raise Conflict(_("This KPI has data, so it is archived rather than deleted."))
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=kpi,
            action="deleted",
            changes=audit.diff(audit.snapshot(kpi, DEFINITION_FIELDS), {}),
        )
        kpi.delete()


def _candidate(kpi: Kpi, changes: dict[str, Any], effective_from: datetime.date) -> KpiVersion:
    """The version a change request would create: the latest rules with the requested changes."""
    latest = max(kpi.versions.all(), key=lambda v: v.number)
    candidate = KpiVersion(
        organization_id=kpi.organization_id,
        kpi=kpi,
        number=latest.number + 1,
        effective_from=effective_from,
        **{name: getattr(latest, name) for name in RULE_FIELDS},
    )
    for name, value in changes.items():
        setattr(candidate, name, value)
    full_clean(candidate, exclude=["created_by"])
    _check_rule(candidate)
    return candidate


def change_request_create(
    *, by: Membership, kpi: Kpi, changes: dict[str, Any], reason: str, effective_from: datetime.date | None = None
) -> ChangeRequest:
    """Ask to change an active KPI's rules from a period on (default: the next period)."""
    access.require_can_edit(by, kpi)
    if kpi.state != KpiState.ACTIVE:
        raise Conflict(_("Only an active KPI takes change requests; edit a draft directly."))
    changes = dict(changes)
    raw_targets = changes.pop(PERIOD_TARGETS, None)
    if raw_targets == {}:
        raw_targets = None
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(f"changes.{sorted(unknown)[0]}", _("Only the KPI's rules go through a change request."))
    if not changes and raw_targets is None:
        raise ValidationError("changes", _("Say what should change."))
    if not (reason or "").strip():
        raise ValidationError("reason", _("Give the reason for the change."))
    fiscal = by.organization.fiscal_year_start_month
    today = timezone.now().astimezone(by.organization.tz).date()
    frequency = changes.get("frequency") or selectors.version_on(kpi, today).frequency
    current = period_of(frequency, today, fiscal_start_month=fiscal).start
    # A change of single periods' targets can apply to this period; other changes start with the next one.
    default_day = (
        today if raw_targets is not None and not changes else period_of(frequency, today, fiscal_start_month=fiscal).end
    )
    start = period_of(frequency, effective_from or default_day, fiscal_start_month=fiscal).start
    latest = max(kpi.versions.all(), key=lambda v: v.number)
    if start < current:
        # Past periods stay judged by the rules that were in force then.
        raise ValidationError(
            "effective_from",
            _("A change can start in the current period (%(date)s) or later.") % {"date": current},
        )
    if start <= latest.effective_from:
        raise ValidationError(
            "effective_from",
            _("The change must start after %(date)s, when version %(n)s started.")
            % {"date": latest.effective_from, "n": latest.number},
        )
    candidate = _candidate(kpi, changes, start)
    _check_formula(by, kpi, candidate)
    stored = {name: audit.snapshot(candidate, [name])[name] for name in changes}
    audited = {name: [audit.snapshot(latest, [name])[name], value] for name, value in stored.items()}
    if raw_targets is not None:
        field = f"changes.{PERIOD_TARGETS}"
        targets = _parse_targets(raw_targets, frequency=candidate.frequency, fiscal=fiscal, field=field)
        early = sorted(day for day in targets if day < start)
        if early:
            raise ValidationError(
                f"{field}.{early[0].isoformat()}",
                _("This period starts before the change does (%(date)s); past periods keep their targets.")
                % {"date": start},
            )
        stored[PERIOD_TARGETS] = _plain_targets(targets)
        before = _plain_targets(dict(_targets_of(latest)))
        audited[PERIOD_TARGETS] = [{k: before.get(k) for k in stored[PERIOD_TARGETS]}, stored[PERIOD_TARGETS]]
    if ChangeRequest.objects.for_org(by.organization).filter(kpi=kpi, state=ChangeRequestState.PENDING).exists():
        raise Conflict(_("This KPI already has a change request waiting for approval."))
    request = ChangeRequest(
        organization=by.organization,
        kpi=kpi,
        requested_by=by,
        reason=reason.strip(),
        effective_from=start,
        changes=stored,
    )
    with transaction.atomic():
        request.save()
        audit.record(organization=by.organization, actor=by, obj=kpi, action="change_requested", changes=audited)
        notify(
            actor=by,
            recipients=alerts.approvers(kpi),
            event="change_request.submitted",
            obj=kpi,
            url=alerts.kpi_url(kpi) + "#change-requests",
            params={"title": kpi.name, "reason": excerpt(request.reason)},
        )
    return request


def _require_approver(by: Membership, request: ChangeRequest) -> None:
    if not access.is_kpi_manager(by, request.kpi):
        raise PermissionDenied(_("The owner's manager or an administrator decides on this change."))
    if request.requested_by_id == by.pk and not by.is_admin:
        raise PermissionDenied(_("Someone above you decides on your own change request."))
    if request.state != ChangeRequestState.PENDING:
        raise Conflict(_("This change request was already %(state)s.") % {"state": request.get_state_display()})


def change_request_approve(*, by: Membership, request: ChangeRequest, comment: str = "") -> KpiVersion:
    """Approve: a new version of the KPI's rules, effective from the requested period. Earlier periods
    keep being judged by the version in force then."""
    orgs_access.require_writer(by)
    _require_approver(by, request)
    kpi = request.kpi
    if kpi.versions.filter(effective_from__gte=request.effective_from).exists():
        raise Conflict(_("A newer version already starts on or after %(date)s.") % {"date": request.effective_from})
    changes = dict(request.changes)
    requested_targets = changes.pop(PERIOD_TARGETS, None) or {}
    latest = max(kpi.versions.all(), key=lambda v: v.number)
    version = _candidate(kpi, changes, request.effective_from)
    version.created_by = by
    # The new version carries the latest version's single-period targets from its start on, then the request's.
    carried = (
        {day: t for day, t in _targets_of(latest).items() if day >= request.effective_from}
        if version.frequency == latest.frequency
        else {}
    )
    fiscal = by.organization.fiscal_year_start_month
    targets = _merge_targets(carried, _parse_targets(requested_targets, frequency=version.frequency, fiscal=fiscal))
    with transaction.atomic():
        version.save()
        _save_targets(version, targets)
        request.state, request.decided_by, request.decided_at = ChangeRequestState.APPROVED, by, timezone.now()
        request.comment, request.version = (comment or "").strip(), version
        request.save(update_fields=["state", "decided_by", "decided_at", "comment", "version"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=kpi,
            action="change_approved",
            changes={
                "version": [version.number - 1, version.number],
                "effective_from": [None, version.effective_from.isoformat()],
            },
        )
        _judge(by.organization, kpi)
        _tell_requester(by, request)
    return version


def change_request_reject(*, by: Membership, request: ChangeRequest, comment: str) -> ChangeRequest:
    """Reject with a reason the requester can act on; the KPI keeps its rules."""
    orgs_access.require_writer(by)
    _require_approver(by, request)
    if not (comment or "").strip():
        raise ValidationError("comment", _("Say why the change is rejected."))
    with transaction.atomic():
        request.state, request.decided_by, request.decided_at = ChangeRequestState.REJECTED, by, timezone.now()
        request.comment = comment.strip()
        request.save(update_fields=["state", "decided_by", "decided_at", "comment"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=request.kpi,
            action="change_rejected",
            changes={"comment": [None, request.comment]},
        )
        _tell_requester(by, request)
    return request


def _tell_requester(by: Membership, request: ChangeRequest) -> None:
    approved = request.state == ChangeRequestState.APPROVED
    webhook_emit(
        organization_id=by.organization_id, event="change_request.decided", data=change_request_data(by, request)
    )
    notify(
        actor=by,
        recipients=[request.requested_by],
        event="change_request.approved" if approved else "change_request.rejected",
        obj=request.kpi,
        url=alerts.kpi_url(request.kpi) + "#change-requests",
        params={"title": request.kpi.name, "comment": excerpt(request.comment)},
    )
