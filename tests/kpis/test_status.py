"""Status math for every direction and threshold form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.kpis.status import Rule, status

D = Decimal
higher_pct = Rule("higher", "percent", D(100), D(90))
lower_pct = Rule("lower", "percent", D(100), D(110))
higher_abs = Rule("higher", "absolute", D(500), D(400))
band_abs = Rule("band", "absolute", None, D(2), D(20), D(30))
band_pct = Rule("band", "percent", None, D(10), D(20), D(30))


@pytest.mark.parametrize(
    "value,target,rule,expected",
    [
        (D(100), D(100), higher_pct, "green"),
        (D("99.99"), D(100), higher_pct, "amber"),
        (D(90), D(100), higher_pct, "amber"),
        (D("89.99"), D(100), higher_pct, "red"),
        (D(100), D(100), lower_pct, "green"),
        (D(110), D(100), lower_pct, "amber"),
        (D("110.01"), D(100), lower_pct, "red"),
        (D(500), None, higher_abs, "green"),
        (D(450), None, higher_abs, "amber"),
        (D(399), None, higher_abs, "red"),
        (D(25), None, band_abs, "green"),
        (D(18), None, band_abs, "amber"),
        (D(32), None, band_abs, "amber"),
        (D("32.01"), None, band_abs, "red"),
        (D(31), None, band_pct, "amber"),  # 10% of a band 10 wide = 1
        (D("31.5"), None, band_pct, "red"),
        (None, D(100), higher_pct, "no_data"),
        (D(50), None, higher_pct, "no_data"),  # percent thresholds without a target cannot judge
    ],
)
def test_examples(value, target, rule, expected):
    assert status(value, target, rule) == expected


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
percents = st.integers(min_value=0, max_value=200).map(Decimal)


@given(value=amounts, target=amounts, amber=percents, red=percents)
def test_higher_and_lower_mirror_each_other(value, target, amber, red):
    high = status(value, target, Rule("higher", "percent", max(amber, red), min(amber, red)))
    low = status(-value, -target, Rule("lower", "percent", max(amber, red), min(amber, red)))
    assert high == low


@given(value=amounts, target=amounts.filter(lambda t: t > 0), amber=percents, red=percents)
def test_more_is_never_worse_when_higher_is_better(value, target, amber, red):
    rule = Rule("higher", "percent", max(amber, red), min(amber, red))
    order = {"red": 0, "amber": 1, "green": 2}
    assert order[status(value + 1, target, rule)] >= order[status(value, target, rule)]


@given(low=amounts, width=amounts.filter(lambda w: w > 0), tolerance=amounts.filter(lambda t: t >= 0), value=amounts)
def test_band_is_green_exactly_inside(low, width, tolerance, value):
    rule = Rule("band", "absolute", None, tolerance, low, low + width)
    result = status(value, None, rule)
    assert (result == "green") == (low <= value <= low + width)
    if result == "red":
        assert value < low - tolerance or value > low + width + tolerance
