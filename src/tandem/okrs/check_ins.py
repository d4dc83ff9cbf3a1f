"""Check-ins, roll-ups, scoring at the close, carry-over and comments.

A check-in touches its key result, its objective and the objective's ancestors only: each objective keeps
its own progress and the count and progress sum of everything aligned under it, so the tree's roll-up is
one UPDATE of the ancestors by the change, never a walk of the tree.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import Conflict, ValidationError
from tandem.core.periods import local_today
from tandem.integrations.webhooks import check_in_data, webhook_emit
from tandem.kpis import selectors as kpi_selectors
from tandem.notifications.mentions import comment_notify
from tandem.okrs import access, progress, selectors
from tandem.okrs.models import (
    AT_RISK,
    CheckIn,
    CheckInSource,
    Comment,
    Confidence,
    Cycle,
    CycleState,
    KeyResult,
    KpiRule,
    Milestone,
    Objective,
    ResultType,
)
from tandem.okrs.services import _owners, _shift_ancestors, ancestor_ids, decimal_of, objective_create, objective_url
from tandem.orgs import access as orgs_access
from tandem.orgs.models import Membership


def objective_recompute(*, objective: Objective) -> Decimal:
    """The objective's progress from its key results (weighted mean, in SQL), with the change passed on to
    its ancestors' roll-up, and whether one of them is at risk. Returns the new progress."""
    totals = (
        KeyResult.objects.for_org(objective.organization_id)
        .filter(objective=objective)
        .aggregate(
            weighted=Sum(F("weight") * F("progress")),
            weights=Sum("weight"),
            risky=Count("pk", filter=Q(confidence__in=AT_RISK)),
        )
    )
    weights = totals["weights"] or Decimal(0)
    new = progress.four(Decimal(totals["weighted"]) / Decimal(weights)) if weights else Decimal(0)
    at_risk = bool(totals["risky"])
    kept = Objective.objects.for_org(objective.organization_id).filter(pk=objective.pk)
    old, was_at_risk = kept.values_list("progress", "at_risk").get()
    if (new, at_risk) != (old, was_at_risk):
        kept.update(progress=new, at_risk=at_risk)
    if new != old:
        _shift_ancestors(objective.organization_id, ancestor_ids(objective), 0, new - old)
    objective.progress, objective.at_risk = new, at_risk
    return new


def _move(
    *, key_result: KeyResult, value: Decimal, confidence: str, note: str, source: str, by: Membership | None
) -> CheckIn:
    key_result.current_value = value
    key_result.progress = progress.key_result_progress(key_result.start_value, key_result.target_value, value)
    if confidence:
        key_result.confidence = confidence
    key_result.last_check_in_at = timezone.now()
    key_result.save(update_fields=["current_value", "progress", "confidence", "last_check_in_at"])
    check_in = CheckIn.objects.for_org(key_result.organization_id).create(
        organization_id=key_result.organization_id,
        key_result=key_result,
        value=value,
        confidence=confidence,
        note=note,
        source=source,
        author=by,
    )
    objective_recompute(objective=key_result.objective)
    webhook_emit(organization_id=key_result.organization_id, event="check_in.created", data=check_in_data(check_in))
    return check_in


def key_result_check_in(
    *, by: Membership, key_result: KeyResult, value: object, confidence: str = "", note: str = ""
) -> CheckIn:
    """Record a key result's new value, how confident its owner is, and a note, while the cycle is active."""
    access.require_edit_key_result(by, key_result)
    cycle = key_result.objective.cycle
    access.require_state(
        cycle,
        CycleState.ACTIVE,
        _("Check-ins are made while the cycle is active; %(cycle)s is %(state)s.")
        % {"cycle": cycle.name, "state": cycle.get_state_display().lower()},
    )
    if confidence and confidence not in Confidence.values:
        raise ValidationError("confidence", _("Choose on track, at risk or off track."))
    if value is None or value == "":
        raise ValidationError("value", _("Give the key result's new value."))
    if isinstance(value, bool):
        value = int(value)
    amount = decimal_of(value, "value")
    if key_result.type == ResultType.YES_NO and amount not in (0, 1):
        raise ValidationError("value", _("A yes/no key result takes 1 (done) or 0 (not yet)."))
    if key_result.type == ResultType.MILESTONES:
        raise ValidationError("value", _("Tick its milestones instead: their share done is its progress."))
    with transaction.atomic():
        before = audit.snapshot(key_result, ["current_value", "confidence"])
        check_in = _move(
            key_result=key_result,
            value=amount,
            confidence=confidence,
            note=note or "",
            source=CheckInSource.MANUAL,
            by=by,
        )
        audit.record(
            organization=by.organization,
            actor=by,
            obj=key_result,
            action="checked_in",
            changes=audit.diff(before, audit.snapshot(key_result, ["current_value", "confidence"])),
        )
    return check_in


def milestone_set(*, by: Membership, milestone: Milestone, done: bool, note: str = "") -> CheckIn:
    """Tick (or untick) a milestone: the key result checks in with its number of milestones done."""
    key_result = milestone.key_result
    access.require_edit_key_result(by, key_result)
    access.require_state(
        key_result.objective.cycle, CycleState.ACTIVE, _("Milestones are ticked while the cycle is active.")
    )
    with transaction.atomic():
        milestone.done = done
        milestone.save(update_fields=["done"])
        count = Milestone.objects.for_org(by.organization).filter(key_result=key_result, done=True).count()
        check_in = _move(
            key_result=key_result,
            value=Decimal(count),
            confidence=key_result.confidence,
            note=note,
            source=CheckInSource.MANUAL,
            by=by,
        )
        audit.record(
            organization=by.organization,
            actor=by,
            obj=key_result,
            action="milestone_done" if done else "milestone_undone",
            changes={"milestone": [None, milestone.title]},
        )
    return check_in


def _kpi_value(
    kr: KeyResult, cycle: Cycle, today: datetime.date, seen: dict[tuple[int, int], dict[Any, Decimal]]
) -> Decimal | None:
    """The KR's value from its KPI over the cycle; ``seen`` keeps each KPI's periods for the cycle, so the key
    results that follow one KPI in one cycle share one query."""
    kpi = kr.kpi
    assert kpi is not None
    version = kpi_selectors.version_on(kpi, today)
    last = min(cycle.end, today)
    if last < cycle.start:
        return None
    if (kpi.pk, cycle.pk) not in seen:
        seen[kpi.pk, cycle.pk] = kpi_selectors.period_values(
            kpi=kpi, grain=version.frequency, first=cycle.start, last=last, aggregation=version.aggregation
        )
    values = seen[kpi.pk, cycle.pk]
    if not values:
        return None
    periods = sorted(values, key=lambda p: p.start)
    ordered = [values[p] for p in periods]
    if kr.kpi_rule == KpiRule.SUM:
        return sum(ordered, Decimal(0))
    if kr.kpi_rule == KpiRule.AVERAGE:
        return (sum(ordered, Decimal(0)) / len(ordered)).quantize(Decimal("0.000001"))
    # The latest period, and for a summed KPI whose period still runs, what it is on pace for (as its status).
    return kpi_selectors.judged(ordered[-1], periods[-1], today, version.aggregation)[1]


def key_results_follow_kpis(
    *, organization_id: int, kpi_ids: list[int], key_results: list[KeyResult] | None = None
) -> int:
    """Key results linked to these KPIs, in active cycles, take their value from the KPI's data over the
    cycle (latest period, sum or average, as each says) and record it as a check-in from "KPI". Returns
    how many moved."""
    if key_results is None:
        key_results = list(
            KeyResult.objects.for_org(organization_id)
            .filter(kpi_id__in=kpi_ids, objective__cycle__state=CycleState.ACTIVE)
            .select_related("objective__cycle", "kpi__organization")
            .prefetch_related(*[f"kpi__{name}" for name in kpi_selectors.RULES])
        )
    moved = 0
    seen: dict[tuple[int, int], dict[Any, Decimal]] = {}
    for kr in key_results:
        cycle = kr.objective.cycle
        if kr.kpi is None or cycle.state != CycleState.ACTIVE or kr.type == ResultType.MILESTONES:
            continue
        value = _kpi_value(kr, cycle, local_today(kr.kpi.organization.tz), seen)
        if value is None or value == kr.current_value:
            continue
        if kr.type == ResultType.YES_NO:
            value = Decimal(1) if value >= 1 else Decimal(0)
        _move(key_result=kr, value=value, confidence=kr.confidence, note="", source=CheckInSource.KPI, by=None)
        moved += 1
    return moved


def key_result_score(*, by: Membership, key_result: KeyResult, score: object, reason: str) -> KeyResult:
    """While the cycle is closing, the owner scores a key result 0.0–1.0; a score other than its progress
    needs the reason."""
    access.require_edit_key_result(by, key_result)
    access.require_state(
        key_result.objective.cycle, CycleState.CLOSING, _("Key results are scored while the cycle is closing.")
    )
    value = decimal_of(score, "score")
    if not Decimal(0) <= value <= Decimal(1):
        raise ValidationError("score", _("A score runs from 0.0 to 1.0."))
    value = progress.four(value)
    if value != key_result.progress and not (reason or "").strip():
        raise ValidationError(
            "score_reason", _("Say why the score differs from the progress (%(p)s).") % {"p": key_result.progress}
        )
    with transaction.atomic():
        before = audit.snapshot(key_result, ["score", "score_reason"])
        key_result.score, key_result.score_reason = value, (reason or "").strip()
        key_result.save(update_fields=["score", "score_reason"])
        objective_score(objective=key_result.objective)
        audit.record(
            organization=by.organization,
            actor=by,
            obj=key_result,
            action="scored",
            changes=audit.diff(before, audit.snapshot(key_result, ["score", "score_reason"])),
        )
    return key_result


def objective_score(*, objective: Objective) -> Decimal:
    """The weighted mean of its key results' scores, each defaulting to its progress."""
    results = list(KeyResult.objects.for_org(objective.organization_id).filter(objective=objective))
    score = progress.weighted_mean((kr.weight, kr.score if kr.score is not None else kr.progress) for kr in results)
    Objective.objects.for_org(objective.organization_id).filter(pk=objective.pk).update(score=score)
    objective.score = score
    return score


def cycle_score(*, cycle: Cycle) -> None:
    """At the close, every objective gets its score (key results not scored by hand count their progress)."""
    for objective in Objective.objects.for_org(cycle.organization_id).filter(cycle=cycle):
        objective_score(objective=objective)


def objective_reflect(*, by: Membership, objective: Objective, went_well: str, to_change: str) -> Objective:
    """The short retrospective of an objective, written while the cycle is closing."""
    access.require_edit_objective(by, objective)
    access.require_state(
        objective.cycle, CycleState.CLOSING, _("The retrospective is written while the cycle is closing.")
    )
    if not (went_well or "").strip() and not (to_change or "").strip():
        raise ValidationError("went_well", _("Say what went well or what to change."))
    with transaction.atomic():
        before = audit.snapshot(objective, ["went_well", "to_change"])
        objective.went_well, objective.to_change = (went_well or "").strip(), (to_change or "").strip()
        objective.save(update_fields=["went_well", "to_change"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=objective,
            action="reflected",
            changes=audit.diff(before, audit.snapshot(objective, ["went_well", "to_change"])),
        )
    return objective


def objective_carry_over(*, by: Membership, objective: Objective, cycle: Cycle) -> Objective:
    """Copy an unfinished objective of a closed cycle into another cycle, linked to its origin: its key results
    start where they ended and keep their targets."""
    access.require_edit_objective(by, objective)
    access.require_state(
        objective.cycle, CycleState.CLOSED, _("Objectives are carried over once their cycle is closed.")
    )
    if cycle.pk == objective.cycle_id:
        raise ValidationError("cycle", _("Choose another cycle to carry the objective over to."))
    if objective.progress >= 1:
        raise Conflict(_("This objective was completed; there is nothing to carry over."))
    parent = objective.parent if objective.parent is not None and objective.parent.cycle.encloses(cycle) else None
    with transaction.atomic():
        copy = objective_create(
            by=by,
            cycle=cycle,
            title=objective.title,
            description=objective.description,
            owner=objective.owner_id,
            team=objective.team_id,
            kind=objective.kind,
            parent=parent.pk if parent else None,
            visibility=objective.visibility,
            carried_from=objective,
        )
        from tandem.okrs.services import key_result_create

        for kr in KeyResult.objects.for_org(by.organization).filter(objective=objective).prefetch_related("milestones"):
            if kr.progress >= 1:
                continue
            key_result_create(
                by=by,
                objective=copy,
                title=kr.title,
                type=kr.type,
                start_value=kr.current_value if kr.type not in (ResultType.YES_NO, ResultType.MILESTONES) else 0,
                target_value=kr.target_value,
                unit=kr.unit,
                weight=kr.weight,
                owner=kr.owner_id,
                kpi=kr.kpi_id,
                kpi_rule=kr.kpi_rule,
                milestones=[m.title for m in kr.milestones.all()] if kr.type == ResultType.MILESTONES else None,
            )
    return copy


def comment_add(*, by: Membership, objective: Objective, body: str, key_result: KeyResult | None = None) -> Comment:
    """A comment on an objective (or one of its key results), by anyone who may see it and writes. The people
    it mentions with @handle are told if they may see the objective; so are the key result's owner and the
    objective's (its owner, or its team's manager), unless they wrote it or were mentioned."""
    orgs_access.require_writer(by)
    if not (body or "").strip():
        raise ValidationError("body", _("Write the comment."))
    if key_result is not None and key_result.objective_id != objective.pk:
        raise ValidationError("key_result", _("That key result belongs to another objective."))
    with transaction.atomic():
        comment = Comment.objects.for_org(by.organization).create(
            organization=by.organization, objective=objective, key_result=key_result, author=by, body=body.strip()
        )
        audit.record(
            organization=by.organization,
            actor=by,
            obj=objective,
            action="commented",
            changes={"comment": [None, comment.body[:200]]},
        )
        comment_notify(
            by=by,
            obj=key_result or objective,
            body=comment.body,
            title=(key_result or objective).title,
            url=f"{objective_url(objective)}#comment-{comment.pk}",
            owners=[key_result.owner if key_result else None, *_owners([objective])],
            may_see=lambda person: selectors.may_see_objective(person, objective),
        )
    return comment
