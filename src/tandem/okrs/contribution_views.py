"""The "my contribution" page: a person's chain from their actions and key results up to the company's
objectives, with the KPIs they own beside it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.core.ids import parse_id
from tandem.core.periods import local_today
from tandem.core.views_helpers import member_required
from tandem.okrs import contribution, selectors
from tandem.okrs.models import Cycle
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership


def _cycle(request: HttpRequest, me: Membership) -> Cycle | None:
    chosen = parse_id(request.GET.get("cycle"))
    if chosen:
        return selectors.cycle_get(membership=me, cycle_id=chosen)
    return selectors.current_cycle(membership=me, today=local_today(me.organization.tz))


@require_GET
@member_required
def person_contribution(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's contribution in a cycle (the current one unless ``?cycle=`` says otherwise): for the
    person, their managers and administrators; a 404 for anyone else."""
    me: Membership = request.membership  # type: ignore[attr-defined]
    person = org_selectors.person_get(membership=me, person_id=person_id)
    cycle = _cycle(request, me)
    # The selector turns away (404) whoever may not see the page.
    found = contribution.contribution(viewer=me, person=person, cycle=cycle, today=local_today(me.organization.tz))
    return render(
        request,
        "okrs/contribution.html",
        {
            "person": person,
            "cycle": cycle,
            "cycles": list(selectors.cycles(membership=me)),
            "rows": contribution.chain_rows(found["chains"]),
            "found": found,
            "is_me": person.pk == me.pk,
        },
    )
