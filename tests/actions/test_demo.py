"""The demo company's actions: on the watermelon KPI and on key results at risk, one overdue, one due tomorrow
and one done."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tandem.actions.models import Action

pytestmark = pytest.mark.django_db


def test_the_watermelon_and_the_key_results_at_risk_have_actions(admin):
    found = list(Action.objects.for_org(admin.organization).select_related("kpi", "key_result"))
    on_watermelon = [a for a in found if a.kpi is not None and a.kpi.key == "units_shipped"]
    on_results = [a for a in found if a.key_result is not None]
    assert len(on_watermelon) == 3 and {a.key_result.confidence for a in on_results} == {"at_risk"}  # type: ignore[union-attr]
    created_on = {a.pk: timezone.localtime(a.created_at, admin.organization.tz).date() for a in found}
    due_in = {a.title: (a.due_date - created_on[a.pk]).days for a in found if a.due_date}
    assert min(due_in.values()) < 0 and 1 in due_in.values()
    assert [a.status for a in found if due_in[a.title] < 0] == ["doing"]
    done = [a for a in found if a.status == "done"]
    assert len(done) == 1 and done[0].completed_at is not None
    assert all(a.owner_id != a.created_by_id for a in found)
