"""The status expression in SQL agrees with kpis/status.py, on whichever database the suite runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import DecimalField, Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.kpis.status import Rule, lines, status
from tandem.kpis.status_sql import status_expression
from tandem.orgs.models import Organization

D = Decimal
MICRO = D("0.000001")
LARGEST = D("999999999.999999")


@pytest.fixture
def organization(db) -> Organization:  # type: ignore[no-untyped-def]
    return Organization.objects.create(name="Status in SQL", slug="status-in-sql")


def _amount(number: Decimal | None) -> Value:
    return Value(number, output_field=DecimalField(max_digits=20, decimal_places=6))


def in_sql(organization: Organization, value: Decimal | None, target: Decimal | None, rule: Rule) -> str:
    expression = status_expression(
        value=_amount(value),
        target=_amount(target),
        direction=Value(rule.direction),
        threshold_mode=Value(rule.threshold_mode),
        amber=_amount(rule.amber),
        red=_amount(rule.red),
        band_low=_amount(rule.band_low),
        band_high=_amount(rule.band_high),
    )
    found = Organization.objects.filter(pk=organization.pk).annotate(status=expression)
    return found.values_list("status", flat=True).get()


higher_pct = Rule("higher", "percent", D(100), D(90))
lower_pct = Rule("lower", "percent", D(100), D(110))
higher_abs = Rule("higher", "absolute", D(500), D(400))
lower_abs = Rule("lower", "absolute", D(20), D(30))
band_abs = Rule("band", "absolute", None, D(2), D(20), D(30))
band_pct = Rule("band", "percent", None, D(10), D(20), D(30))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value,target,rule,expected",
    [
        (D(100), D(100), higher_pct, "green"),
        (D("99.999999"), D(100), higher_pct, "amber"),
        (D(90), D(100), higher_pct, "amber"),
        (D("89.999999"), D(100), higher_pct, "red"),
        (D(100), D(100), lower_pct, "green"),
        (D("100.000001"), D(100), lower_pct, "amber"),
        (D(110), D(100), lower_pct, "amber"),
        (D("110.000001"), D(100), lower_pct, "red"),
        (D(500), None, higher_abs, "green"),
        (D(450), None, higher_abs, "amber"),
        (D(400), None, higher_abs, "amber"),
        (D("399.999999"), None, higher_abs, "red"),
        (D(20), None, lower_abs, "green"),
        (D(30), None, lower_abs, "amber"),
        (D("30.000001"), None, lower_abs, "red"),
        (D(20), None, band_abs, "green"),
        (D(30), None, band_abs, "green"),
        (D(18), None, band_abs, "amber"),
        (D(32), None, band_abs, "amber"),
        (D("17.999999"), None, band_abs, "red"),
        (D("32.000001"), None, band_abs, "red"),
        (D(31), None, band_pct, "amber"),  # 10% of a band 10 wide = 1
        (D("31.000001"), None, band_pct, "red"),
        (D("-5"), D("-10"), Rule("higher", "percent", D(50), D(10)), "green"),  # 50% of -10 is the amber line
        (D(8), D(10), Rule("higher", "percent", None, D(80)), "amber"),  # amber defaults to 100%
        (D(10), D(10), Rule("higher", "absolute", None, D(8)), "green"),  # amber defaults to the target
        (D("9.999999"), D(10), Rule("higher", "absolute", None, D(8)), "amber"),
    ],
)
def test_examples(organization, value, target, rule, expected):
    assert status(value, target, rule) == expected
    assert in_sql(organization, value, target, rule) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value,target,rule",
    [
        (None, D(100), higher_pct),
        (None, None, band_abs),
        (D(50), None, higher_pct),  # percent thresholds without a target cannot judge
        (D(50), None, lower_pct),
        (D(50), None, Rule("higher", "absolute", None, D(40))),  # no amber and no target to default to
        (D(50), D(60), Rule("higher", "absolute", D(55), None)),
        (D(50), D(60), Rule("lower", "percent", D(100), None)),
        (D(25), None, Rule("band", "absolute", None, None, D(20), D(30))),
        (D(25), None, Rule("band", "percent", None, D(10), None, D(30))),
        (D(25), None, Rule("band", "percent", None, D(10), D(20), None)),
    ],
)
def test_no_data(organization, value, target, rule):
    assert status(value, target, rule) == "no_data"
    assert in_sql(organization, value, target, rule) == "no_data"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value,target,expected",
    [
        (D("0.000001"), D("0.000001"), "green"),  # 50% of 0.000001 is 0.0000005, rounded up to 0.000001
        (D(0), D("0.000001"), "red"),  # not green: the amber line did not round down to 0
        (D("-0.000001"), D("-0.000001"), "green"),  # and -0.0000005 rounded away from zero to -0.000001
        (D("-0.000002"), D("-0.000001"), "amber"),
        (D("-0.000003"), D("-0.000001"), "red"),
    ],
)
def test_lines_round_half_away_from_zero(organization, value, target, expected):
    rule = Rule("higher", "percent", D(50), D(200))
    assert status(value, target, rule) == expected
    assert in_sql(organization, value, target, rule) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value,target,rule,expected",
    [
        # 50% of 305945517.197503 is 152972758.5987515: a half, which doubles alone would round down.
        (D("152972758.598752"), D("305945517.197503"), Rule("lower", "percent", D(50), D(50)), "green"),
        (D("-230691552.217416"), D("-461383104.434833"), Rule("lower", "percent", D(50), D(50)), "red"),
        # 72.697817% of -897794766.388946 is -652677196.30501347130882: a near-half.
        (D("-652677196.305014"), D("-897794766.388946"), Rule("higher", "percent", D("72.697817"), D(100)), "amber"),
        (D("-652677196.305013"), D("-897794766.388946"), Rule("higher", "percent", D("72.697817"), D(100)), "green"),
        # The band's tolerance, 25% of its width 245412838.305158, is 61353209.5762895: the red line is at
        # 0.000001 - 61353209.5762895 = -61353209.5762885, taken away from zero to -61353209.576289.
        (
            D("-61353209.576289"),
            None,
            Rule("band", "percent", None, D(25), D("0.000001"), D("245412838.305159")),
            "amber",
        ),
        (
            D("-61353209.576290"),
            None,
            Rule("band", "percent", None, D(25), D("0.000001"), D("245412838.305159")),
            "red",
        ),
    ],
)
def test_large_amounts_round_exactly(organization, value, target, rule, expected):
    assert status(value, target, rule) == expected
    assert in_sql(organization, value, target, rule) == expected


@pytest.mark.django_db
def test_arguments_may_be_field_names(organization):
    numbers = {name: _amount(D(n)) for name, n in [("v", 95), ("t", 100), ("a", 100), ("r", 90)]}
    found = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(d=Value("higher"), m=Value("percent"), lo=_amount(None), hi=_amount(None), **numbers)
        .annotate(
            status=status_expression(
                value="v",
                target="t",
                direction="d",
                threshold_mode="m",
                amber="a",
                red="r",
                band_low="lo",
                band_high="hi",
            )
        )
    )
    assert found.values_list("status", flat=True).get() == "amber"


def _decimals(largest: Decimal) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=-largest, max_value=largest, places=6, allow_nan=False, allow_infinity=False)


# Hypothesis keeps its decimals short; whole numbers of millionths also reach every digit of large amounts.
millionths = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1).map(lambda n: Decimal(n).scaleb(-6))
amounts = st.one_of(st.integers(min_value=-1000, max_value=1000).map(Decimal), _decimals(D(1000)), millionths)
# Halves of a millionth come from percents such as these.
halving = st.sampled_from([D(50), D(25), D("12.5"), D("0.5"), D(150)])
percents = st.one_of(st.integers(min_value=0, max_value=200).map(Decimal), halving, _decimals(D(200)), millionths)
rules = st.builds(
    Rule,
    direction=st.sampled_from(["higher", "lower", "band"]),
    threshold_mode=st.sampled_from(["absolute", "percent"]),
    amber=st.none() | amounts | percents,
    red=st.none() | amounts | percents,
    band_low=st.none() | amounts,
    band_high=st.none() | amounts,
)


def _edges(target: Decimal | None, rule: Rule) -> list[Decimal]:
    """The numbers where a status can change: the lines, and for a band its ends."""
    found = list(lines(rule, target) or ())
    if rule.direction == "band":
        found += [n for n in (rule.band_low, rule.band_high) if n is not None]
    return [n for n in found if abs(n) <= LARGEST]


def _value(data: st.DataObject, target: Decimal | None, rule: Rule) -> Decimal | None:
    """No value, any value, or mostly one at or a millionth either side of an edge."""
    edges = _edges(target, rule)
    where = data.draw(st.sampled_from(["nowhere", "anywhere", "at an edge", "at an edge", "at an edge"]))
    if where == "nowhere":
        return None
    if where == "anywhere" or not edges:
        return data.draw(amounts, label="value")
    edge = data.draw(st.sampled_from(edges))
    return data.draw(st.sampled_from([edge - MICRO, edge, edge + MICRO]), label="value")


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=rules, target=st.none() | amounts, data=st.data())
def test_sql_status_matches_python_status(organization, rule, target, data):
    value = _value(data, target, rule)
    assert in_sql(organization, value, target, rule) == status(value, target, rule)


# Drawn evenly: Hypothesis's own integers keep close to their bounds, where doubles still hold every digit.
large = st.randoms(use_true_random=False).map(lambda r: Decimal(r.randrange(10**13, 10**15)).scaleb(-6))
large_amounts = large | large.map(lambda n: -n)
large_percent_rules = st.builds(
    Rule,
    direction=st.sampled_from(["higher", "lower", "band"]),
    threshold_mode=st.just("percent"),
    amber=st.none() | halving | _decimals(D(200)),
    red=halving | _decimals(D(200)),
    band_low=large_amounts,
    band_high=large_amounts,
)


@pytest.mark.django_db
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=large_percent_rules, target=large_amounts, data=st.data())
def test_sql_status_matches_python_status_for_large_percent_lines(organization, rule, target, data):
    # Lines of ten million and up: where rounding SQLite's doubles went wrong before the lines were exact.
    value = _value(data, target, rule)
    assert in_sql(organization, value, target, rule) == status(value, target, rule)
