"""Progress and scores, the same in Python and in SQL.

A key result moves "from X to Y": progress = (current − start) / (target − start), clamped to 0..1, so a
decreasing target (churn from 8 to 5) works the same way. A yes/no key result runs from 0 to 1 and a
milestones key result from 0 to its number of milestones, so one formula serves every type. An
objective's progress (and score) is the weighted mean of its key results'. Both are kept at four decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DecimalField, F, Func, Value
from django.db.models.functions import Coalesce, Greatest, Least, NullIf

FOUR = Decimal("0.0001")
NUMERIC: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=10)


def four(value: Decimal) -> Decimal:
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def key_result_progress(start: Decimal, target: Decimal, current: Decimal) -> Decimal:
    """Share of the way from start to target, between 0 and 1."""
    if target == start:
        return Decimal(0)
    share = (current - start) / (target - start)
    return four(min(Decimal(1), max(Decimal(0), share)))


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The mean of (weight, value) pairs, weighted; 0 without any weight."""
    pairs = list(pairs)
    total = sum((weight for weight, _value in pairs), Decimal(0))
    if total <= 0:
        return Decimal(0)
    return four(sum((weight * value for weight, value in pairs), Decimal(0)) / total)


class _Quotient(Func):
    """numerator / denominator: exact numerics on PostgreSQL; on SQLite in doubles, never integer division."""

    arg_joiner = " / "
    template = "(%(expressions)s)"
    output_field = NUMERIC

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="(1.0 * %(expressions)s)", **extra_context)


def _millionths(field: str) -> Func:
    """An amount as a whole number of millionths: exact on both databases (SQLite keeps amounts as doubles,
    which hold whole millionths exactly but not the differences of nearby large amounts)."""
    return Func(F(field), template="ROUND(CAST(%(expressions)s AS numeric) * 1000000)", output_field=NUMERIC)


def progress_expression(
    start: str = "start_value", target: str = "target_value", current: str = "current_value"
) -> Coalesce:
    """``key_result_progress`` as a SQL expression over a key result's columns (unrounded: the caller stores
    it in a four-decimal column, or compares it within half a ten-thousandth)."""
    zero, one = Value(Decimal(0), output_field=NUMERIC), Value(Decimal(1), output_field=NUMERIC)
    # No span (target equal to start, which validation refuses) is no progress, as in Python.
    span = NullIf(_millionths(target) - _millionths(start), zero)
    share = _Quotient(_millionths(current) - _millionths(start), span)
    return Coalesce(Least(Greatest(share, zero), one), zero, output_field=NUMERIC)
