"""The OKR part of the benchmark: a large cycle's tree, and a check-in's cost through the roll-up.

``generate_okrs`` fills the "bench" organization (made by ``run.generate``) once with an active quarter of
objectives in a tree five levels deep (company, three levels of teams, people), three key results each and
their check-ins, every stored roll-up consistent with what the services maintain; ``scenarios`` names the
pages and API calls to time; ``measure_check_ins`` times check-ins and counts the rows they touch.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

# Share of the objectives at levels 2 to 4 (teams); level 1 has a few company objectives, level 5 (people)
# the rest: 5, 200, 800, 3,000 and 15,995 of 20,000.
TEAM_LEVEL_SHARES = (0.01, 0.04, 0.15)
COMPANY_OBJECTIVES = 5
CENT = Decimal("0.01")
VERBS = ("Grow", "Raise", "Cut", "Launch", "Improve", "Win", "Simplify", "Delight", "Automate", "Expand")
NOUNS = (
    "revenue",
    "retention",
    "onboarding",
    "the partner network",
    "delivery speed",
    "customer trust",
    "margins",
    "the mobile app",
    "quality",
    "hiring",
)


def _spread(total: int, over: int) -> list[int]:
    """``total`` split over ``over`` slots as evenly as possible."""
    if over <= 0:
        return []
    return [total // over + (1 if i < total % over else 0) for i in range(over)]


def _level_sizes(objectives: int) -> list[int]:
    sizes = [min(COMPANY_OBJECTIVES, objectives)]
    for share in TEAM_LEVEL_SHARES:
        left = objectives - sum(sizes)
        sizes.append(min(left, max(1, int(objectives * share))) if left > 0 else 0)
    sizes.append(objectives - sum(sizes))
    return sizes


def _key_result_spec(rng: random.Random) -> dict[str, Any]:
    """Start, target and current value of one key result (numbers, percentages, some decreasing, a few
    yes/no), as ``services.key_result_create`` would accept them."""
    from tandem.okrs import progress

    roll = rng.random()
    if roll < 0.05:
        kind, unit, start, target = "yes_no", "", Decimal(0), Decimal(1)
        current = Decimal(1) if rng.random() < 0.3 else Decimal(0)
    else:
        if roll < 0.25:
            kind, unit = "percent", "%"
            start = Decimal(rng.randint(0, 50))
            target = start + rng.randint(10, 50)
        else:
            kind, unit = "number", rng.choice(("", "customers", "tickets", "days", "k USD"))
            start = Decimal(rng.choice((0, 0, 10, 50, 100, 200)))
            span = Decimal(rng.choice((10, 20, 50, 100, 1000)))
            # One in five moves down ("churn from 8 to 5").
            target = start - span if rng.random() < 0.2 and start >= span else start + span
        share = Decimal(str(round(rng.uniform(-0.1, 1.15), 3)))
        current = (start + (target - start) * share).quantize(CENT)
    return {
        "type": kind,
        "unit": unit,
        "start_value": start,
        "target_value": target,
        "current_value": current,
        "weight": Decimal(2) if rng.random() < 0.2 else Decimal(1),
        "progress": progress.key_result_progress(start, target, current),
    }


def _check_in_plan(
    rng: random.Random, spec: dict[str, Any], count: int, first: datetime.datetime, now: datetime.datetime
) -> list[tuple[datetime.datetime, Decimal, str]]:
    """``count`` check-ins (time, value, confidence) spread over the cycle so far, one in each equal slot,
    walking from the start value to the current one (the last is the current value)."""
    window = now - first
    confidences = ("on_track",) * 6 + ("at_risk",) * 3 + ("off_track",)
    start, current = spec["start_value"], spec["current_value"]
    plan = []
    for i in range(count):
        at = first + window * ((i + 0.1 + 0.8 * rng.random()) / count)
        if i == count - 1:
            value = current
        elif spec["type"] == "yes_no":
            value = Decimal(0)
        else:
            value = (start + (current - start) * Decimal(i + 1) / count).quantize(CENT)
        plan.append((at, value, rng.choice(confidences)))
    return plan


def generate_okrs(objectives: int = 20_000, key_results: int = 60_000, check_ins: int = 500_000) -> None:
    """An active quarter (the one containing today) with ``objectives`` objectives five levels deep,
    ``key_results`` key results spread over them and ``check_ins`` check-ins spread over those, plus the
    closed quarter before it with the company's objectives scored. Created once (skipped when the bench
    organization has an active cycle; a half-made one from an interrupted run is dropped first)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tandem.core import periods
    from tandem.okrs import progress
    from tandem.okrs.models import AT_RISK, CheckIn, Cycle, KeyResult, Objective
    from tandem.orgs.models import Membership, Organization, Team

    org = Organization.objects.get(slug="bench")
    if Cycle.objects.for_org(org).filter(state="active").exists():
        return
    started = time.perf_counter()
    Cycle.objects.for_org(org).delete()  # what an interrupted run left (created in planning, activated last)
    rng = random.Random(7)
    fiscal = org.fiscal_year_start_month
    quarter = periods.period_of("quarter", periods.local_today(org.tz), fiscal_start_month=fiscal)
    previous = quarter.previous()
    one_day = datetime.timedelta(days=1)
    admin = Membership.objects.for_org(org).get(user__email="person0@bench.example")
    members = list(Membership.objects.for_org(org).order_by("pk").values_list("pk", flat=True))
    teams = list(Team.objects.for_org(org).order_by("pk").values_list("pk", "parent_id", "manager_id"))
    depth: dict[int, int] = {}
    for pk, parent_id, _manager in teams:  # parents come first: the teams were created level by level
        depth[pk] = depth[parent_id] + 1 if parent_id in depth else 0
    manager = {pk: manager_id or admin.pk for pk, _parent, manager_id in teams}
    by_depth = [
        [pk for pk, _p, _m in teams if test(depth[pk])]
        for test in (lambda d: d <= 2, lambda d: d == 3, lambda d: d >= 4)
    ]
    by_depth = [group or [pk for pk, _p, _m in teams] for group in by_depth]

    closed = Cycle.objects.for_org(org).create(
        organization=org,
        name=previous.label,
        kind="quarter",
        start=previous.start,
        end=previous.end - one_day,
        state="closed",
    )
    cycle = Cycle.objects.for_org(org).create(
        organization=org, name=quarter.label, kind="quarter", start=quarter.start, end=quarter.end - one_day
    )

    # The tree in memory first (parent index, owner, team, key results), so that every objective's progress
    # and the count and progress sum of everything under it are known before it is inserted.
    sizes = _level_sizes(objectives)
    level_of: list[int] = []
    parent_of: list[int | None] = []
    for number, size in enumerate(sizes):
        above = [i for i, lv in enumerate(level_of) if lv == number - 1]
        for j in range(size):
            level_of.append(number)
            parent_of.append(above[j % len(above)] if above else None)
    kr_counts = _spread(key_results, len(level_of))
    specs = [[_key_result_spec(rng) for _ in range(n)] for n in kr_counts]
    own = [progress.weighted_mean((s["weight"], s["progress"]) for s in krs) for krs in specs]
    below = [0] * len(level_of)
    below_progress = [Decimal(0)] * len(level_of)
    for i in range(len(level_of) - 1, -1, -1):  # children come after their parents
        parent = parent_of[i]
        if parent is not None:
            below[parent] += 1 + below[i]
            below_progress[parent] += own[i] + below_progress[i]

    owners: list[int | None] = []
    team_of: list[int | None] = []
    counters = [0, 0, 0, 0, 0]
    for number in level_of:
        n = counters[number]
        counters[number] += 1
        if number == 0:
            owners.append(None)
            team_of.append(None)
        elif number < 4:
            group = by_depth[number - 1]
            owners.append(None)
            team_of.append(group[n % len(group)])
        else:
            owners.append(members[n % len(members)])
            team_of.append(None)

    pks: list[int] = [0] * len(level_of)
    paths: list[str] = [""] * len(level_of)
    kinds = ("company", "team", "team", "team", "person")
    for number in range(len(sizes)):
        indexes = [i for i, lv in enumerate(level_of) if lv == number]
        rows = []
        for i in indexes:
            parent = parent_of[i]
            paths[i] = "/" if parent is None else f"{paths[parent]}{pks[parent]}/"
            rows.append(
                Objective(
                    organization=org,
                    cycle=cycle,
                    title=f"{rng.choice(VERBS)} {rng.choice(NOUNS)} ({kinds[number]} {i:05d})",
                    owner_id=owners[i],
                    team_id=team_of[i],
                    level=kinds[number],
                    kind="aspirational" if rng.random() < 0.3 else "committed",
                    parent_id=None if parent is None else pks[parent],
                    path=paths[i],
                    depth=paths[i].count("/") - 1,
                    visibility="private" if number == 4 and rng.random() < 0.03 else "public",
                    progress=own[i],
                    descendants=below[i],
                    descendants_progress=below_progress[i],
                )
            )
        with transaction.atomic():
            created = Objective.objects.for_org(org).bulk_create(rows, batch_size=2000)
        for i, objective in zip(indexes, created, strict=True):
            pks[i] = objective.pk

    # Key results and their check-ins, a few thousand objectives at a time. The check-ins' times are the
    # bench's, not "now" (auto_now_add is switched off for the load only).
    now = timezone.now()
    first, _end = periods.bounds_utc(quarter, org.tz)
    per_kr = _spread(check_ins, key_results)
    created_at = CheckIn._meta.get_field("created_at")
    created_at.auto_now_add = False  # type: ignore[attr-defined]
    try:
        k = 0
        for chunk in range(0, len(level_of), 2000):
            results: list[KeyResult] = []
            plans = []
            for i in range(chunk, min(chunk + 2000, len(level_of))):
                owner = owners[i] or (manager[team_of[i]] if team_of[i] else admin.pk)
                for position, spec in enumerate(specs[i]):
                    plan = _check_in_plan(rng, spec, per_kr[k], first, now)
                    k += 1
                    plans.append(plan)
                    results.append(
                        KeyResult(
                            organization=org,
                            objective_id=pks[i],
                            title=f"{spec['type'].replace('_', '/')} result {position + 1} of objective {i:05d}",
                            type=spec["type"],
                            start_value=spec["start_value"],
                            target_value=spec["target_value"],
                            current_value=spec["current_value"],
                            unit=spec["unit"],
                            weight=spec["weight"],
                            owner_id=owner,
                            progress=spec["progress"],
                            confidence=plan[-1][2] if plan else "",
                            last_check_in_at=plan[-1][0] if plan else None,
                            position=position,
                        )
                    )
            with transaction.atomic():
                KeyResult.objects.for_org(org).bulk_create(results, batch_size=2000)
                CheckIn.objects.for_org(org).bulk_create(
                    (
                        CheckIn(
                            organization=org,
                            key_result_id=kr.pk,
                            value=value,
                            confidence=confidence,
                            source="manual",
                            author_id=kr.owner_id,
                            created_at=at,
                        )
                        for kr, plan in zip(results, plans, strict=True)
                        for at, value, confidence in plan
                    ),
                    batch_size=5000,
                )
    finally:
        created_at.auto_now_add = True  # type: ignore[attr-defined]

    # The closed quarter: the company's objectives again, scored (a score is the progress unless set by hand).
    with transaction.atomic():
        old = Objective.objects.for_org(org).bulk_create(
            Objective(
                organization=org,
                cycle=closed,
                title=f"{rng.choice(VERBS)} {rng.choice(NOUNS)} (last quarter {n})",
                level="company",
                progress=own[n],
                score=own[n],
            )
            for n in range(sizes[0])
        )
        KeyResult.objects.for_org(org).bulk_create(
            KeyResult(
                organization=org,
                objective=objective,
                title=f"result {position + 1}",
                type=spec["type"],
                start_value=spec["start_value"],
                target_value=spec["target_value"],
                current_value=spec["current_value"],
                unit=spec["unit"],
                weight=spec["weight"],
                owner_id=admin.pk,
                progress=spec["progress"],
                score=spec["progress"],
                position=position,
            )
            for n, objective in enumerate(old)
            for position, spec in enumerate(specs[n])
        )
        Cycle.objects.for_org(org).filter(pk=cycle.pk).update(state="active")
        # What ``objective_recompute`` keeps on each objective as its key results change.
        risky = KeyResult.objects.for_org(org).filter(confidence__in=AT_RISK).values("objective_id")
        Objective.objects.for_org(org).filter(pk__in=risky).update(at_risk=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"generated {len(level_of)} objectives (levels {'/'.join(map(str, sizes))}), {key_results} key results and "
        f"{check_ins} check-ins in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def active_cycle(org: Any) -> Any:
    from tandem.okrs.models import Cycle

    return Cycle.objects.for_org(org).filter(state="active").order_by("-start", "pk").first()


def descend(org: Any, cycle: Any, steps: int) -> Any:
    """The objective ``steps`` levels under the cycle's first root (first child each time)."""
    from tandem.okrs.models import Objective

    found = Objective.objects.for_org(org).filter(cycle=cycle, parent__isnull=True).order_by("pk").first()
    for _ in range(steps):
        found = Objective.objects.for_org(org).filter(parent=found).order_by("pk").first()
    return found


def verify_roll_up(org: Any, objective_ids: list[int]) -> list[str]:
    """What disagrees between the stored roll-up of these objectives and a count over their subtree, and
    between their progress and the weighted mean of their key results: empty when consistent."""
    from django.db.models import Count, F, Sum

    from tandem.okrs import progress
    from tandem.okrs.models import KeyResult, Objective

    problems = []
    for objective in Objective.objects.for_org(org).filter(pk__in=objective_ids):
        under = (
            Objective.objects.for_org(org)
            .filter(path__startswith=f"{objective.path}{objective.pk}/")
            .aggregate(n=Count("pk"), total=Sum("progress"))
        )
        total = under["total"] or Decimal(0)
        if objective.descendants != under["n"] or abs(objective.descendants_progress - total) > Decimal("0.001"):
            problems.append(
                f"objective {objective.pk}: stored {objective.descendants} under it with progress sum "
                f"{objective.descendants_progress}, counted {under['n']} with {total}"
            )
        results = (
            KeyResult.objects.for_org(org)
            .filter(objective=objective)
            .aggregate(weighted=Sum(F("weight") * F("progress")), weights=Sum("weight"))
        )
        mean = (
            progress.four(Decimal(results["weighted"]) / Decimal(results["weights"]))
            if results["weights"]
            else Decimal(0)
        )
        if abs(mean - objective.progress) > Decimal("0.0001"):
            problems.append(f"objective {objective.pk}: progress {objective.progress}, its key results say {mean}")
    return problems


def scenarios(web: Any, api: Any, org: Any, team: Any) -> list[tuple[str, Any, str]]:
    """The OKR pages and API calls to time, as (name, client, url)."""
    from django.urls import NoReverseMatch, reverse

    cycle = active_cycle(org)
    middle = descend(org, cycle, 2)
    found = [
        ("OKR tree page (cycle, 100 objectives)", web, f"/okrs/?cycle={cycle.pk}"),
        ("OKR tree, one team's objectives", web, f"/okrs/?cycle={cycle.pk}&team={team.pk}"),
    ]
    try:  # unfolding one objective in place, where the tree has it
        unfold = reverse("objective_children", args=[descend(org, cycle, 1).pk])
        found.append(("OKR tree, unfold one objective's children", web, unfold))
    except NoReverseMatch:
        pass
    found += [
        ("alignment map data (API)", api, f"/api/v1/cycles/{cycle.pk}/alignment"),
        ("alignment map page", web, f"/okrs/map/?cycle={cycle.pk}"),
        ("objective page (level 3, 24 check-ins)", web, f"/okrs/objectives/{middle.pk}/"),
        ("API objectives, 100", api, f"/api/v1/objectives?cycle={cycle.pk}&limit=100"),
    ]
    return found


def shown(client: Any, url: str) -> int:
    """How many different objectives a page links to (the rows of the tree)."""
    return len(set(re.findall(r'/okrs/objectives/(\d+)/"', client.get(url).content.decode())))


def map_nodes(client: Any, url: str) -> int:
    def count(node: dict[str, Any]) -> int:
        return sum(1 + count(child) for child in node.get("children", []))

    return count(json.loads(client.get(url).content))


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * 0.95) - 1)]


def measure_check_ins(org: Any, admin: Any, api: Any, writes: int = 30) -> list[str]:
    """``writes`` check-ins on a key result of a level-5 objective, through the service and through the API,
    alternating two values so that the progress moves each time: p50 and p95 ms, the queries, the UPDATE
    statements and the rows of the objective table they change (which must be the objective and its
    ancestors, nothing else). Returns the lines to print."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.okrs import check_ins
    from tandem.okrs.models import KeyResult, Objective
    from tandem.okrs.services import ancestor_ids

    cycle = active_cycle(org)
    leaf = descend(org, cycle, 4)
    kr = (
        KeyResult.objects.for_org(org)
        .filter(objective=leaf)
        .exclude(type__in=("yes_no", "milestones"))
        .select_related("objective__cycle", "owner")
        .order_by("position", "pk")
        .first()
    )
    if kr is None:  # every key result of that objective is a yes/no one: take a numeric key result elsewhere
        kr = (
            KeyResult.objects.for_org(org)
            .filter(objective__cycle=cycle, objective__level="person", type__in=("number", "percent"))
            .select_related("objective__cycle", "owner")
            .order_by("pk")
            .first()
        )
    ancestors = ancestor_ids(kr.objective)
    low = (kr.start_value + (kr.target_value - kr.start_value) * Decimal("0.25")).quantize(CENT)
    high = (kr.start_value + (kr.target_value - kr.start_value) * Decimal("0.75")).quantize(CENT)
    values = (high, low) if kr.current_value == low else (low, high)
    table = f'"{Objective._meta.db_table}"'
    lines = []

    def run(name: str, write: Any) -> None:
        touched: list[int] = []

        def count_rows(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            result = execute(sql, params, many, context)
            if sql.startswith(f"UPDATE {table}"):
                touched.append(context["cursor"].rowcount)
            return result

        write(values[1])  # warm up; leaves the value at values[1], so the first timed one moves it
        times, queries, updates, rows = [], [], [], []
        for n in range(writes):
            touched.clear()
            with connection.execute_wrapper(count_rows), CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                write(values[n % 2])
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
            updates.append(sum(1 for q in captured.captured_queries if q["sql"].startswith("UPDATE")))
            rows.append(sum(touched))

        def span(numbers: list[int]) -> str:
            return str(numbers[0]) if min(numbers) == max(numbers) else f"{min(numbers)}-{max(numbers)}"

        expected = 1 + len(ancestors)
        verdict = "ok" if set(rows) == {expected} else "NOT ONLY THE ANCESTORS"
        lines.append(
            f"{name:<44} {statistics.median(times):8.1f} {_p95(times):8.1f} {span(queries):>8}"
            f"  {span(updates)} UPDATEs; objective rows updated {span(rows)}, "
            f"1 + ancestors = {expected} ({verdict})"
        )

    run(
        f"check-in + roll-up (service), {writes} writes",
        lambda value: check_ins.key_result_check_in(by=admin, key_result=kr, value=value, confidence="on_track"),
    )

    def through_api(value: Decimal) -> None:
        response = api.post(
            f"/api/v1/key-results/{kr.pk}/check-ins",
            json.dumps({"value": str(value), "confidence": "on_track", "note": ""}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:300]

    run(f"check-in + roll-up (API), {writes} writes", through_api)
    problems = verify_roll_up(org, [kr.objective_id, *ancestors])
    lines.append(
        f"  key result {kr.pk} of objective {kr.objective_id} at level {len(ancestors) + 1}; roll-up of it and its "
        f"{len(ancestors)} ancestors after the writes: " + ("consistent" if not problems else "; ".join(problems))
    )
    return lines
