"""History as people read it: labels, names instead of ids, choices by their label, numbers formatted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.core import history
from tandem.core.models import AuditEvent
from tandem.kpis import services
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db


def test_a_kpis_creation_reads_with_names_and_labels(admin, salesperson):
    team = Team.objects.for_org(admin.organization).get(name="Sales South")
    kpi = services.kpi_create(
        by=admin,
        key="calls",
        name="Calls",
        owner=salesperson.pk,
        team=team.pk,
        direction="lower",
        target=Decimal("2400"),
        red_threshold=Decimal(110),
    )
    event = AuditEvent.objects.for_org(admin.organization).get(object_type="kpi", object_id=str(kpi.pk))
    entry = history.readable(membership=admin, events=[event])[0]
    changes = {c.label: c.after for c in entry.changes}
    assert entry.action == "created"
    assert changes["owner"] == salesperson.display_name
    assert changes["team"] == "Sales South"
    assert changes["direction"] == "Lower is better"
    assert changes["target"] == "2,400"
    assert "description" not in changes  # empty before and after: nothing to say


def test_names_of_another_organization_are_never_looked_up(admin, outsider):
    event = AuditEvent(
        organization=admin.organization, actor_name="x", action="updated", changes={"owner": [None, outsider.pk]}
    )
    assert history.readable(membership=admin, events=[event])[0].changes[0].after == f"#{outsider.pk}"
