"""Comments on KPIs: written by anyone who may see the KPI and writes, audited on the KPI, and told to the
people they mention and to the KPI's owner (see ``tandem.notifications.mentions``)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import NotFound, ValidationError, full_clean
from tandem.kpis import selectors
from tandem.kpis.models import Kpi, KpiComment
from tandem.notifications.mentions import comment_notify
from tandem.orgs import access as orgs_access
from tandem.orgs.models import Membership


def kpi_comment_create(*, by: Membership, kpi: Kpi, body: str) -> KpiComment:
    """A comment on a KPI, by anyone who may see it and writes (viewers read). The people it mentions with
    @handle are told if they may see the KPI; its owner is told unless they wrote it or were mentioned."""
    orgs_access.require_writer(by)
    if not selectors.may_see_kpi(by, kpi):
        raise NotFound()
    comment = KpiComment(organization=by.organization, kpi=kpi, author=by, body=(body or "").strip())
    if not comment.body:
        raise ValidationError("body", _("Write the comment."))
    full_clean(comment, exclude=["kpi", "author"])
    with transaction.atomic():
        comment.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=kpi,
            action="commented",
            changes={"comment": [None, comment.body[:200]]},
        )
        comment_notify(
            by=by,
            obj=kpi,
            body=comment.body,
            title=kpi.name,
            url=f"{reverse('kpi_detail', args=[kpi.pk])}#comment-{comment.pk}",
            owners=[kpi.owner],
            may_see=lambda person: selectors.may_see_kpi(person, kpi),
        )
    return comment
