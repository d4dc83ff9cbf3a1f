"""Lotus Distribution's OKRs: last quarter closed with scores and retrospectives, this quarter active with
weekly check-ins, a company objective aligned down through teams to a person, key results driven by KPIs,
and the marketing objective from the template library: "Improve free trial experience in order to increase
new customer acquisition" with five "from X to Y" key results.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tandem.core.periods import local_today, period_of
from tandem.kpis.models import Kpi
from tandem.okrs import check_ins, services, templating
from tandem.okrs.models import CheckIn, KeyResult, Objective, ResultType
from tandem.orgs.models import Membership, Team

# title, owner email (a person) or team name, parent title, kind, key results:
# (title, type, start, target, current share of the way, unit, KPI key or None, confidence)
CURRENT: list[tuple[str, str, str | None, str, list[tuple[str, str, str, str, float | None, str, str | None, str]]]] = [
    (
        "Grow profitably without filling the warehouse",
        "company",
        None,
        "committed",
        [
            ("Net revenue per month", "number", "11", "14", None, "bn VND", "net_revenue", "on_track"),
            ("Stock days", "number", "74", "50", None, "days", "stock_days", "off_track"),
            ("Overdue receivables", "number", "5.9", "3", None, "bn VND", "overdue_receivables", "at_risk"),
        ],
    ),
    (
        "Sell what customers keep",
        "team:Sales",
        "Grow profitably without filling the warehouse",
        "committed",
        [
            ("Return rate", "percent", "3.5", "2", None, "%", "return_rate", "at_risk"),
            ("Average discount", "percent", "10.8", "8", None, "%", "average_discount", "off_track"),
        ],
    ),
    (
        "Win 30 new accounts in the south",
        "team:Sales South",
        "Sell what customers keep",
        "aspirational",
        [
            ("New accounts signed", "number", "0", "30", 0.55, "accounts", None, "on_track"),
            ("Accounts paying within 30 days", "percent", "60", "90", 0.4, "%", None, "at_risk"),
        ],
    ),
    (
        "Open 10 pharmacy accounts in District 7",
        "an.pham@lotus.example",
        "Win 30 new accounts in the south",
        "committed",
        [
            ("Pharmacies signed", "number", "0", "10", 0.6, "accounts", None, "on_track"),
            ("Demo visits", "number", "0", "40", 0.7, "visits", None, "on_track"),
            ("Referral offer launched", "yes_no", "0", "1", 1, "", None, "on_track"),
        ],
    ),
    (
        "Clear the slow movers",
        "team:Warehouse",
        "Grow profitably without filling the warehouse",
        "committed",
        [
            ("Slow-moving SKUs", "number", "120", "40", 0.35, "SKUs", None, "off_track"),
            ("Clearance plan", "milestones", "0", "4", 2, "", None, "at_risk"),
        ],
    ),
]
MILESTONES = ["Agree the list with sales", "Price the clearance", "Run the clearance sale", "Write off the rest"]
LAST_QUARTER: list[tuple[str, str, str, list[tuple[str, str, str, float, str | None]], str, str]] = [
    (
        "Launch the new ordering app for pharmacies",
        "team:Product",
        "aspirational",
        [("Pharmacies ordering in the app", "0", "200", 0.62, None), ("App rating", "3.5", "4.5", 0.8, "0.7")],
        "Pharmacists liked ordering at night; the pilot in District 1 sold itself.",
        "Start the sales team's training before the launch, not after.",
    ),
    (
        "Close the books in five days",
        "team:Finance",
        "committed",
        [("Days to close", "9", "5", 1.0, None), ("Manual journal entries", "300", "100", 0.75, None)],
        "Automated bank reconciliation saved two days.",
        "Chase the warehouse's stock counts earlier in the month.",
    ),
]


def _people(admin: Membership) -> dict[str, Membership]:
    return {m.user.email: m for m in Membership.objects.for_org(admin.organization).select_related("user")}


def _owner(spec: str, people: dict[str, Membership], teams: dict[str, Team]) -> dict[str, Any]:
    if spec == "company":
        return {}
    if spec.startswith("team:"):
        return {"team": teams[spec[5:]].pk}
    return {"owner": people[spec].pk}


def _author(spec: str, people: dict[str, Membership], teams: dict[str, Team], admin: Membership) -> Membership:
    if spec == "company":
        return admin
    if spec.startswith("team:"):
        manager = teams[spec[5:]].manager
        return manager if manager is not None else admin
    return people[spec]


def _backdate(key_result: KeyResult, weeks: list[datetime.datetime]) -> None:
    """Demo history: spread a key result's check-ins over the weeks of the cycle so far."""
    history = list(CheckIn.objects.for_org(key_result.organization_id).filter(key_result=key_result).order_by("id"))
    for check_in, when in zip(history, weeks[-len(history) :], strict=False):
        check_in.created_at = when
    CheckIn.objects.for_org(key_result.organization_id).bulk_update(history, ["created_at"])
    if history:
        KeyResult.objects.for_org(key_result.organization_id).filter(pk=key_result.pk).update(
            last_check_in_at=history[-1].created_at
        )


def _weekly(
    key_result: KeyResult, by: Membership, share: float, confidence: str, weeks: int, rng: random.Random
) -> None:
    """Weekly check-ins climbing (with some noise) to ``share`` of the way from start to target."""
    if key_result.type == ResultType.YES_NO:
        check_ins.key_result_check_in(by=by, key_result=key_result, value=round(share), confidence=confidence)
        return
    start, target = float(key_result.start_value), float(key_result.target_value)
    for week in range(1, weeks + 1):
        step = share * week / weeks
        noisy = step + (rng.uniform(-0.05, 0.05) if week < weeks else 0)
        value = Decimal(str(round(start + (target - start) * max(0.0, noisy), 1)))
        check_ins.key_result_check_in(
            by=by,
            key_result=key_result,
            value=value,
            confidence=confidence if week == weeks else "on_track",
            note="" if week < weeks else "Weekly check-in.",
        )


def load(admin: Membership) -> None:
    """Two cycles of OKRs for the demo company, created through the services as their owners would."""
    org = admin.organization
    people = _people(admin)
    teams = {t.name: t for t in Team.objects.for_org(org).select_related("manager__user")}
    today = local_today(org.tz)
    quarter = period_of("quarter", today, fiscal_start_month=org.fiscal_year_start_month)
    previous = quarter.previous()
    rng = random.Random(20261201)
    last_day = quarter.end - datetime.timedelta(days=1)
    now = timezone.now()
    weeks_so_far = max(1, min(12, (today - quarter.start).days // 7))
    week_times = [now - datetime.timedelta(days=7 * (weeks_so_far - i)) for i in range(weeks_so_far + 1)]
    # Last quarter's check-ins: every other week from its second week on.
    first = datetime.datetime.combine(previous.start, datetime.time(9), tzinfo=org.tz)
    past_weeks = [first + datetime.timedelta(days=14 * i + 7) for i in range(6)]

    # Last quarter: done, scored, reflected.
    closed = services.cycle_create(
        by=admin, name=previous.label, start=previous.start, end=previous.end - datetime.timedelta(days=1)
    )
    services.cycle_advance(by=admin, cycle=closed, state="active")
    finished: list[tuple[Objective, Membership, list[tuple[KeyResult, str | None]], str, str]] = []
    for title, owner, kind, results, went_well, to_change in LAST_QUARTER:
        author = _author(owner, people, teams, admin)
        objective = services.objective_create(
            by=author, cycle=closed, title=title, kind=kind, **_owner(owner, people, teams)
        )
        made = []
        for kr_title, start, target, share, score in results:
            kr = services.key_result_create(
                by=author, objective=objective, title=kr_title, start_value=start, target_value=target
            )
            _weekly(kr, author, share, "on_track", 6, rng)
            _backdate(kr, past_weeks)
            made.append((kr, score))
        finished.append((objective, author, made, went_well, to_change))
    services.cycle_advance(by=admin, cycle=closed, state="closing")
    for objective, author, made, went_well, to_change in finished:
        for kr, score in made:
            kr.refresh_from_db()
            if score is not None:
                check_ins.key_result_score(
                    by=author, key_result=kr, score=score, reason="The rating counts reviews we asked for."
                )
        check_ins.objective_reflect(by=author, objective=objective, went_well=went_well, to_change=to_change)
    services.cycle_advance(by=admin, cycle=closed, state="closed")

    # This quarter: active, with weekly check-ins.
    current = services.cycle_create(by=admin, name=quarter.label, start=quarter.start, end=last_day)
    services.cycle_advance(by=admin, cycle=current, state="active")
    kpis = {k.key: k for k in Kpi.objects.for_org(org)}
    made_objectives: dict[str, Objective] = {}
    for title, owner, parent, kind, planned in CURRENT:
        author = _author(owner, people, teams, admin)
        objective = services.objective_create(
            by=author,
            cycle=current,
            title=title,
            kind=kind,
            parent=made_objectives[parent].pk if parent else None,
            **_owner(owner, people, teams),
        )
        made_objectives[title] = objective
        for kr_title, kind_, start, target, reached, unit, kpi_key, confidence in planned:
            kr = services.key_result_create(
                by=author,
                objective=objective,
                title=kr_title,
                type=kind_,
                start_value=start,
                target_value=target,
                unit=unit,
                owner=people["an.pham@lotus.example"].pk if owner == "an.pham@lotus.example" else None,
                kpi=kpis[kpi_key].pk if kpi_key in kpis else None,
                milestones=MILESTONES if kind_ == ResultType.MILESTONES else None,
            )
            if kind_ == ResultType.MILESTONES:
                for milestone in kr.milestones.all()[: int(reached or 0)]:
                    check_ins.milestone_set(by=author, milestone=milestone, done=True)
                _backdate(kr, week_times)
            elif kpi_key is None:
                _weekly(kr, kr.owner, float(reached or 0), confidence, weeks_so_far, rng)
                _backdate(kr, week_times)
            else:
                KeyResult.objects.for_org(org).filter(pk=kr.pk).update(confidence=confidence)
                check_ins.objective_recompute(objective=kr.objective)
    marketing = teams["Marketing"]
    trial = templating.objective_from_template(
        by=marketing.manager or admin,
        template="marketing_free_trial_acquisition",
        cycle=current,
        team=marketing.pk,
        parent=made_objectives["Grow profitably without filling the warehouse"].pk,
        language="en",
    )
    for kr in trial.key_results.all():
        if kr.kpi_id is None:
            _weekly(kr, kr.owner, rng.uniform(0.3, 0.7), rng.choice(["on_track", "at_risk"]), weeks_so_far, rng)
            _backdate(kr, week_times)
