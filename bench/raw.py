"""The floor the home page and the board page are held to: hand-written SQL that fetches the numbers they show.

Each function runs plain ``cursor.execute`` statements (the same on SQLite and PostgreSQL) and returns what the
page shows: the KPIs' statuses in their current period (counts, and the first twenty by attention with their
twelve-period sparklines), the objectives of the current cycle (counts, and the first twenty with their key
results), the check-ins due, the change requests waiting; for a board, its items with each metric's numbers,
chart series and check-ins. Period boundaries come from ``tandem.core.periods`` (the one module that computes
them); everything else is SQL. ``bench/boards.py`` times these next to the pages and prints the ratio.

Rules the bench data never uses are left out, and say so: band KPIs, formulas, guardrails.
"""

from __future__ import annotations

import datetime
from typing import Any

GRAINS = ("day", "week", "month", "quarter", "year")
SPARK = 12
STALE_AFTER = datetime.timedelta(days=7)
# The status of the value and target columns "value" and "target" of the row, as tandem.kpis.status judges it
# (higher or lower is better; percent or absolute thresholds; amber by default at 100 % or at the target).
UP = "(CASE WHEN direction = 'lower' THEN -1 ELSE 1 END)"
STATUS_SQL = f"""
CASE
  WHEN value IS NULL OR red_threshold IS NULL THEN 'no_data'
  WHEN threshold_mode = 'percent' AND target IS NULL THEN 'no_data'
  WHEN threshold_mode <> 'percent' AND amber_threshold IS NULL AND target IS NULL THEN 'no_data'
  WHEN {UP} * value >= {UP} * (CASE WHEN threshold_mode = 'percent'
       THEN target * 1.0 * COALESCE(amber_threshold, 100) / 100 ELSE COALESCE(amber_threshold, target) END)
       THEN 'green'
  WHEN {UP} * value >= {UP} * (CASE WHEN threshold_mode = 'percent'
       THEN target * 1.0 * red_threshold / 100 ELSE red_threshold END)
       THEN 'amber'
  ELSE 'red'
END"""
ATTENTION = {"red": 0, "amber": 1, "no_data": 3, "green": 4}


def _db() -> tuple[Any, Any]:
    from django.db import connection

    return connection, connection.ops


def _managed_cte() -> str:
    """The teams the person manages and every team under them, as the CTE ``managed``."""
    return """managed(id) AS (
        SELECT id FROM orgs_team WHERE organization_id = %s AND manager_id = %s
        UNION SELECT t.id FROM orgs_team t JOIN managed m ON t.parent_id = m.id)"""


def _kpi_visible(me: Any) -> tuple[str, list[Any]]:
    """KPIs (alias k) the person may see: every one for administrators; else public, owned, managed (the CTE
    ``managed``), or on a private board of theirs."""
    if me.is_admin:
        return "1 = 1", []
    return (
        """(k.visibility = 'public' OR k.owner_id = %s OR k.team_id IN (SELECT id FROM managed)
        OR k.id IN (SELECT i.kpi_id FROM boards_boarditem i JOIN boards_board b ON b.id = i.board_id
                    JOIN boards_boardmember bm ON bm.board_id = b.id
                    WHERE bm.membership_id = %s AND b.visibility = 'private' AND i.kpi_id IS NOT NULL))""",
        [me.pk, me.pk],
    )


def _objective_visible(me: Any) -> tuple[str, list[Any]]:
    """Objectives (alias o) the person may see; the same rule, with the owner's manager and the key results
    on their private boards."""
    if me.is_admin:
        return "1 = 1", []
    return (
        """(o.visibility = 'public' OR o.owner_id = %s OR o.team_id IN (SELECT id FROM managed)
        OR o.owner_id IN (SELECT id FROM orgs_membership WHERE manager_id = %s)
        OR o.id IN (SELECT COALESCE(i.objective_id, kr.objective_id) FROM boards_boarditem i
                    JOIN boards_board b ON b.id = i.board_id JOIN boards_boardmember bm ON bm.board_id = b.id
                    LEFT JOIN okrs_keyresult kr ON kr.id = i.key_result_id
                    WHERE bm.membership_id = %s AND b.visibility = 'private'))""",
        [me.pk, me.pk, me.pk],
    )


def _periods(today: datetime.date, fiscal: int, grains: tuple[str, ...] = GRAINS) -> list[tuple[Any, ...]]:
    from tandem.core.periods import period_of

    rows = []
    for grain in grains:
        period = period_of(grain, today, fiscal_start_month=fiscal)
        rows.append((grain, period.start, period.end, period.days, (today - period.start).days + 1))
    return rows


def _values(rows: list[tuple[Any, ...]], adapt: Any) -> tuple[str, list[Any]]:
    """A VALUES list of rows, with dates adapted to the database."""
    params: list[Any] = []
    for row in rows:
        params.extend(adapt(value) for value in row)
    width = len(rows[0])
    return ", ".join("(" + ", ".join(["%s"] * width) + ")" for _ in rows), params


def _adapt(ops: Any) -> Any:
    def adapt(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    return adapt


def kpi_statuses(
    cursor: Any, ops: Any, org: Any, me: Any, scope: str, today: datetime.date, ids: list[int] | None = None
) -> list[tuple[Any, ...]]:
    """(id, name, status) of every active KPI in scope the person may see (or of the KPIs ``ids``, whatever their
    state), in its current period, by name: the value aggregated as the KPI's rules say (a running sum judged by
    its run rate) against the target of the version in force (or its period's own target). A KPI whose first
    version starts after today is left out (the app judges it by that version): the bench has none."""
    visible, visible_params = _kpi_visible(me)
    values, value_params = _values(_periods(today, org.fiscal_year_start_month), _adapt(ops))
    mine = "AND k.owner_id = %s" if scope == "me" else ""
    if ids is not None:
        mine = "AND k.id IN (" + ", ".join(["%s"] * len(ids)) + ")" if ids else "AND 1 = 0"
    state = "AND k.state = 'active'" if ids is None else ""
    sql = f"""
    WITH RECURSIVE {_managed_cte()},
    p(frequency, start, stop, days, elapsed) AS (VALUES {values}),
    v AS (
        SELECT k.id, k.name, kv.aggregation, kv.direction, kv.threshold_mode, kv.amber_threshold,
               kv.red_threshold, COALESCE(pt.target, kv.target) AS target, p.start, p.stop, p.days, p.elapsed
        FROM kpis_kpi k
        JOIN kpis_kpiversion kv ON kv.kpi_id = k.id AND kv.effective_from <= %s AND NOT EXISTS (
            SELECT 1 FROM kpis_kpiversion x
            WHERE x.kpi_id = k.id AND x.effective_from <= %s AND x.effective_from > kv.effective_from)
        JOIN p ON p.frequency = kv.frequency
        LEFT JOIN kpis_periodtarget pt ON pt.version_id = kv.id AND pt.period_start = p.start
        WHERE k.organization_id = %s {state} AND kv.formula = '' AND {visible} {mine}
    ),
    summed AS (
        SELECT v.id, v.name, v.direction, v.threshold_mode, v.amber_threshold, v.red_threshold, v.target,
               CASE v.aggregation
                 WHEN 'sum' THEN SUM(d.value) * 1.0 * v.days / v.elapsed
                 WHEN 'avg' THEN AVG(d.value) WHEN 'min' THEN MIN(d.value) ELSE MAX(d.value)
               END AS value
        FROM v LEFT JOIN kpis_datapoint d
             ON d.organization_id = %s AND d.kpi_id = v.id AND d.date >= v.start AND d.date < v.stop
        WHERE v.aggregation <> 'last'
        GROUP BY v.id, v.name, v.direction, v.threshold_mode, v.amber_threshold, v.red_threshold, v.target,
                 v.aggregation, v.days, v.elapsed
    ),
    latest AS (
        SELECT v.id, v.name, v.direction, v.threshold_mode, v.amber_threshold, v.red_threshold, v.target,
               d.value, ROW_NUMBER() OVER (PARTITION BY v.id ORDER BY d.date DESC, d.id DESC) AS rn
        FROM v LEFT JOIN kpis_datapoint d
             ON d.organization_id = %s AND d.kpi_id = v.id AND d.date >= v.start AND d.date < v.stop
        WHERE v.aggregation = 'last'
    ),
    a AS (
        SELECT id, name, direction, threshold_mode, amber_threshold, red_threshold, target, value FROM summed
        UNION ALL
        SELECT id, name, direction, threshold_mode, amber_threshold, red_threshold, target, value FROM latest
        WHERE rn = 1
    )
    SELECT id, name, {STATUS_SQL} FROM a ORDER BY name, id"""
    day = ops.adapt_datefield_value(today)
    params = [org.pk, me.pk, *value_params, day, day, org.pk, *visible_params]
    if ids:
        params.extend(ids)
    elif scope == "me" and ids is None:
        params.append(me.pk)
    params += [org.pk, org.pk]  # the data points of the summed and of the latest
    cursor.execute(sql, params)
    return cursor.fetchall()


def kept_statuses(cursor: Any, ops: Any, org: Any, me: Any, scope: str, today: datetime.date) -> list[tuple[Any, ...]]:
    """The same as :func:`kpi_statuses` for the KPIs judged today, read from the status each KPI keeps
    (``status_now``, written as data arrives and by the worker); the others judged afresh as there."""
    visible, visible_params = _kpi_visible(me)
    mine = "AND k.owner_id = %s" if scope == "me" else ""
    day = ops.adapt_datefield_value(today)
    cursor.execute(
        f"""WITH RECURSIVE {_managed_cte()}
        SELECT k.id, k.name, CASE WHEN k.status_on = %s THEN k.status_now END FROM kpis_kpi k
        WHERE k.organization_id = %s AND k.state = 'active' AND {visible} {mine} ORDER BY k.name, k.id""",
        [org.pk, me.pk, day, org.pk, *visible_params] + ([me.pk] if scope == "me" else []),
    )
    rows = cursor.fetchall()
    stale = [pk for pk, _name, status in rows if status is None]
    if not stale:
        return rows
    fresh = {pk: status for pk, _name, status in kpi_statuses(cursor, ops, org, me, scope, today, ids=stale)}
    return [(pk, name, status if status is not None else fresh.get(pk, "no_data")) for pk, name, status in rows]


def kpi_series(cursor: Any, ops: Any, org: Any, kpi_ids: list[int], today: datetime.date) -> list[tuple[Any, ...]]:
    """(kpi, period start, value) of the last twelve periods of these KPIs, at each one's frequency."""
    from tandem.core.periods import last_n

    if not kpi_ids:
        return []
    cursor.execute(
        "SELECT kv.kpi_id, kv.frequency, kv.aggregation FROM kpis_kpiversion kv WHERE kv.kpi_id IN ("
        + ", ".join(["%s"] * len(kpi_ids))
        + ") AND kv.effective_from = (SELECT MAX(x.effective_from) FROM kpis_kpiversion x "
        "WHERE x.kpi_id = kv.kpi_id AND x.effective_from <= %s)",
        [*kpi_ids, ops.adapt_datefield_value(today)],
    )
    rules = cursor.fetchall()
    fiscal = org.fiscal_year_start_month
    grains = {frequency for _k, frequency, _a in rules}
    periods = {grain: last_n(grain, today, SPARK, fiscal_start_month=fiscal) for grain in grains}
    rows = [
        (kpi_id, aggregation, p.start, p.end) for kpi_id, frequency, aggregation in rules for p in periods[frequency]
    ]
    values, params = _values(rows, _adapt(ops))
    cursor.execute(
        f"""
        WITH p(kpi_id, aggregation, start, stop) AS (VALUES {values})
        SELECT p.kpi_id, p.start,
               CASE p.aggregation WHEN 'sum' THEN SUM(d.value) WHEN 'avg' THEN AVG(d.value)
                 WHEN 'min' THEN MIN(d.value) WHEN 'max' THEN MAX(d.value)
                 ELSE (SELECT l.value FROM kpis_datapoint l WHERE l.organization_id = %s AND l.kpi_id = p.kpi_id
                       AND l.date >= p.start AND l.date < p.stop ORDER BY l.date DESC, l.id DESC LIMIT 1) END
        FROM p LEFT JOIN kpis_datapoint d ON d.organization_id = %s AND d.kpi_id = p.kpi_id AND d.date >= p.start
             AND d.date < p.stop AND p.aggregation <> 'last'
        GROUP BY p.kpi_id, p.aggregation, p.start, p.stop ORDER BY p.kpi_id, p.start""",
        [*params, org.pk, org.pk],
    )
    return cursor.fetchall()


def _current_cycle(cursor: Any, org: Any, today: datetime.date) -> int | None:
    """The active cycle around today (the shortest), else the latest active or planning one: a handful of rows,
    chosen here as the selector chooses."""
    cursor.execute(
        'SELECT id, state, start, "end" FROM okrs_cycle WHERE organization_id = %s AND state <> %s '
        "ORDER BY start DESC, id",
        [org.pk, "closed"],
    )
    rows = [(pk, state, _day(start), _day(end)) for pk, state, start, end in cursor.fetchall()]
    running = [r for r in rows if r[1] == "active" and r[2] <= today <= r[3]]
    if running:
        return min(running, key=lambda r: (r[3] - r[2], r[0]))[0]
    return rows[0][0] if rows else None


def _day(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def _objective_scope(me: Any, scope: str) -> tuple[str, list[Any]]:
    visible, params = _objective_visible(me)
    if scope == "me":
        return (
            f"{visible} AND o.id IN (SELECT id FROM okrs_objective WHERE owner_id = %s "
            "UNION SELECT objective_id FROM okrs_keyresult WHERE owner_id = %s)",
            [*params, me.pk, me.pk],
        )
    return visible, params


def objectives(cursor: Any, ops: Any, org: Any, me: Any, scope: str, cycle_id: int, now: datetime.datetime) -> Any:
    """The counts of the cycle's objectives in scope and of those at risk, and the first twenty (at risk,
    then company, team, person, by title) with their key results: "at risk" is the flag each objective keeps
    as its key results change (``okrs.check_ins.objective_recompute``), as the page reads it."""
    where, params = _objective_scope(me, scope)
    scoped = f"""WITH RECURSIVE {_managed_cte()},
    scoped AS (SELECT o.id, o.title, o.progress, o.at_risk,
                      CASE o.level WHEN 'company' THEN 0 WHEN 'team' THEN 1 ELSE 2 END AS rank
               FROM okrs_objective o WHERE o.organization_id = %s AND o.cycle_id = %s AND {where})"""
    head = [org.pk, me.pk, org.pk, cycle_id, *params]
    cursor.execute(f"{scoped} SELECT COUNT(*), SUM(CASE WHEN at_risk THEN 1 ELSE 0 END) FROM scoped", head)
    counts = cursor.fetchone()
    cursor.execute(
        f"""{scoped}, top AS (SELECT * FROM scoped ORDER BY at_risk DESC, rank, title, id LIMIT 20)
        SELECT top.id, top.title, top.progress, kr.id, kr.title, kr.progress, kr.current_value, kr.target_value,
               kr.confidence, kr.last_check_in_at
        FROM top LEFT JOIN okrs_keyresult kr ON kr.objective_id = top.id
        ORDER BY top.at_risk DESC, top.rank, top.title, top.id, kr.position, kr.id""",
        head,
    )
    return (counts[0], counts[1] or 0), cursor.fetchall()


def check_ins_due(cursor: Any, ops: Any, org: Any, me: Any, scope: str, now: datetime.datetime) -> int:
    """Key results of active cycles in scope with no check-in for a week (KPI-driven ones excepted)."""
    where, params = _objective_visible(me)
    mine = "AND kr.owner_id = %s" if scope == "me" else ""
    cursor.execute(
        f"""WITH RECURSIVE {_managed_cte()}
        SELECT COUNT(*) FROM okrs_keyresult kr JOIN okrs_objective o ON o.id = kr.objective_id
        WHERE kr.organization_id = %s AND kr.kpi_id IS NULL
          AND o.cycle_id IN (SELECT c.id FROM okrs_cycle c WHERE c.organization_id = %s AND c.state = 'active')
          AND (kr.last_check_in_at IS NULL OR kr.last_check_in_at < %s) AND {where} {mine}""",
        [org.pk, me.pk, org.pk, org.pk, ops.adapt_datetimefield_value(now - STALE_AFTER), *params]
        + ([me.pk] if scope == "me" else []),
    )
    return int(cursor.fetchone()[0])


def change_requests_waiting(cursor: Any, org: Any, me: Any) -> int:
    visible, params = _kpi_visible(me)
    decides = "" if me.is_admin else "AND k.team_id IN (SELECT id FROM managed)"
    cursor.execute(
        f"""WITH RECURSIVE {_managed_cte()}
        SELECT COUNT(*) FROM kpis_changerequest cr JOIN kpis_kpi k ON k.id = cr.kpi_id
        WHERE cr.organization_id = %s AND cr.state = 'pending' AND cr.requested_by_id <> %s AND {visible} {decides}""",
        [org.pk, me.pk, org.pk, me.pk, *params],
    )
    return int(cursor.fetchone()[0])


def home(org: Any, me: Any, scope: str, today: datetime.date, live: bool = False) -> dict[str, Any]:
    """What the home page (and ``GET /api/v1/dashboard``) shows for ``scope`` "company" or "me": the KPIs'
    statuses as kept (as the page reads them), or judged from their points when ``live``."""
    from django.utils import timezone

    connection, ops = _db()
    now = timezone.now()
    with connection.cursor() as cursor:
        statuses = (kpi_statuses if live else kept_statuses)(cursor, ops, org, me, scope, today)
        counts = {"red": 0, "amber": 0, "green": 0, "no_data": 0}
        for _id, _name, found in statuses:
            counts[found] += 1
        counts["total"] = len(statuses)
        first = [row[0] for row in sorted(statuses, key=lambda row: ATTENTION[row[2]])[:20]]
        series = kpi_series(cursor, ops, org, first, today)
        cycle_id = _current_cycle(cursor, org, today)
        objective_counts, rows = objectives(cursor, ops, org, me, scope, cycle_id, now) if cycle_id else ((0, 0), [])
        return {
            "kpis": counts,
            "kpi_rows": first,
            "series": len(series),
            "objectives": objective_counts[0],
            "objectives_at_risk": int(objective_counts[1] or 0),
            "objective_rows": len({row[0] for row in rows}),
            "check_ins_due": check_ins_due(cursor, ops, org, me, scope, now),
            "change_requests_waiting": change_requests_waiting(cursor, org, me),
        }


def board(org: Any, me: Any, board_id: int, today: datetime.date) -> dict[str, Any]:
    """What a board shows the person: its items in order with each metric's numbers, the KPIs' current status
    and twelve-period series, the objectives' key results, and every key result's check-ins."""
    connection, ops = _db()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.id, i.display, i.section_id, k.id, k.name, o.id, o.title, o.progress, kr.id, kr.title,
                      kr.progress, kr.current_value, kr.start_value, kr.target_value, kr.confidence,
                      kr.last_check_in_at
            FROM boards_board b JOIN boards_boarditem i ON i.board_id = b.id
            LEFT JOIN boards_boardsection s ON s.id = i.section_id
            LEFT JOIN kpis_kpi k ON k.id = i.kpi_id
            LEFT JOIN okrs_objective o ON o.id = i.objective_id
            LEFT JOIN okrs_keyresult kr ON kr.id = i.key_result_id
            LEFT JOIN okrs_objective ko ON ko.id = kr.objective_id
            WHERE b.id = %s AND b.organization_id = %s
              AND (b.visibility = 'public' OR EXISTS (SELECT 1 FROM boards_boardmember m
                                                      WHERE m.board_id = b.id AND m.membership_id = %s))
              AND (b.visibility = 'private' OR k.visibility = 'public' OR o.visibility = 'public'
                   OR ko.visibility = 'public')
            ORDER BY s.position IS NOT NULL, s.position, i.section_id, i.position, i.id""",
            [board_id, org.pk, me.pk],
        )
        items = cursor.fetchall()
        kpi_ids = [row[3] for row in items if row[3]]
        objective_ids = [row[5] for row in items if row[5]]
        statuses = kpi_statuses(cursor, ops, org, me, "board", today, ids=kpi_ids)
        series = kpi_series(cursor, ops, org, kpi_ids, today)
        results: list[tuple[Any, ...]] = []
        if objective_ids:
            cursor.execute(
                "SELECT objective_id, id, title, progress, confidence FROM okrs_keyresult WHERE objective_id IN ("
                + ", ".join(["%s"] * len(objective_ids))
                + ") ORDER BY objective_id, position, id",
                objective_ids,
            )
            results = cursor.fetchall()
        wanted = [row[1] for row in results] + [row[8] for row in items if row[8]]
        check_ins: list[tuple[Any, ...]] = []
        if wanted:
            cursor.execute(
                "SELECT key_result_id, created_at, value FROM okrs_checkin WHERE organization_id = %s "
                "AND key_result_id IN (" + ", ".join(["%s"] * len(wanted)) + ") ORDER BY key_result_id, created_at, id",
                [org.pk, *wanted],
            )
            check_ins = cursor.fetchall()
        cursor.execute(
            "SELECT id, title, position FROM boards_boardsection WHERE board_id = %s ORDER BY position, id", [board_id]
        )
        sections = cursor.fetchall()
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN membership_id = %s THEN 1 ELSE 0 END) FROM boards_boardmember "
            "WHERE board_id = %s",
            [me.pk, board_id],
        )
        members = cursor.fetchone()
    return {
        "items": len(items),
        "statuses": {pk: found for pk, _name, found in statuses},
        "series": len(series),
        "key_results": len(results),
        "check_ins": len(check_ins),
        "sections": len(sections),
        "members": members[0],
    }
