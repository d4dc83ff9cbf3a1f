"""Lotus Distribution's boards: "Company pulse", the public board the leadership reads every Monday (what
must be sustained, what must change), and "Sales leadership", Linh's private board shared with Hùng, on which
a private KPI of hers is the one thing he may see only through the board.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from tandem.boards import services
from tandem.boards.models import Board, BoardRole, BoardSection, ItemDisplay
from tandem.core.periods import last_n, local_today
from tandem.kpis import points as kpi_points
from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi
from tandem.okrs.models import KeyResult, Objective
from tandem.orgs.models import Membership, Team

# (section, kind, KPI key or objective / key result title, display)
PULSE: list[tuple[str, str, str, str]] = [
    ("Sustain", "kpi", "net_revenue", ItemDisplay.CHART),
    ("Sustain", "kpi", "units_shipped", ItemDisplay.CARD),
    ("Sustain", "kpi", "stock_days", ItemDisplay.CHART),
    ("Sustain", "kpi", "overdue_receivables", ItemDisplay.CARD),
    ("Sustain", "kpi", "csat", ItemDisplay.CARD),
    ("Change", "objective", "Grow profitably without filling the warehouse", ItemDisplay.CARD),
    ("Change", "objective", "Win 30 new accounts in the south", ItemDisplay.CHART),
    ("Change", "key_result", "New accounts signed", ItemDisplay.CHART),
]
SALES: list[tuple[str, str, str, str]] = [
    ("Pipeline", "kpi", "key_account_margin", ItemDisplay.CHART),
    ("Pipeline", "kpi", "net_revenue", ItemDisplay.CARD),
    ("Pipeline", "kpi", "new_customers", ItemDisplay.CARD),
    ("Customers", "objective", "Sell what customers keep", ItemDisplay.CARD),
    ("Customers", "key_result", "Accounts paying within 30 days", ItemDisplay.CHART),
]


def _people(admin: Membership) -> dict[str, Membership]:
    return {m.user.email: m for m in Membership.objects.for_org(admin.organization).select_related("user")}


def _private_kpi(linh: Membership) -> Kpi:
    """Linh's private margin on key accounts: pricing talk she shares with her regional managers only."""
    sales = Team.objects.for_org(linh.organization).get(name="Sales")
    kpi = kpi_services.kpi_create(
        by=linh,
        key="key_account_margin",
        name="Key account margin",
        description="Gross margin on the twenty largest accounts, before rebates.",
        team=sales.pk,
        owner=linh.pk,
        unit="%",
        unit_kind="percent",
        frequency="month",
        aggregation="avg",
        direction="higher",
        target=Decimal(18),
        threshold_mode="absolute",
        amber_threshold=Decimal(18),
        red_threshold=Decimal(15),
        visibility="private",
    )
    kpi_services.kpi_submit(by=linh, kpi=kpi)
    organization = linh.organization
    periods = last_n("month", local_today(organization.tz), 12, fiscal_start_month=organization.fiscal_year_start_month)
    values = ["19.8", "19.5", "19.6", "19.1", "18.9", "18.7", "18.8", "18.4", "18.3", "18.2", "18.4", "18.1"]
    points = [
        {
            "kpi": kpi.key,
            "date": (period.start + datetime.timedelta(days=9)).isoformat(),
            "value": value,
            "source_key": f"crm-{period.start.isoformat()}",
        }
        for period, value in zip(periods, values, strict=True)
    ]
    kpi_points.data_points_record(by=linh, points=points, source="crm")
    return kpi


def _fill(by: Membership, board: Board, rows: list[tuple[str, str, str, str]]) -> None:
    organization = by.organization
    sections: dict[str, BoardSection] = {}
    for section_title, kind, ref, display in rows:
        if section_title not in sections:
            sections[section_title] = services.board_section_create(by=by, board=board, title=section_title)
        metric: dict[str, Any] = {}
        if kind == "kpi":
            metric["kpi"] = Kpi.objects.for_org(organization).get(key=ref)
        elif kind == "objective":
            metric["objective"] = Objective.objects.for_org(organization).filter(title=ref).latest("cycle__start")
        else:
            metric["key_result"] = (
                KeyResult.objects.for_org(organization)
                .select_related("objective__cycle")
                .filter(title=ref)
                .latest("objective__cycle__start")
            )
        services.board_item_add(by=by, board=board, display=display, section=sections[section_title], **metric)


def load(admin: Membership) -> None:
    """The two boards, built through the services (so their history tells how they were made)."""
    people = _people(admin)
    pulse = services.board_create(
        by=admin,
        name="Company pulse",
        description="What we must sustain, and what we are changing this quarter. Read every Monday.",
    )
    _fill(admin, pulse, PULSE)

    linh, hung = people["linh.tran@lotus.example"], people["hung.do@lotus.example"]
    _private_kpi(linh)
    sales = services.board_create(
        by=linh,
        name="Sales leadership",
        description="Margins and accounts for the sales managers' weekly call.",
        visibility="private",
    )
    services.board_member_add(by=linh, board=sales, person=hung.pk, role=BoardRole.EDITOR)
    _fill(linh, sales, SALES)
