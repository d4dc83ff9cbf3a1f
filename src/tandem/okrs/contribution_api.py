"""``/api/v1/people/{person_id}/contribution``: the person's chain from their actions and key results up to
the company's objectives, and the KPIs they own (the same selector as the page)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from tandem.core.ids import Id
from tandem.core.periods import local_today
from tandem.okrs import contribution, schemas, selectors
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership

router = Router(tags=["okrs"])


@router.get("/people/{person_id}/contribution", response=schemas.ContributionOut)
def person_contribution(request: HttpRequest, person_id: Id, cycle: Id | None = None) -> Any:
    """A person's contribution in a cycle (the current one by default): ``chains`` nest the objectives from
    the top down to theirs, each with their key results and open actions; a private objective you may not
    see is ``{"private": true}``. For the person, their managers up the line, the managers of their teams
    and administrators; 404 for anyone else."""
    me: Membership = request.auth  # type: ignore[attr-defined]
    person = org_selectors.person_get(membership=me, person_id=person_id)
    today = local_today(me.organization.tz)
    chosen = (
        selectors.cycle_get(membership=me, cycle_id=cycle)
        if cycle
        else selectors.current_cycle(membership=me, today=today)
    )
    found = contribution.contribution(viewer=me, person=person, cycle=chosen, today=today)
    return found | {"person": person.pk, "name": person.display_name}
