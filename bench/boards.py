"""The boards and home part of the benchmark: 200 boards on the large organization, and the pages people open
every morning, each timed next to the hand-written SQL that fetches the same numbers (``bench/raw.py``).

``generate_boards`` fills the "bench" organization (made by ``run.generate``, ``run.generate_kpis`` and
``okrs.generate_okrs``) once with boards of mixed visibility, members and sections, 5 to 40 items each (public
boards carry public metrics only), one of them with exactly 40 items (KPIs, some as charts, objectives and key
results), and gives the member of the person scenarios a few KPIs of their own. ``scenarios`` names the pages
and API calls to time with their raw SQL; a page whose route does not resolve yet is skipped with a notice.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import raw  # bench/raw.py, next to this file

BIG_BOARD = "Bench board with 40 items"
BIG_ITEMS = (16, 12, 12)  # KPIs, objectives, key results
MEMBER_KPIS = 12


def member_of(org: Any) -> Any:
    """The person of the "me" scenarios: a member with key results (of the person-level objectives the OKR
    generator gives everyone) and, once the boards are generated, a few KPIs."""
    from tandem.orgs.models import Membership

    people = Membership.objects.for_org(org)
    email = f"person{people.count() // 2}@bench.example"  # person5000 of 10,000
    return people.select_related("user", "organization").get(user__email=email)


def generate_boards(boards: int = 200) -> None:
    """``boards`` boards (a third private), each with an owner, members, one to four sections and 5 to 40
    items; the first is the 40-item board, private, with the scenarios' member on it. Created once (skipped
    when the bench organization has boards)."""
    from django.db import connection, transaction

    from tandem.boards.models import Board, BoardItem, BoardMember, BoardSection
    from tandem.kpis.models import Kpi
    from tandem.okrs.models import KeyResult, Objective
    from tandem.orgs.models import Membership, Organization, Team

    org = Organization.objects.get(slug="bench")
    if boards <= 0 or Board.objects.for_org(org).exists():
        return
    started = time.perf_counter()
    rng = random.Random(13)
    admin = Membership.objects.for_org(org).get(user__email="person0@bench.example")
    member = member_of(org)
    people = list(Membership.objects.for_org(org).order_by("pk").values_list("pk", flat=True))
    kpis = list(Kpi.objects.for_org(org).filter(visibility="public").order_by("pk").values_list("pk", flat=True))
    cycle = Objective.objects.for_org(org).filter(cycle__state="active").values("cycle_id").first()
    current = Objective.objects.for_org(org).filter(cycle_id=cycle["cycle_id"]) if cycle else None
    objectives = list(current.values_list("pk", "visibility")) if current is not None else []
    public_objectives = [pk for pk, visibility in objectives if visibility == "public"]
    results = list(
        KeyResult.objects.for_org(org)
        .filter(objective_id__in=[pk for pk, _v in objectives])
        .values_list("pk", "objective__visibility")
    )
    public_results = [pk for pk, visibility in results if visibility == "public"]
    with transaction.atomic():
        # The member's own KPIs, in their team: the "me" scope has KPIs to judge.
        team_id = Team.members.through.objects.filter(membership_id=member.pk).values_list("team_id", flat=True).first()
        Kpi.objects.for_org(org).filter(pk__in=kpis[-MEMBER_KPIS:]).update(owner=member, team_id=team_id)
        specs = []
        for n in range(boards):
            private = n == 0 or n % 3 == 0
            owner = admin.pk if n == 0 else rng.choice(people)
            specs.append((n, private, owner))
        created = Board.objects.for_org(org).bulk_create(
            Board(
                organization=org,
                name=BIG_BOARD if n == 0 else f"Board {n:03d}",
                description="Generated for the benchmark",
                visibility="private" if private else "public",
                owner_id=owner,
            )
            for n, private, owner in specs
        )
        members, sections, items = [], [], []
        for (n, _private, owner), board in zip(specs, created, strict=True):
            on_board = {owner: "owner"}
            if n == 0:
                on_board[member.pk] = "viewer"
            for pk in rng.sample(people, rng.randint(1, 12)):
                on_board.setdefault(pk, rng.choice(("editor", "viewer", "viewer")))
            members += [
                BoardMember(organization=org, board=board, membership_id=pk, role=role) for pk, role in on_board.items()
            ]
            count = 4 if n == 0 else rng.randint(1, 4)
            sections.append(
                [
                    BoardSection(organization=org, board=board, title=f"Section {s + 1}", position=s)
                    for s in range(count)
                ]
            )
        BoardMember.objects.for_org(org).bulk_create(members, batch_size=2000)
        created_sections = BoardSection.objects.for_org(org).bulk_create(
            [s for group in sections for s in group], batch_size=2000
        )
        by_board: dict[int, list[Any]] = {}
        for section in created_sections:
            by_board.setdefault(section.board_id, []).append(section)
        for (n, private, _owner), board in zip(specs, created, strict=True):
            pool_objectives = [pk for pk, _v in objectives] if private else public_objectives
            pool_results = [pk for pk, _v in results] if private else public_results
            if n == 0:
                wanted = list(BIG_ITEMS)
            else:
                total = rng.randint(5, 40)
                k = rng.randint(0, total)
                o = rng.randint(0, total - k)
                wanted = [k, o, total - k - o]
            metrics = (
                [("kpi", pk) for pk in rng.sample(kpis, min(wanted[0], len(kpis)))]
                + [("objective", pk) for pk in rng.sample(pool_objectives, min(wanted[1], len(pool_objectives)))]
                + [("key_result", pk) for pk in rng.sample(pool_results, min(wanted[2], len(pool_results)))]
            )
            rng.shuffle(metrics)
            board_sections = by_board[board.pk]
            for position, (kind, pk) in enumerate(metrics):
                items.append(
                    BoardItem(
                        organization=org,
                        board=board,
                        section=board_sections[position * len(board_sections) // len(metrics)],
                        display="chart" if rng.random() < 0.4 else "card",
                        position=position,
                        **{f"{kind}_id": pk},
                    )
                )
        BoardItem.objects.for_org(org).bulk_create(items, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"generated {boards} boards with {len(members)} members and {len(items)} items "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def big_board(org: Any) -> Any:
    from tandem.boards.models import Board

    return Board.objects.for_org(org).filter(name=BIG_BOARD).first()


def resolves(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return True


def scenarios(clients: dict[str, Any], org: Any, admin: Any) -> list[tuple[str, Any, str, Callable[..., Any] | None]]:
    """The home and board pages and their API calls, as (name, client, url, raw SQL of the same numbers)."""
    from tandem.core.periods import local_today

    member = member_of(org)
    board = big_board(org)
    today = local_today(org.tz)
    found: list[tuple[str, Any, str, Callable[..., Any] | None]] = [
        (
            "home, company scope (admin)",
            clients["web"],
            "/?scope=company",
            lambda live=False: raw.home(org, admin, "company", today, live=live),
        ),
        (
            "home, my scope (member)",
            clients["member_web"],
            "/?scope=me",
            lambda live=False: raw.home(org, member, "me", today, live=live),
        ),
        (
            "API dashboard, company (admin)",
            clients["api"],
            "/api/v1/dashboard?scope=company",
            lambda live=False: raw.home(org, admin, "company", today, live=live),
        ),
        (
            "API dashboard, me (member)",
            clients["member_api"],
            "/api/v1/dashboard?scope=me",
            lambda live=False: raw.home(org, member, "me", today, live=live),
        ),
    ]
    if board is None:
        print("  (no boards generated: the board scenarios are skipped)")
        return found
    found += [
        (
            "board page, 40 items (member)",
            clients["member_web"],
            f"/boards/{board.pk}/",
            lambda live=True: raw.board(org, member, board.pk, today),
        ),
        (
            "API board data, 40 items (member)",
            clients["member_api"],
            f"/api/v1/boards/{board.pk}/data",
            lambda live=True: raw.board(org, member, board.pk, today),
        ),
        ("boards page (member)", clients["member_web"], "/boards/", None),
        ("API boards, 100 (member)", clients["member_api"], "/api/v1/boards?limit=100", None),
    ]
    return found


def measure_raw(run: Callable[..., Any], runs: int) -> tuple[float, float, int]:
    """p50 and p95 in milliseconds of the raw SQL, and its number of statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()  # warm the caches, as the page is
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        run()
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(queries)


def check(client: Any, url: str, raw_sql: Callable[..., Any] | None) -> list[str]:
    """The lines to print after an API scenario: where the API and the raw SQL disagree about the numbers (the
    dashboard's counts, the board's items and KPI statuses), else that they agree; none for pages."""
    import json

    if raw_sql is None or not url.startswith("/api/"):
        return []
    # Key results fall due as time passes: the raw SQL runs before and after the API, and bounds its count.
    # The KPIs' statuses are judged from their points, which also checks the statuses the KPIs keep.
    before = raw_sql(live=True)
    shown = json.loads(client.get(url).content)
    found = raw_sql(live=True)
    if "/dashboard" in url:
        counts = shown["counts"]
        due = sorted((before["check_ins_due"], found["check_ins_due"]))
        if due[0] <= counts["check_ins_due"] <= due[1]:
            found["check_ins_due"] = counts["check_ins_due"]
        pairs = [(f"KPIs {key}", counts["kpis"][key], found["kpis"][key]) for key in found["kpis"]]
        pairs += [(key, counts[key], found[key]) for key in ("objectives", "objectives_at_risk", "check_ins_due")]
        pairs += [("change_requests_waiting", counts["change_requests_waiting"], found["change_requests_waiting"])]
        pairs += [("KPI rows", len(shown["kpis"]), len(found["kpi_rows"]))]
        pairs += [("objective rows", len(shown["objectives"]), found["objective_rows"])]
    else:
        statuses = {item["metric"]: item["summary"]["status"] for item in shown["items"] if item["kind"] == "kpi"}
        pairs = [("items", shown["count"], found["items"]), ("KPI statuses", statuses, found["statuses"])]
    wrong = [f"{name}: the API says {a}, the raw SQL {b}" for name, a, b in pairs if a != b]
    agreed = ", ".join(f"{name} {a}" if not isinstance(a, dict) else name for name, a, _b in pairs)
    return wrong or [f"the API and the raw SQL agree: {agreed}"]
