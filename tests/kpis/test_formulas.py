"""Formula KPIs: computed per period from other KPIs, safely, with clear refusals."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def inputs(api, sales_manager):  # type: ignore[no-untyped-def]
    client = api(sales_manager)
    for key in ("sales_f", "cogs_f"):
        post(client, "/api/v1/kpis", {"key": key, "name": key, "target": "1", "red_threshold": "90"})
    post(
        client,
        "/api/v1/data-points",
        {
            "points": [
                {"kpi": "sales_f", "date": "2026-09-10", "value": "200", "source_key": "s9"},
                {"kpi": "cogs_f", "date": "2026-09-10", "value": "150", "source_key": "c9"},
                {"kpi": "sales_f", "date": "2026-10-10", "value": "0", "source_key": "s10"},
                {"kpi": "cogs_f", "date": "2026-10-10", "value": "10", "source_key": "c10"},
                {"kpi": "sales_f", "date": "2026-11-10", "value": "100", "source_key": "s11"},
            ]
        },
    )
    return client


def test_gross_margin_per_period_with_division_by_zero_explained(inputs):
    margin = body(
        post(
            inputs,
            "/api/v1/kpis",
            {
                "key": "margin_f",
                "name": "Gross margin",
                "formula": "(sales_f - cogs_f) / sales_f * 100",
                "target": "30",
                "threshold_mode": "absolute",
                "amber_threshold": "30",
                "red_threshold": "20",
            },
        )
    )
    assert margin["version"]["formula"] == "(sales_f - cogs_f) / sales_f * 100"
    periods = body(inputs.get(f"/api/v1/kpis/{margin['id']}/periods?count=3&until=2026-11-24"))
    assert [(p["period"], p["value"], p["status"], p["problem"]) for p in periods] == [
        ("2026-09", "25.000000", "amber", None),
        ("2026-10", None, "no_data", "division by zero"),
        ("2026-11", None, "no_data", None),  # no cost of goods yet this month
    ]
    listed = inputs.get("/api/v1/kpis?q=margin_f")
    assert body(listed)["count"] == 1


@pytest.mark.parametrize(
    "formula,message",
    [
        ("sales_f / nothing_here", "Unknown KPI keys: nothing_here"),
        ("__import__('os').system('true')", "Only min, max and abs"),
        ("sales_f +", "does not parse"),
        ("margin_self * 2", "its own KPI"),
    ],
)
def test_bad_formulas_are_refused(inputs, formula, message):
    response = post(
        inputs,
        "/api/v1/kpis",
        {"key": "margin_self", "name": "M", "formula": formula, "target": "1", "red_threshold": "90"},
    )
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "formula"
    assert message in body(response)["errors"][0]["message"]


def test_cycles_through_other_formulas_are_refused(inputs):
    post(
        inputs,
        "/api/v1/kpis",
        {"key": "f_a", "name": "A", "formula": "sales_f * 2", "target": "1", "red_threshold": "90"},
    )
    b = body(
        post(
            inputs,
            "/api/v1/kpis",
            {"key": "f_b", "name": "B", "formula": "f_a + 1", "target": "1", "red_threshold": "90"},
        )
    )
    a_id = body(inputs.get("/api/v1/kpis?q=f_a"))["items"][0]["id"]
    response = inputs.patch(f"/api/v1/kpis/{a_id}", {"formula": "f_b - 1"}, content_type="application/json")
    assert response.status_code == 422 and "refers back" in body(response)["errors"][0]["message"]
    nested = body(inputs.get(f"/api/v1/kpis/{b['id']}/periods?count=3&until=2026-11-24"))
    assert nested[0]["value"] == "401.000000"


def test_formula_kpis_take_no_data(inputs):
    post(
        inputs, "/api/v1/kpis", {"key": "f_c", "name": "C", "formula": "sales_f", "target": "1", "red_threshold": "90"}
    )
    response = post(inputs, "/api/v1/data-points", {"points": [{"kpi": "f_c", "date": "2026-11-01", "value": "1"}]})
    assert response.status_code == 422 and "formula" in body(response)["errors"][0]["message"]
