"""How a period's value is judged: green, amber, red or no data.

Thresholds are "amber from" and "red from" lines, given either as values or as a percent of the
period's target:

* higher is better — green at or above the amber line, amber down to the red line, red below;
* lower is better — green at or below the amber line, amber up to the red line, red above;
* within a band — green inside [band low, band high]; amber outside it by no more than the red
  threshold (a value, or a percent of the band's width); red beyond.

Without the numbers a rule needs (a value, or a target for percent thresholds) the period has
no status: "no data". Lines are compared at six decimals, the precision values are stored with.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SIX = Decimal("0.000001")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rule:
    """The parts of a KPI version that decide a status."""

    direction: str  # "higher", "lower" or "band"
    threshold_mode: str  # "absolute" or "percent"
    amber: Decimal | None
    red: Decimal | None
    band_low: Decimal | None = None
    band_high: Decimal | None = None


def _six(value: Decimal) -> Decimal:
    return value.quantize(SIX, rounding=ROUND_HALF_UP)


def lines(rule: Rule, target: Decimal | None) -> tuple[Decimal, Decimal] | None:
    """The amber and red lines for a period, or None when they cannot be known."""
    if rule.direction == "band":
        if rule.band_low is None or rule.band_high is None or rule.red is None:
            return None
        tolerance = rule.red
        if rule.threshold_mode == "percent":
            tolerance = (rule.band_high - rule.band_low) * rule.red / HUNDRED
        return _six(rule.band_low - tolerance), _six(rule.band_high + tolerance)
    amber = rule.amber if rule.amber is not None else (HUNDRED if rule.threshold_mode == "percent" else target)
    if amber is None or rule.red is None:
        return None
    if rule.threshold_mode == "percent":
        if target is None:
            return None
        return _six(target * amber / HUNDRED), _six(target * rule.red / HUNDRED)
    return _six(amber), _six(rule.red)


def status(value: Decimal | None, target: Decimal | None, rule: Rule) -> str:
    """green, amber, red or no_data for one period."""
    if value is None:
        return "no_data"
    found = lines(rule, target)
    if found is None:
        return "no_data"
    value = _six(value)
    if rule.direction == "band":
        assert rule.band_low is not None and rule.band_high is not None
        red_low, red_high = found
        if _six(rule.band_low) <= value <= _six(rule.band_high):
            return "green"
        return "amber" if red_low <= value <= red_high else "red"
    amber_line, red_line = found
    if rule.direction == "lower":
        value, amber_line, red_line = -value, -amber_line, -red_line
    if value >= amber_line:
        return "green"
    return "amber" if value >= red_line else "red"
