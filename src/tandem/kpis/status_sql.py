"""A period's status (green, amber, red or no data) as a SQL expression.

Lists and roll-ups judge many periods in one query, so the rules of ``tandem.kpis.status`` are written
again here as a Django ORM expression that gives the same answers on SQLite and PostgreSQL. The tests
hold the two to each other.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import BigIntegerField, Case, CharField, DecimalField, F, Func, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Round
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual

Operand = Combinable | str

# Amounts are compared as whole numbers of millionths, the six decimals they are stored and judged at.
# Typed as integers, so that Django wraps no step in a CAST to NUMERIC on SQLite, whose parser allows
# only about thirty levels of nesting.
MILLIONTHS: IntegerField[int, int] = IntegerField()
# A millionth times a millionth, over 100, is a hundred-millionth of a millionth.
SCALE = 10**8


def status_expression(
    *,
    value: Operand,
    target: Operand,
    direction: Operand,
    threshold_mode: Operand,
    amber: Operand,
    red: Operand,
    band_low: Operand,
    band_high: Operand,
) -> Case:
    """The status of a period, as ``status.status(value, target, Rule(...))`` gives it, for each row.

    The expression is "green", "amber", "red" or "no_data". Each argument is an expression or the name
    of a field, so the value and the rules may come from the query's own columns, from annotations or from
    ``Value``s. Amounts are taken at the six decimals they are stored with.
    """
    value, target, amber, red = _millionths(value), _millionths(target), _millionths(amber), _millionths(red)
    band_low, band_high = _millionths(band_low), _millionths(band_high)
    band = Q(Exact(_column(direction), Value("band")))
    lower = Q(Exact(_column(direction), Value("lower")))
    percent = Q(Exact(_column(threshold_mode), Value("percent")))

    amber_line = Case(
        When(percent, then=_percent_of(target, Coalesce(amber, Value(100 * 10**6), output_field=MILLIONTHS))),
        default=Coalesce(amber, target, output_field=MILLIONTHS),
    )
    red_line = Case(When(percent, then=_percent_of(target, red)), default=red)
    red_low = Case(When(percent, then=_plus_percent_of(band_low, band_low - band_high, red)), default=band_low - red)
    red_high = Case(When(percent, then=_plus_percent_of(band_high, band_high - band_low, red)), default=band_high + red)
    # Lower is better is higher is better upside down; so each line appears once in the SQL.
    upward = Case(When(lower, then=Value(-1)), default=Value(1), output_field=MILLIONTHS)
    band_unknown = _null(band_low) | _null(band_high) | _null(red)
    lines_unknown = _null(red) | (_null(target) & (percent | _null(amber)))

    return Case(
        When(_null(value), then=_text("no_data")),
        When(band & band_unknown, then=_text("no_data")),
        When(band & _between(value, band_low, band_high), then=_text("green")),
        When(band & _between(value, red_low, red_high), then=_text("amber")),
        When(band, then=_text("red")),
        When(lines_unknown, then=_text("no_data")),
        When(GreaterThanOrEqual(upward * value, upward * amber_line), then=_text("green")),
        When(GreaterThanOrEqual(upward * value, upward * red_line), then=_text("amber")),
        default=_text("red"),
        output_field=CharField(),
    )


def _percent_of(whole: Combinable, percent: Combinable) -> Round:
    return _plus_percent_of(Value(0), whole, percent)


def _plus_percent_of(start: Combinable, whole: Combinable, percent: Combinable) -> Round:
    """``start + whole × percent / 100``, all in millionths, rounded half away from zero as Decimal rounds.

    PostgreSQL's numerics are exact, but SQLite computes with doubles, which cannot hold the fourteen
    decimals of such a product: rounding the double gets halves and near-halves wrong there from about ten
    million up. So the product is taken apart. What it has below a millionth, in hundred-millionths of one
    and signed like the product, depends only on the factors' own remainders and is found in 64-bit
    integers. Without it the rest is a whole number of millionths, which for lines below a billion the
    double approximates to well within a half, so ROUND finds it. The remainder then decides the last
    step: nudged by a quarter either side of a half, or by a half, the sum goes the right way under
    ROUND, which takes halves away from zero on both databases.
    """
    below = Cast(whole % SCALE, BigIntegerField()) * Cast(percent % SCALE, BigIntegerField()) % SCALE
    whole_millionths = Round(start + (whole * percent - below) / SCALE, output_field=MILLIONTHS)
    half = SCALE // 2
    nudge = Case(
        When(GreaterThan(below, half), then=_decimal("0.75")),
        When(Exact(below, half), then=_decimal("0.5")),
        When(Exact(below, -half), then=_decimal("-0.5")),
        When(LessThan(below, -half), then=_decimal("-0.75")),
        default=_decimal(0),
    )
    return Round(whole_millionths + nudge, output_field=MILLIONTHS)


def _millionths(operand: Operand) -> Func:
    # The cast gives PostgreSQL a type for a bare NULL, and keeps every digit of an exact number.
    template = "ROUND(CAST(%(expressions)s AS numeric) * 1000000)"
    return Func(_column(operand), template=template, output_field=MILLIONTHS)


def _column(operand: Operand) -> Combinable:
    return F(operand) if isinstance(operand, str) else operand


def _decimal(number: int | str) -> Value:
    return Value(Decimal(number), output_field=DecimalField(max_digits=3, decimal_places=2))


def _text(text: str) -> Value:
    return Value(text, output_field=CharField())


def _null(expression: Combinable) -> Q:
    return Q(IsNull(expression, True))


def _between(number: Combinable, low: Combinable, high: Combinable) -> Q:
    return Q(GreaterThanOrEqual(number, low)) & Q(LessThanOrEqual(number, high))
