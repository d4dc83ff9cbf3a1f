"""Lotus Distribution's actions: what the sales manager and her team will do about the watermelon (units
shipped green while returns, stock and late payers are red) and about the key results at risk. One is
overdue, one is due tomorrow, and one is done and stays in the history."""

from __future__ import annotations

import datetime

from tandem.actions import services
from tandem.actions.models import Action
from tandem.core.periods import local_today
from tandem.kpis.models import Kpi
from tandem.okrs.models import KeyResult
from tandem.orgs.models import Membership

# title, parent ("kpi:KEY" or "kr:TITLE"), author, owner, due in days (negative: overdue), status, effect
ACTIONS: list[tuple[str, str, str, str, int, str, str]] = [
    (
        "Stop the extra discount for pharmacies returning more than 5%",
        "kpi:units_shipped",
        "linh.tran",
        "an.pham",
        -3,
        "doing",
        "−1 pt return rate",
    ),
    (
        "Call the three distributors paying 30+ days late",
        "kpi:units_shipped",
        "linh.tran",
        "an.pham",
        1,
        "todo",
        "−1.5 bn VND overdue receivables",
    ),
    (
        "Agree a stock cap per SKU with the warehouse",
        "kpi:units_shipped",
        "linh.tran",
        "minh.le",
        7,
        "done",
        "−10 stock days",
    ),
    (
        "Check every return from District 7 with the pharmacist",
        "kr:Return rate",
        "linh.tran",
        "an.pham",
        5,
        "todo",
        "−0.5 pt return rate",
    ),
    (
        "Offer 2% off for payment within 10 days",
        "kr:Accounts paying within 30 days",
        "linh.tran",
        "khanh.ngo",
        10,
        "doing",
        "+10% paying on time",
    ),
]


def load(admin: Membership) -> None:
    """Create the actions through the services as their authors would, then move the overdue one's date back
    (the services refuse a due date in the past, as they should)."""
    org = admin.organization
    people = {m.user.email.split("@")[0]: m for m in Membership.objects.for_org(org).select_related("user")}
    kpis = {k.key: k for k in Kpi.objects.for_org(org)}
    results = {
        kr.title: kr
        for kr in KeyResult.objects.for_org(org)
        .filter(objective__cycle__state="active")
        .select_related("objective__owner", "objective__team")
    }
    today = local_today(org.tz)
    for title, parent, author, owner, due_in, status, effect in ACTIONS:
        kind, _sep, name = parent.partition(":")
        target = {"kpi": kpis.get(name)} if kind == "kpi" else {"key_result": results.get(name)}
        if next(iter(target.values())) is None:
            continue
        action = services.action_create(
            by=people[author],
            title=title,
            owner=people[owner].pk,
            due_date=today + datetime.timedelta(days=max(due_in, 0)),
            expected_effect=effect,
            **target,  # type: ignore[arg-type]
        )
        if status != "todo":
            services.action_update(by=people[owner], action=action, status=status)
        if due_in < 0:
            Action.objects.for_org(org).filter(pk=action.pk).update(due_date=today + datetime.timedelta(days=due_in))
