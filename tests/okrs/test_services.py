"""OKRs through their services: lifecycle, alignment, free edits told to the tree, check-ins and roll-ups,
scoring at the close, carry-over, and key results that follow a KPI."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from tandem.core.errors import Conflict, PermissionDenied, ValidationError
from tandem.core.models import AuditEvent
from tandem.kpis import points as kpi_points
from tandem.kpis import services as kpi_services
from tandem.notifications.models import Notification
from tandem.okrs import check_ins, selectors, services
from tandem.okrs.models import CheckIn, Objective
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def q4(admin):  # type: ignore[no-untyped-def]
    cycle = services.cycle_create(
        by=admin, name="Test Q4", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    return services.cycle_advance(by=admin, cycle=cycle, state="active")


@pytest.fixture
def tree(admin, sales_manager, salesperson, q4):  # type: ignore[no-untyped-def]
    """Company → Sales team → An's objective, each with key results."""
    sales = Team.objects.for_org(admin.organization).get(name="Sales")
    company = services.objective_create(by=admin, cycle=q4, title="Grow profitably")
    team = services.objective_create(
        by=sales_manager, cycle=q4, title="Win the south", team=sales.pk, parent=company.pk
    )
    mine = services.objective_create(
        by=salesperson, cycle=q4, title="Open 10 accounts", owner=salesperson.pk, parent=team.pk
    )
    accounts = services.key_result_create(by=salesperson, objective=mine, title="New accounts", target_value=10)
    churn = services.key_result_create(
        by=salesperson, objective=mine, title="Churn", start_value=8, target_value=5, weight=3
    )
    return {"company": company, "team": team, "mine": mine, "accounts": accounts, "churn": churn}


def fresh(objective: Objective) -> Objective:
    return Objective.objects.for_org(objective.organization_id).get(pk=objective.pk)


def test_levels_come_from_the_owner_and_paths_follow_the_alignment(tree):
    assert [tree[k].level for k in ("company", "team", "mine")] == ["company", "team", "person"]
    assert tree["mine"].path == f"/{tree['company'].pk}/{tree['team'].pk}/"


def test_a_check_in_rolls_up_through_the_ancestors_only(salesperson, tree):
    check_ins.key_result_check_in(by=salesperson, key_result=tree["accounts"], value=5, confidence="on_track")
    # Churn from 8 to 5: at 6.5 it is half way; weights 1 and 3.
    check_ins.key_result_check_in(by=salesperson, key_result=tree["churn"], value="6.5", confidence="at_risk")
    mine, team, company = fresh(tree["mine"]), fresh(tree["team"]), fresh(tree["company"])
    assert mine.progress == D("0.5000")  # (1 × 0.5 + 3 × 0.5) / 4
    assert (team.descendants, team.aligned_progress) == (1, D("0.5"))
    assert (company.descendants, company.aligned_progress) == (2, D("0.25"))  # mean of 0 (team) and 0.5
    assert CheckIn.objects.for_org(mine.organization_id).filter(key_result=tree["churn"]).get().confidence == "at_risk"


def test_decreasing_targets_clamp_at_both_ends(salesperson, tree):
    check_ins.key_result_check_in(by=salesperson, key_result=tree["churn"], value=9)
    tree["churn"].refresh_from_db()
    assert tree["churn"].progress == 0
    check_ins.key_result_check_in(by=salesperson, key_result=tree["churn"], value=2)
    tree["churn"].refresh_from_db()
    assert tree["churn"].progress == 1


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"target_value": 0}, "target_value"),  # equal to the start
        ({"weight": 0}, "weight"),
        ({"weight": -1}, "weight"),
        ({"target_value": "lots"}, "target_value"),
    ],
)
def test_bad_key_results_name_their_field_and_write_nothing(salesperson, tree, changes, field):
    before = tree["mine"].key_results.count()
    data = {"title": "Bad", "target_value": 10} | changes
    with pytest.raises(ValidationError) as raised:
        services.key_result_create(by=salesperson, objective=tree["mine"], **data)
    assert raised.value.errors[0]["field"] == field
    assert tree["mine"].key_results.count() == before


def test_alignment_refuses_loops_and_other_organizations(admin, outsider, tree):
    with pytest.raises(ValidationError) as loop:
        services.objective_update(by=admin, objective=tree["company"], parent=tree["mine"].pk)
    assert loop.value.errors[0]["field"] == "parent"
    foreign_cycle = services.cycle_create(
        by=outsider, name="Orchid Q4", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    foreign = services.objective_create(by=outsider, cycle=foreign_cycle, title="Orchid grows")
    with pytest.raises(ValidationError) as other_org:
        services.objective_update(by=admin, objective=tree["mine"], parent=foreign.pk)
    assert other_org.value.errors[0]["field"] == "parent"
    assert fresh(tree["mine"]).parent_id == tree["team"].pk


def test_realigning_moves_the_subtree_and_its_roll_up(admin, salesperson, q4, tree):
    check_ins.key_result_check_in(by=salesperson, key_result=tree["accounts"], value=10)
    other = services.objective_create(by=admin, cycle=q4, title="Run lean")
    services.objective_update(by=admin, objective=fresh(tree["team"]), parent=other.pk)
    company, other, mine = fresh(tree["company"]), fresh(other), fresh(tree["mine"])
    assert (company.descendants, company.descendants_progress) == (0, 0)
    assert (other.descendants, other.descendants_progress) == (2, D("0.2500"))
    assert mine.path == f"/{other.pk}/{tree['team'].pk}/"


def test_free_edits_are_audited_and_told_to_the_owners_above_and_below(sales_manager, salesperson, tree):
    services.key_result_update(by=salesperson, key_result=tree["accounts"], target_value=8)
    event = AuditEvent.objects.for_org(salesperson.organization).filter(object_type="key_result").latest("id")
    assert event.changes == {"target_value": ["10.000000", "8.000000"]}
    told = Notification.objects.for_org(salesperson.organization).filter(event="key_result.changed")
    # The team objective is owned by the Sales team: its manager hears of it; the author does not.
    assert {n.recipient_id for n in told} == {sales_manager.pk}
    assert told.get().params["changes"] == [["target_value", "10.000000", "8.000000"]]


def test_members_cannot_change_someone_elses_objective_and_viewers_nothing(warehouse_lead, viewer, tree):
    with pytest.raises(PermissionDenied):
        services.objective_update(by=warehouse_lead, objective=tree["mine"], title="Mine now")
    with pytest.raises(PermissionDenied):
        check_ins.key_result_check_in(by=viewer, key_result=tree["accounts"], value=1)


def test_the_lifecycle_moves_forward_and_closing_scores(admin, salesperson, q4, tree):
    check_ins.key_result_check_in(by=salesperson, key_result=tree["accounts"], value=7)
    with pytest.raises(Conflict):
        services.cycle_advance(by=admin, cycle=q4, state="closed")  # skipping closing
    services.cycle_advance(by=admin, cycle=q4, state="closing")
    with pytest.raises(Conflict):
        check_ins.key_result_check_in(by=salesperson, key_result=tree["accounts"], value=8)
    with pytest.raises(ValidationError) as no_reason:
        check_ins.key_result_score(by=salesperson, key_result=tree["accounts"], score="0.9", reason="")
    assert no_reason.value.errors[0]["field"] == "score_reason"
    check_ins.key_result_score(by=salesperson, key_result=tree["accounts"], score="0.9", reason="Two signed in Dec")
    check_ins.objective_reflect(by=salesperson, objective=tree["mine"], went_well="Referrals", to_change="Start early")
    services.cycle_advance(by=admin, cycle=q4, state="closed")
    # Score: (1 × 0.9 + 3 × 0 (churn not scored: its progress)) / 4.
    assert fresh(tree["mine"]).score == D("0.2250")
    with pytest.raises(Conflict):
        services.objective_update(by=salesperson, objective=tree["mine"], title="Too late")


def test_unfinished_objectives_carry_over_linked_to_their_origin(admin, salesperson, q4, tree):
    check_ins.key_result_check_in(by=salesperson, key_result=tree["accounts"], value=4)
    services.cycle_advance(by=admin, cycle=q4, state="closing")
    services.cycle_advance(by=admin, cycle=q4, state="closed")
    q1 = services.cycle_create(
        by=admin, name="Test Q1", start=datetime.date(2027, 1, 1), end=datetime.date(2027, 3, 31)
    )
    copy = check_ins.objective_carry_over(by=salesperson, objective=fresh(tree["mine"]), cycle=q1)
    assert copy.carried_from_id == tree["mine"].pk and copy.cycle_id == q1.pk
    accounts = copy.key_results.get(title="New accounts")
    assert (accounts.start_value, accounts.target_value) == (D(4), D(10))


def test_a_kpi_linked_key_result_moves_when_data_arrives(admin, salesperson, q4, tree):
    kpi = kpi_services.kpi_create(
        by=admin, key="okr_accounts", name="Accounts", target=D(10), red_threshold=D(90), owner=salesperson.pk
    )
    linked = services.key_result_create(
        by=salesperson,
        objective=tree["mine"],
        title="Accounts from the CRM",
        target_value=30,
        kpi=kpi.pk,
        kpi_rule="sum",
    )
    kpi_points.data_points_record(
        by=admin,
        points=[{"kpi": "okr_accounts", "date": d, "value": "6"} for d in ("2026-10-05", "2026-11-05", "2026-09-05")],
    )
    linked.refresh_from_db()
    assert linked.current_value == D(12)  # October and November; September is before the cycle
    assert CheckIn.objects.for_org(admin.organization).filter(key_result=linked, source="kpi").count() == 1


def test_a_private_objective_is_not_named_to_who_cannot_see_it(admin, sales_manager, salesperson, warehouse_lead, q4):
    warehouse = Team.objects.for_org(admin.organization).get(name="Warehouse")
    theirs = services.objective_create(by=warehouse_lead, cycle=q4, title="Warehouse plan", team=warehouse.pk)
    services.objective_create(
        by=salesperson,
        cycle=q4,
        title="An's private idea",
        owner=salesperson.pk,
        parent=theirs.pk,
        visibility="private",
    )
    told = Notification.objects.for_org(admin.organization).filter(event="objective.created", object_id__isnull=False)
    assert not told.filter(recipient=warehouse_lead, params__title="An's private idea").exists()


def test_an_objective_keeps_whether_a_key_result_is_at_risk(salesperson, tree):
    mine = tree["mine"]
    assert fresh(mine).at_risk is False

    check_ins.key_result_check_in(by=salesperson, key_result=tree["churn"], value="6.5", confidence="at_risk")
    assert fresh(mine).at_risk is True
    check_ins.key_result_check_in(by=salesperson, key_result=tree["accounts"], value=2, confidence="off_track")
    check_ins.key_result_check_in(by=salesperson, key_result=tree["churn"], value="6", confidence="on_track")
    assert fresh(mine).at_risk is True, "still one off track"
    assert fresh(tree["team"]).at_risk is False, "a child's risk is the child's"

    services.key_result_delete(by=salesperson, key_result=tree["accounts"])
    assert fresh(mine).at_risk is False
    # The OKR list's filter reads the same flag.
    listed = selectors.objectives(membership=salesperson, at_risk=True)
    assert not listed.filter(pk=mine.pk).exists()
    check_ins.key_result_check_in(by=salesperson, key_result=tree["churn"], value="7", confidence="off_track")
    assert selectors.objectives(membership=salesperson, at_risk=True).filter(pk=mine.pk).exists()


def test_the_demo_objectives_keep_their_key_results_risk(admin):
    from django.db.models import Exists, OuterRef

    from tandem.okrs.models import AT_RISK, KeyResult

    risky = KeyResult.objects.for_org(admin.organization).filter(objective=OuterRef("pk"), confidence__in=AT_RISK)
    found = Objective.objects.for_org(admin.organization).annotate(risky=Exists(risky))
    assert found.filter(at_risk=True).exists()
    assert list(found.values_list("at_risk", flat=True)) == list(found.values_list("risky", flat=True))
