"""What a board shows: each visible item's card and chart, worked out for every item at once.

The board page, its HTMX partials and ``GET /api/v1/boards/{id}/data`` all read this, so the page and the API
never disagree about what a person may see. The queries do not depend on the number of items: the KPIs'
statuses and last twelve periods come from :func:`tandem.kpis.selectors.kpi_rows` (a few aggregate queries per
frequency), the key results of every objective from one query, and every check-in series from one more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models.query import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.boards.models import Board, BoardItem, BoardSection
from tandem.boards.selectors import board_items
from tandem.core.periods import last_n
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi
from tandem.kpis.status import status
from tandem.okrs.models import CheckIn, Cycle, KeyResult
from tandem.okrs.selectors import CONFIDENCE_CLASSES, bar_colour
from tandem.orgs.models import Membership


@dataclass
class Tile:
    """One item as the board draws it: a card, or a chart whose data is ``chart``."""

    item: BoardItem
    kind: str
    title: str
    url: str
    chart: dict[str, Any]
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def dom_id(self) -> str:
        return f"board-item-{self.item.pk}"


@dataclass
class Group:
    """A section of the board (or the items outside any section) with its tiles, in order."""

    section: BoardSection | None
    tiles: list[Tile]


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _percent(progress: Decimal) -> str:
    # Text, not a number: the template would localize an integer it prints.
    return str(int(progress * 100))


def _kpi_tiles(membership: Membership, items: list[BoardItem], today: datetime.date) -> dict[int, Tile]:
    """KPI cards and charts: the status, value and target of the current period, and the last twelve periods
    with the target of each. Red guardrails are named only when the person may see them."""
    found = [item.kpi for item in items if item.kpi is not None]
    if not found:
        return {}
    for each in found:
        each.organization = membership.organization
    prefetch_related_objects(found, *kpi_selectors.RULES)
    rows = {row["kpi"].pk: row for row in kpi_selectors.kpi_rows(membership=membership, kpis_page=found, today=today)}
    nameable: set[str] = set()
    if any(row["watermelon"] for row in rows.values()):
        links = Kpi.guardrails.through.objects.filter(from_kpi_id__in=[k.pk for k in found])
        guards = list(links.values_list("to_kpi_id", flat=True))
        nameable = set(kpi_selectors.kpis(membership=membership).filter(pk__in=guards).values_list("name", flat=True))
    fiscal = membership.organization.fiscal_year_start_month
    tiles = {}
    for item in items:
        kpi = item.kpi
        if kpi is None:
            continue
        row = rows[kpi.pk]
        version = kpi_selectors.version_on(kpi, today)
        periods = last_n(version.frequency, today, kpi_selectors.SPARK_PERIODS, fiscal_start_month=fiscal)
        targets, statuses = [], []
        for period, value in zip(periods, row["spark"], strict=True):
            rules = kpi_selectors.version_on(kpi, period.start)
            target = kpi_selectors.target_on(rules, period.start)
            targets.append(_float(target))
            statuses.append(status(value, target, kpi_selectors.rule_of(rules)))
        shown = [name for name in row["watermelon"] if name in nameable]
        tiles[item.pk] = Tile(
            item=item,
            kind="kpi",
            title=kpi.name,
            url=reverse("kpi_detail", args=[kpi.pk]),
            card={
                "kpi": kpi,
                "status": row["status"],
                "value": row["value"],
                "projected": row["projected"],
                "target": row["target"],
                "period": row["period"],
                "unit": kpi.unit,
                "watermelon": shown,
                "watermelon_hidden": len(row["watermelon"]) - len(shown),
            },
            chart={
                "type": "kpi",
                "unit": kpi.unit,
                "status": row["status"],
                "labels": row["spark_labels"],
                "values": [_float(v) for v in row["spark"]],
                "targets": targets,
                "statuses": statuses,
                "names": {"value": _("Value"), "target": _("Target"), "empty": _("No data yet")},
            },
        )
    return tiles


def _way(kr: KeyResult, value: Decimal) -> float | None:
    """How far along from start to target a value is, in percent (None when start and target are the same)."""
    span = kr.target_value - kr.start_value
    if not span:
        return None
    return round(float((value - kr.start_value) / span * 100), 1)


def _key_result_card(kr: KeyResult) -> dict[str, Any]:
    return {
        "kr": kr,
        "percent": _percent(kr.progress),
        "bar": bar_colour(kr.progress),
        "confidence": kr.confidence,
        "confidence_class": CONFIDENCE_CLASSES.get(kr.confidence, ""),
        "last_check_in": kr.last_check_in_at,
    }


def _cycle_span(cycle: Cycle) -> dict[str, str]:
    return {"start": cycle.start.isoformat(), "end": cycle.end.isoformat()}


def _okr_tiles(membership: Membership, items: list[BoardItem]) -> dict[int, Tile]:
    """Objective and key result cards and charts: progress, key results, confidence, last check-in, and each
    key result's check-ins against the ideal line over the cycle (an objective's in percent of the way)."""
    objective_ids = [item.objective_id for item in items if item.objective_id]
    if not objective_ids and not any(item.key_result_id for item in items):
        return {}
    organization = membership.organization
    under: dict[int, list[KeyResult]] = {}
    if objective_ids:
        for kr in (
            KeyResult.objects.for_org(organization)
            .filter(objective_id__in=objective_ids)
            .order_by("objective_id", "position", "id")
        ):
            under.setdefault(kr.objective_id, []).append(kr)
    wanted = [kr.pk for krs in under.values() for kr in krs] + [i.key_result_id for i in items if i.key_result_id]
    series: dict[int, list[tuple[datetime.datetime, Decimal]]] = {}
    for key_result_id, created_at, value in (
        CheckIn.objects.for_org(organization)
        .filter(key_result_id__in=wanted)
        .order_by("key_result_id", "created_at", "id")
        .values_list("key_result_id", "created_at", "value")
    ):
        series.setdefault(key_result_id, []).append((created_at, value))
    zone = organization.tz

    def day(moment: datetime.datetime) -> str:
        return timezone.localtime(moment, zone).date().isoformat()

    tiles = {}
    for item in items:
        if item.objective is not None:
            objective = item.objective
            krs = under.get(objective.pk, [])
            tiles[item.pk] = Tile(
                item=item,
                kind="objective",
                title=objective.title,
                url=reverse("objective_detail", args=[objective.pk]),
                card={
                    "objective": objective,
                    "percent": _percent(objective.progress),
                    "bar": bar_colour(objective.progress),
                    "key_results": [_key_result_card(kr) for kr in krs],
                },
                chart={
                    "type": "objective",
                    **_cycle_span(objective.cycle),
                    "series": [
                        {
                            "name": kr.title,
                            "values": [[day(at), _way(kr, value)] for at, value in series.get(kr.pk, [])],
                        }
                        for kr in krs
                    ],
                    "names": {"ideal": _("Ideal line"), "empty": _("No check-ins yet")},
                },
            )
        elif item.key_result is not None:
            kr = item.key_result
            cycle = kr.objective.cycle
            tiles[item.pk] = Tile(
                item=item,
                kind="key_result",
                title=kr.title,
                url=f"{reverse('objective_detail', args=[kr.objective_id])}#kr-{kr.pk}",
                card=_key_result_card(kr) | {"objective": kr.objective},
                chart={
                    "type": "key_result",
                    **_cycle_span(cycle),
                    "from": float(kr.start_value),
                    "to": float(kr.target_value),
                    "unit": kr.unit,
                    "values": [[day(at), float(value)] for at, value in series.get(kr.pk, [])],
                    "names": {"value": _("Check-ins"), "ideal": _("Ideal line"), "empty": _("No check-ins yet")},
                },
            )
    return tiles


def board_tiles(*, membership: Membership, board: Board, today: datetime.date) -> list[Tile]:
    """Every item of the board the person may see, in order, with its card and chart data."""
    items = list(board_items(membership=membership, board=board))
    tiles = _kpi_tiles(membership, items, today) | _okr_tiles(membership, items)
    return [tiles[item.pk] for item in items if item.pk in tiles]


def board_groups(*, tiles: list[Tile], sections: list[BoardSection]) -> list[Group]:
    """The tiles under their sections, in the sections' order; the items outside any section come first."""
    by_section: dict[int | None, list[Tile]] = {}
    for tile in tiles:
        by_section.setdefault(tile.item.section_id, []).append(tile)
    groups = [Group(section=None, tiles=by_section.get(None, []))]
    groups.extend(Group(section=section, tiles=by_section.get(section.pk, [])) for section in sections)
    return groups


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def tile_summary(tile: Tile) -> dict[str, Any]:
    """What a tile's card shows, as plain JSON for the API."""
    card = tile.card
    if tile.kind == "kpi":
        return {
            "status": card["status"],
            "period": card["period"],
            "value": _text(card["value"]),
            "projected": _text(card["projected"]),
            "target": _text(card["target"]),
            "unit": card["unit"],
            "watermelon": card["watermelon"],
        }
    if tile.kind == "objective":
        objective = card["objective"]
        return {
            "progress": _text(objective.progress),
            "cycle": objective.cycle.name,
            "key_results": [
                {
                    "id": kr["kr"].pk,
                    "title": kr["kr"].title,
                    "progress": _text(kr["kr"].progress),
                    "confidence": kr["confidence"],
                }
                for kr in card["key_results"]
            ],
        }
    kr = card["kr"]
    return {
        "progress": _text(kr.progress),
        "confidence": kr.confidence,
        "current_value": _text(kr.current_value),
        "target_value": _text(kr.target_value),
        "unit": kr.unit,
        "objective": kr.objective_id,
        "last_check_in": kr.last_check_in_at.isoformat() if kr.last_check_in_at else None,
    }
