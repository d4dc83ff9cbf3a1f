"""Progress in SQL agrees with okrs/progress.py, on whichever database the suite runs: a key result's share
of the way from its start to its target, and an objective's weighted mean of its key results."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tandem.okrs import check_ins, progress, services
from tandem.okrs.models import KeyResult, Objective, ResultType

pytestmark = pytest.mark.django_db
D = Decimal

# The SQL expression is unrounded and Python's value is rounded half-up to four decimals, so the two differ by
# at most half a ten-thousandth, 0.00005, when both are exact. On top of that the database may be off the
# exact share by a rounding error of its own: PostgreSQL divides numerics to at least 16 significant digits
# (an error below 1e-16 for a share between 0 and 1), and SQLite divides doubles (53 bits, a relative error
# of about 1.1e-16) that Django reads back at 15 significant digits (at most 5e-16 off for a share up to 1).
# EPSILON, 1e-12, covers those with room to spare while staying far below any real mistake in the formula.
HALF = D("0.00005")
EPSILON = D("1e-12")
TOLERANCE = HALF + EPSILON

MICRO = D("0.000001")
LARGEST = D("999999999.999999")  # magnitudes up to 1e9, six decimals: what amounts are checked over here


@pytest.fixture
def cycle(admin):  # type: ignore[no-untyped-def]
    return services.cycle_create(
        by=admin, name="Progress in SQL", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )


@pytest.fixture
def key_result(admin, cycle):  # type: ignore[no-untyped-def]
    objective = services.objective_create(by=admin, cycle=cycle, title="Measure the way")
    return services.key_result_create(by=admin, objective=objective, title="From X to Y", start_value=0, target_value=1)


def in_sql(key_result: KeyResult, start: Decimal, target: Decimal, current: Decimal) -> Decimal:
    """The database's progress for a key result with these values (set with an UPDATE, so without the
    validation that refuses a target equal to the start)."""
    rows = KeyResult.objects.for_org(key_result.organization_id).filter(pk=key_result.pk)
    rows.update(start_value=start, target_value=target, current_value=current)
    found = rows.annotate(p=progress.progress_expression()).values_list("p", flat=True).get()
    return Decimal(found)


@pytest.mark.parametrize(
    "start,target,current,expected",
    [
        (D(0), D(10), D(5), D("0.5")),  # increasing
        (D(8), D(5), D("6.5"), D("0.5")),  # decreasing: churn from 8 down to 5
        (D(0), D(10), D(12), D(1)),  # beyond the target
        (D(8), D(5), D(4), D(1)),
        (D(0), D(10), D(-3), D(0)),  # below the start
        (D(8), D(5), D(9), D(0)),
        (D(0), D(1), D(0), D(0)),  # yes/no: not yet
        (D(0), D(1), D(1), D(1)),  # yes/no: done
        (D(0), D(3), D(2), D("0.6667")),  # milestones: two of three
        (D(-10), D(-20), D(-15), D("0.5")),
        (D(7), D(7), D(7), D(0)),  # no span: validation refuses it, both sides call it no progress
        (D(7), D(7), D(100), D(0)),
        (D(-7), D(-7), D(-100), D(0)),
        # Large amounts a few millionths apart: 4 of 9 millionths, then 3 of 10. SQLite holds each as a double,
        # off by up to 6e-8 (near a billion) or 7.5e-9 (near a hundred million): a visible part of the span.
        (D("999999999.999990"), D("999999999.999999"), D("999999999.999994"), D("0.4444")),
        (D("-123456789.123450"), D("-123456789.123460"), D("-123456789.123453"), D("0.3")),
    ],
)
def test_examples(key_result, start, target, current, expected):
    assert progress.key_result_progress(start, target, current) == expected
    sql = in_sql(key_result, start, target, current)
    assert abs(sql - expected) <= TOLERANCE, sql


def test_yes_no_key_results_run_from_0_to_1(admin, cycle):
    objective = services.objective_create(by=admin, cycle=cycle, title="Ship it")
    kr = services.key_result_create(by=admin, objective=objective, title="Shipped", type=ResultType.YES_NO)
    assert (kr.start_value, kr.target_value, kr.progress) == (0, 1, 0)
    for current in (D(0), D(1)):
        assert in_sql(kr, kr.start_value, kr.target_value, current) == progress.key_result_progress(
            kr.start_value, kr.target_value, current
        )


def _decimals(largest: Decimal) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=-largest, max_value=largest, places=6, allow_nan=False, allow_infinity=False)


# Hypothesis keeps its decimals short; whole numbers of millionths also reach every digit of large amounts.
millionths = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1).map(lambda n: Decimal(n).scaleb(-6))
amounts = st.one_of(st.integers(min_value=-1000, max_value=1000).map(Decimal), _decimals(D(1000)), millionths)
# A step from one amount to another: a few millionths up to a few thousand, either way.
tiny_steps = st.integers(min_value=-1000, max_value=1000).map(lambda n: Decimal(n).scaleb(-6))
steps = st.one_of(tiny_steps, st.integers(min_value=-1000, max_value=1000).map(Decimal), _decimals(D(1000)))


def _within(number: Decimal) -> Decimal:
    return max(-LARGEST, min(LARGEST, number))


whole = st.integers(min_value=-20, max_value=20).map(Decimal)
# Drawn evenly, from ten million to a billion: Hypothesis's own integers keep close to their bounds and to zero.
large = st.randoms(use_true_random=False).map(lambda r: Decimal(r.randrange(10**13, 10**15)).scaleb(-6))
large_amounts = large | large.map(lambda n: -n)


@st.composite
def triples(draw: st.DrawFn) -> tuple[Decimal, Decimal, Decimal]:
    """(start, target, current) with the target different from the start: three amounts anywhere, three small
    whole numbers (which SQLite stores as integers), or a target a step from the start (a span that may be
    small beside the amounts) and a current on the way or a step from the start (beyond either end)."""
    where = draw(st.sampled_from(["anywhere", "whole", "close", "close"]))
    if where == "close":
        # Large amounts a few millionths apart are where doubles, which hold them to about 1e-7, fall short.
        start = draw(large_amounts if draw(st.booleans()) else amounts, label="start")
        target = _within(start + draw(tiny_steps if draw(st.booleans()) else steps, label="span"))
        if draw(st.booleans()):
            share = draw(st.integers(min_value=0, max_value=1000), label="thousandths on the way")
            current = (start + (target - start) * share / 1000).quantize(MICRO)
        else:
            current = _within(start + draw(steps, label="moved"))
    else:
        numbers = amounts if where == "anywhere" else whole
        start, target, current = draw(numbers, label="start"), draw(numbers, label="target"), draw(numbers)
    if target == start:
        target = start + MICRO if start < LARGEST else start - MICRO
    return start, target, current


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=triples())
@example(values=(D(0), D(10), D(5)))
@example(values=(D("999999999.999990"), D("999999999.999999"), D("999999999.999994")))
def test_sql_progress_matches_python_progress(key_result, values):
    start, target, current = values
    python = progress.key_result_progress(start, target, current)
    sql = in_sql(key_result, start, target, current)
    assert D(0) <= sql <= D(1)
    assert abs(sql - python) <= TOLERANCE, (values, sql, python)


# Objectives -------------------------------------------------------------------------------------------------

weights = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))  # 0.01 to 100
shares = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-4))  # 0 to 1


@pytest.fixture
def objectives(admin, cycle):  # type: ignore[no-untyped-def]
    """An objective with five key results, and another to park the ones an example does not use."""
    objective = services.objective_create(by=admin, cycle=cycle, title="Weigh the results")
    parking = services.objective_create(by=admin, cycle=cycle, title="Unused results")
    results = [
        services.key_result_create(by=admin, objective=objective, title=f"Result {n}", target_value=1) for n in range(5)
    ]
    return objective, parking, results


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(weights, shares), min_size=1, max_size=5))
@example(pairs=[(D(1), D("0.0001")), (D(1), D(0))])  # a half: 0.00005 rounds up
@example(pairs=[(D("0.1"), D("0.3")), (D("0.2"), D("0.6"))])  # 0.1 + 0.2 is not 0.3 in doubles
@example(pairs=[(D("99.99"), D("0.9999")), (D("0.01"), D("0.0001")), (D(3), D(1))])
def test_objective_progress_is_the_weighted_mean(objectives, pairs):
    # No tolerance: the SQL sums, at most 500 with six decimals (and 500 with two), come back exact even from
    # SQLite's doubles, whose error (below 1e-13 here) Django's reading at 15 significant digits drops, and
    # both sides then divide and round the same Decimals in Python.
    objective, parking, results = objectives
    org = objective.organization_id
    for kr, (weight, share) in zip(results, pairs, strict=False):
        KeyResult.objects.for_org(org).filter(pk=kr.pk).update(objective=objective, weight=weight, progress=share)
    unused = [kr.pk for kr in results[len(pairs) :]]
    KeyResult.objects.for_org(org).filter(pk__in=unused).update(objective=parking)

    returned = check_ins.objective_recompute(objective=objective)

    stored = Objective.objects.for_org(org).values_list("progress", flat=True).get(pk=objective.pk)
    expected = progress.weighted_mean(pairs)
    assert stored == expected == returned
    assert stored.as_tuple().exponent == -4
