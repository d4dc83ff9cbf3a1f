"""The demo company's OKRs tell the story the product is for."""

from __future__ import annotations

import pytest

from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective

pytestmark = pytest.mark.django_db


def test_last_quarter_is_closed_with_scores_and_retrospectives(admin):
    closed = Cycle.objects.for_org(admin.organization).get(state="closed")
    objectives = Objective.objects.for_org(admin.organization).filter(cycle=closed)
    assert objectives.count() == 2
    assert all(o.score is not None and o.went_well and o.to_change for o in objectives)


def test_this_quarter_is_active_with_a_tree_three_levels_deep_and_weekly_check_ins(admin):
    active = Cycle.objects.for_org(admin.organization).get(state="active", name__startswith="Q")
    company = Objective.objects.for_org(admin.organization).get(cycle=active, level="company")
    assert company.descendants >= 5
    deepest = Objective.objects.for_org(admin.organization).get(title="Open 10 pharmacy accounts in District 7")
    assert deepest.path.count("/") - 1 == 3 and deepest.path.startswith(f"/{company.pk}/")
    linked = KeyResult.objects.for_org(admin.organization).filter(objective__cycle=active, kpi__isnull=False)
    assert linked.filter(kpi__key="net_revenue").exists()
    assert CheckIn.objects.for_org(admin.organization).filter(key_result__objective__cycle=active).count() > 20


def test_the_free_trial_objective_has_five_from_x_to_y_key_results(admin):
    trial = Objective.objects.for_org(admin.organization).get(
        title="Improve free trial experience in order to increase new customer acquisition"
    )
    results = list(trial.key_results.all())
    assert len(results) == 5 and all(kr.start_value != kr.target_value for kr in results)
