"""Benchmark: Tandem's pages and API on a large organization.

    python bench/run.py [--people 10000] [--teams 1000] [--runs 30] [--objectives 20000] [--key-results 60000]
        [--check-ins 500000] [--boards 200] [--only home,board]

Uses the database of the environment (``DATABASE_URL``, else an SQLite file in
``TANDEM_DATA_DIR``, default ``bench/data``), creates the "bench" organization once,
with its KPIs and OKRs (``bench/okrs.py``) and boards (``bench/boards.py``), then times each scenario in-process
(the Django test client, no network) and counts its queries. Prints one line per scenario: p50 and p95 in
milliseconds and the query count; for the home and board pages also the same for the hand-written SQL that
fetches the numbers they show (``bench/raw.py``) and the ratio page/raw; for the check-ins the UPDATE statements
and the objective rows they change. ``--only`` keeps the scenarios whose name contains one of its words.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import boards  # noqa: E402  (bench/boards.py, next to this file)
import okrs  # noqa: E402  (bench/okrs.py, next to this file)


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
    from django.db import connection

    # Fresh statistics, as autovacuum (PostgreSQL) or a routine ANALYZE (SQLite) would have after a bulk load:
    # without them the planner scans a whole organization's points for one month.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"generated {kpis} KPIs and {per_kpi * kpis + 3653} data points in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def judge_kpis(org) -> None:  # type: ignore[no-untyped-def]
    """What the worker does every ten minutes: judge the KPIs not judged today and keep their statuses (the
    generator writes points around the services). Prints how long that takes, once a day."""
    from tandem.core.periods import local_today
    from tandem.kpis.current_status import statuses_refresh
    from tandem.kpis.models import Kpi

    today = local_today(org.tz)
    stale = Kpi.objects.for_org(org).exclude(status_on=today)
    if not stale.exists():
        return
    started = time.perf_counter()
    judged = statuses_refresh(organization=org, today=today, kpis=stale)
    print(f"judged and kept the statuses of {judged} KPIs in {time.perf_counter() - started:.1f} s", file=sys.stderr)


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
                "source": "bench-ingest",
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
    # The measured points would pile up on the first KPIs and slow the other scenarios of the next runs.
    from tandem.kpis.models import DataPoint

    DataPoint.objects.unscoped().filter(source="bench-ingest").delete()
    return statistics.median(rates)


def measure_raw_ingest(runs: int, kpis: int) -> float:
    """The limit for the same 10,000 points: plain COPY (PostgreSQL) or executemany (SQLite) of finished rows
    into the data point table, with no validation, no upsert and no audit; median of runs."""
    import datetime
    import uuid
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from tandem.kpis.models import DataPoint, Kpi
    from tandem.orgs.models import Organization

    org = Organization.objects.get(slug="bench")
    ids = list(Kpi.objects.for_org(org).order_by("key").values_list("pk", flat=True)[: min(50, kpis)])
    table = DataPoint._meta.db_table
    columns = "organization_id, kpi_id, date, period_start, value, source, source_key, note, created_at"
    day = datetime.date.today()
    rates = []
    for _ in range(runs):
        run = uuid.uuid4().hex
        rows = [
            (org.pk, ids[i % len(ids)], day, day, Decimal("12.5"), "raw", f"{run}-{i}", "", timezone.now())
            for i in range(10_000)
        ]
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [(*r[:4], str(r[4]), *r[5:8], connection.ops.adapt_datetimefield_value(r[8])) for r in rows],
                )
        rates.append(10_000 / (time.perf_counter() - started))
    DataPoint.objects.for_org(org).filter(source="raw").delete()
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
    parser.add_argument("--objectives", type=int, default=20_000)
    parser.add_argument("--key-results", type=int, default=60_000)
    parser.add_argument("--check-ins", type=int, default=500_000)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated words: only the scenarios whose name has one")
    args = parser.parse_args()
    only = [word.strip().lower() for word in args.only.split(",") if word.strip()]
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
    okrs.generate_okrs(args.objectives, args.key_results, args.check_ins)
    boards.generate_boards(args.boards)
    org = Organization.objects.get(slug="bench")
    judge_kpis(org)
    admin = Membership.objects.for_org(org).select_related("user").get(user__email="person0@bench.example")
    web = Client()
    web.force_login(admin.user)
    session = web.session
    session[SESSION_KEY] = org.pk
    session.save()
    token = services.token_create(by=admin, name="bench")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    member = boards.member_of(org)
    member_web = Client()
    member_web.force_login(member.user)
    session = member_web.session
    session[SESSION_KEY] = org.pk
    session.save()
    member_api = Client(headers={"Authorization": f"Bearer {services.token_create(by=member, name='bench')[1]}"})
    clients = {"web": web, "api": api, "member_web": member_web, "member_api": member_api}
    team = Team.objects.for_org(org).get(name="Team 0001")
    person = member

    from django.db import connection

    print(
        f"database: {connection.vendor}; organization: {args.people} people, {args.teams} teams; {args.runs} runs each"
    )
    print(f"{'scenario':<44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}   raw SQL of the same numbers")
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
        ("KPI list, status filter (all 5,000 judged)", web, "/kpis/?status=red"),
        ("KPI list, sorted by status", web, "/kpis/?sort=status&page=3"),
        ("KPI page (weekly, 24 weeks)", web, f"/kpis/{Kpi.objects.for_org(org).get(key='kpi_00001').pk}/"),
        (
            "KPI trend: 10 years daily as 120 months",
            api,
            f"/api/v1/kpis/{Kpi.objects.for_org(org).get(key='daily_decade').pk}/periods?grain=month&count=120",
        ),
        ("API KPIs, 100", api, "/api/v1/kpis?limit=100"),
        *okrs.scenarios(web, api, org, team),
    ]
    timed = [(name, client, url, None) for name, client, url in scenarios]
    timed += boards.scenarios(clients, org, admin)
    for name, client, url, raw_sql in timed:
        if only and not any(word in name.lower() for word in only):
            continue
        if not boards.resolves(url):
            print(f"{name:<44} skipped: {urlsplit(url).path} does not resolve (not built yet)")
            continue
        p50, p95, queries = measure(client, url, args.runs)
        line = f"{name:<44} {p50:8.1f} {p95:8.1f} {queries:8d}"
        if raw_sql is not None:
            raw50, raw95, raw_queries = boards.measure_raw(raw_sql, args.runs)
            line += (
                f"   raw {raw50:6.1f} {raw95:6.1f} ms {raw_queries:3d} queries; "
                f"page/raw {p50 / raw50:4.2f}x p50, {p95 / raw95:4.2f}x p95"
            )
        print(line)
        for note in boards.check(client, url, raw_sql):
            print(f"  {note}")
    if not only:
        measure_okr_writes(org, admin, api, web)
    if not only or any(word in "bulk ingest" for word in only):
        ingest = measure_ingest(api, 5, args.kpis)
        raw = measure_raw_ingest(5, args.kpis)
        print(f"{'bulk ingest API, 10,000 points a request':<44} {ingest:8.0f} points/s")
        print(f"{'raw COPY/executemany, same 10,000 points':<44} {raw:8.0f} points/s  (API at {ingest / raw:.2f}x)")


def measure_okr_writes(org, admin, api, web) -> None:  # type: ignore[no-untyped-def]
    """A check-in with its roll-up, and how much of the OKR tree the pages show."""
    from tandem.okrs.models import Objective

    for line in okrs.measure_check_ins(org, admin, api):
        print(line)
    cycle = okrs.active_cycle(org)
    print(
        f"  the OKR tree page shows {okrs.shown(web, f'/okrs/?cycle={cycle.pk}')} objectives of "
        f"{Objective.objects.for_org(org).filter(cycle=cycle).count()}; the alignment map data has "
        f"{okrs.map_nodes(api, f'/api/v1/cycles/{cycle.pk}/alignment')} nodes"
    )


if __name__ == "__main__":
    main()
