"""Benchmark: Tandem's pages and API on a large organization.

    python bench/run.py [--people 10000] [--teams 1000] [--runs 30]

Uses the database of the environment (``DATABASE_URL``, else an SQLite file in
``TANDEM_DATA_DIR``, default ``bench/data``), creates the "bench" organization once,
then times each scenario in-process (the Django test client, no network) and counts its
queries. Prints one line per scenario: p50 and p95 in milliseconds and the query count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def setup_django() -> None:
    os.environ.setdefault("TANDEM_DATA_DIR", str(ROOT / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def generate(people: int, teams: int) -> None:
    """A large organization: ``teams`` teams in a tree five levels deep, ``people`` people spread over them."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from tandem.orgs.models import Membership, Organization, Role, Team, User

    if Organization.objects.filter(slug="bench").exists():
        return
    started = time.perf_counter()
    with transaction.atomic():
        org = Organization.objects.create(name="Bench Corporation", slug="bench", time_zone="Asia/Ho_Chi_Minh")
        password = make_password("bench-password")
        users = User.objects.bulk_create(
            User(email=f"person{i}@bench.example", full_name=f"Person {i:05d}", password=password)
            for i in range(people)
        )
        members = Membership.objects.unscoped().bulk_create(
            Membership(
                organization=org, user=user, role=Role.ADMIN if i == 0 else Role.MEMBER, job_title=f"Title {i % 97}"
            )
            for i, user in enumerate(users)
        )
        # Managers: each person reports to someone earlier in the list (a tree ten wide).
        for i, member in enumerate(members[1:], start=1):
            member.manager_id = members[(i - 1) // 10].pk
        Membership.objects.unscoped().bulk_update(members, ["manager"], batch_size=2000)
        # A tree five wide: team i's parent is team (i - 1) // 5, inserted level by level.
        created: list[Team] = []
        level = [0]
        while level:
            created.extend(
                Team.objects.unscoped().bulk_create(
                    Team(
                        organization=org,
                        name=f"Team {i:04d}",
                        parent=created[(i - 1) // 5] if i else None,
                        manager=members[i % people],
                    )
                    for i in level
                )
            )
            level = [c for i in level for c in range(i * 5 + 1, i * 5 + 6) if c < teams]
        Team.members.through.objects.bulk_create(
            Team.members.through(team_id=created[i % teams].pk, membership_id=member.pk)
            for i, member in enumerate(members)
        )
    print(f"generated {people} people and {teams} teams in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def generate_kpis(kpis: int, points: int) -> None:
    """``kpis`` KPIs in the bench organization (weekly and monthly, sums and averages) sharing ``points`` data
    points spread over the last three years, plus one daily KPI with ten years of data."""
    import datetime
    import random
    from decimal import Decimal

    from django.db import transaction

    from tandem.kpis.models import DataPoint, Kpi, KpiVersion
    from tandem.orgs.models import Membership, Organization

    org = Organization.objects.get(slug="bench")
    if Kpi.objects.for_org(org).exists():
        return
    started = time.perf_counter()
    owner = Membership.objects.for_org(org).get(user__email="person0@bench.example")
    rng = random.Random(5)
    with transaction.atomic():
        created = Kpi.objects.for_org(org).bulk_create(
            Kpi(organization=org, key=f"kpi_{i:05d}", name=f"KPI {i:05d}", owner=owner, state="active")
            for i in range(kpis)
        )
        decade = Kpi.objects.for_org(org).create(
            organization=org, key="daily_decade", name="Daily decade", owner=owner, state="active"
        )
        KpiVersion.objects.for_org(org).bulk_create(
            [
                KpiVersion(
                    organization=org,
                    kpi=kpi,
                    number=1,
                    effective_from=datetime.date(1900, 1, 1),
                    frequency=("week", "month")[i % 2],
                    aggregation=("sum", "avg", "last")[i % 3],
                    target=Decimal(100),
                    red_threshold=Decimal(90),
                )
                for i, kpi in enumerate(created)
            ]
            + [
                KpiVersion(
                    organization=org,
                    kpi=decade,
                    number=1,
                    effective_from=datetime.date(1900, 1, 1),
                    frequency="day",
                    aggregation="sum",
                    target=Decimal(100),
                    red_threshold=Decimal(90),
                )
            ]
        )
    today = datetime.date.today()
    per_kpi = max(1, points // kpis)
    batch: list[DataPoint] = []

    def flush() -> None:
        with transaction.atomic():
            DataPoint.objects.for_org(org).bulk_create(batch, batch_size=5000)
        batch.clear()

    for kpi in created:
        for n in range(per_kpi):
            day = today - datetime.timedelta(days=n * 1095 // per_kpi)
            batch.append(
                DataPoint(
                    organization=org,
                    kpi=kpi,
                    date=day,
                    period_start=day,
                    value=Decimal(rng.randint(50, 150)),
                    source="bench",
                    source_key=str(n),
                )
            )
        if len(batch) >= 50_000:
            flush()
    for n in range(3653):
        day = today - datetime.timedelta(days=n)
        batch.append(
            DataPoint(
                organization=org,
                kpi=decade,
                date=day,
                period_start=day,
                value=Decimal(n % 97),
                source="bench",
                source_key=str(n),
            )
        )
    flush()
    print(
        f"generated {kpis} KPIs and {per_kpi * kpis + 3653} data points in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def measure_ingest(client, runs: int, kpis: int) -> float:  # type: ignore[no-untyped-def]
    """Points per second through POST /api/v1/data-points, 10,000 new points a request for 50 KPIs (an ERP's
    daily push), median of runs."""
    import datetime
    import json
    import uuid

    rates = []
    day = datetime.date.today().isoformat()
    for _ in range(runs):
        run = uuid.uuid4().hex
        body = json.dumps(
            {
                "source": "bench",
                "points": [
                    {"kpi": f"kpi_{i % min(50, kpis):05d}", "date": day, "value": "12.5", "source_key": f"{run}-{i}"}
                    for i in range(10_000)
                ],
            }
        )
        started = time.perf_counter()
        response = client.post("/api/v1/data-points", body, content_type="application/json")
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.content[:300]
        rates.append(10_000 / elapsed)
    return statistics.median(rates)


def measure(client, url: str, runs: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and connections
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--kpis", type=int, default=5_000)
    parser.add_argument("--points", type=int, default=5_000_000)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.test import Client

    from tandem.kpis.models import Kpi
    from tandem.orgs import services
    from tandem.orgs.middleware import SESSION_KEY
    from tandem.orgs.models import Membership, Organization, Team

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    generate(args.people, args.teams)
    generate_kpis(args.kpis, args.points)
    org = Organization.objects.get(slug="bench")
    admin = Membership.objects.for_org(org).select_related("user").get(user__email="person0@bench.example")
    web = Client()
    web.force_login(admin.user)
    session = web.session
    session[SESSION_KEY] = org.pk
    session.save()
    token = services.token_create(by=admin, name="bench")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    team = Team.objects.for_org(org).get(name="Team 0001")
    person = Membership.objects.for_org(org).get(user__email="person5000@bench.example")

    from django.db import connection

    print(
        f"database: {connection.vendor}; organization: {args.people} people, {args.teams} teams; {args.runs} runs each"
    )
    print(f"{'scenario':<44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    scenarios = [
        ("home page", web, "/"),
        ("people page (first 50, team tree)", web, "/people/"),
        ("people page, search", web, "/people/?q=Person%2009"),
        ("people page, last page", web, f"/people/?page={args.people // 50}"),
        ("person page", web, f"/people/{person.pk}/"),
        ("team page", web, f"/teams/{team.pk}/"),
        ("API people, 100", api, "/api/v1/people?limit=100"),
        ("API people, 100 at offset 9000", api, "/api/v1/people?limit=100&offset=9000"),
        ("API teams, 100", api, "/api/v1/teams?limit=100"),
        ("KPI list page (50, statuses, sparklines)", web, "/kpis/"),
        ("KPI list page 60", web, "/kpis/?page=60"),
        (
            "KPI trend: 10 years daily as 120 months",
            api,
            f"/api/v1/kpis/{Kpi.objects.for_org(org).get(key='daily_decade').pk}/periods?grain=month&count=120",
        ),
        ("API KPIs, 100", api, "/api/v1/kpis?limit=100"),
    ]
    for name, client, url in scenarios:
        p50, p95, queries = measure(client, url, args.runs)
        print(f"{name:<44} {p50:8.1f} {p95:8.1f} {queries:8d}")
    print(f"{'bulk ingest, 10,000 points a request':<44} {measure_ingest(api, 3, args.kpis):8.0f} points/s")


if __name__ == "__main__":
    main()
