"""@mentions in comments, and telling the people a comment concerns.

A person is mentioned with ``@`` and their handle, the part of their email before the ``@``
(``@an.pham`` for an.pham@lotus.example), in any case. Full names are not matched: they are neither
unique nor easy to type, and a handle is shown on each person's page. Only people who may see the
commented object are told; the others are passed over in silence, so a comment never tells its author
who exists behind a private KPI or objective.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from functools import reduce

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.notifications.events import excerpt
from tandem.notifications.services import notify
from tandem.orgs.models import Membership, Organization

# "@" not preceded by a word character (so emails in the text are not mentions), then an email's local part.
MENTION = re.compile(r"(?<![\w.+-])@([A-Za-z0-9][\w.+-]*)")
# One comment tells at most this many people by name; the rest of a long list of handles is ignored.
MAX_MENTIONS = 20
HINT = _("Mention someone with @ and their email up to the @, e.g. @an.pham. Only people who may see this are told.")


def handles_in(text: str) -> list[str]:
    """The distinct handles mentioned in ``text``, lower-cased, in the order they appear (at most 20)."""
    found: list[str] = []
    for match in MENTION.finditer(text or ""):
        # A sentence's full stop or a dash after the handle is not part of it: "thanks @an.pham."
        handle = match.group(1).rstrip(".-+").lower()
        if handle and handle not in found:
            found.append(handle)
        if len(found) == MAX_MENTIONS:
            break
    return found


def mentioned(*, organization: Organization, text: str) -> list[Membership]:
    """The active members of the organization mentioned in ``text`` (one query; none without a handle)."""
    handles = handles_in(text)
    if not handles:
        return []
    wanted = reduce(operator.or_, (Q(user__email__istartswith=f"{handle}@") for handle in handles))
    return list(
        Membership.objects.for_org(organization)
        .filter(wanted, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def comment_notify(
    *,
    by: Membership,
    obj: models.Model,
    body: str,
    title: str,
    url: str,
    owners: Iterable[Membership | None],
    may_see: Callable[[Membership], bool],
) -> None:
    """Tell about a new comment on ``obj``: the people it mentions who may see the object ("comment.mention"),
    and its owners ("comment.posted") unless they were mentioned (the mention says it all) or wrote it.
    Whoever may not see the object is told nothing. Runs inside the comment's transaction."""
    params: dict[str, object] = {"title": title, "excerpt": excerpt(body)}
    people = [person for person in mentioned(organization=by.organization, text=body) if may_see(person)]
    notify(actor=by, recipients=people, event="comment.mention", obj=obj, url=url, params=params)
    told = {person.pk for person in people}
    others = [owner for owner in owners if owner is not None and owner.pk not in told and may_see(owner)]
    notify(actor=by, recipients=others, event="comment.posted", obj=obj, url=url, params=params)
