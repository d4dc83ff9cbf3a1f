"""Every read of people, teams, invitations and tokens, scoped to the caller's organization."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tandem.core.errors import NotFound
from tandem.orgs import access
from tandem.orgs.keys import hash_secret
from tandem.orgs.models import ApiToken, Invitation, Membership, Organization, Team, User


def memberships_of(user: User) -> QuerySet[Membership]:
    """The organizations a signed-in user may switch between."""
    return (
        Membership.objects.unscoped()
        .filter(user=user, is_active=True)
        .select_related("organization", "user")
        .order_by("organization__name")
    )


def membership_for(user: User, organization_id: int | None) -> Membership | None:
    """The user's active membership of that organization, else their first one (or None)."""
    memberships = memberships_of(user)
    if organization_id is not None:
        chosen = memberships.filter(organization_id=organization_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def membership_for_token(raw: str) -> tuple[ApiToken, Membership] | None:
    """The token row and the person it acts as, if the token is valid, not revoked and its owner active."""
    token = (
        ApiToken.objects.unscoped()
        .select_related("membership__user", "membership__organization")
        .filter(token_hash=hash_secret(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    member = token.membership
    if not member.is_active or not member.user.is_active:
        return None
    return token, member


def _people_base(membership: Membership) -> QuerySet[Membership]:
    return Membership.objects.for_org(membership.organization).select_related("user", "manager__user")


def people(
    *,
    membership: Membership,
    role: str | None = None,
    team_id: int | None = None,
    search: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Membership]:
    qs = _people_base(membership).prefetch_related(
        Prefetch("teams", queryset=Team.objects.for_org(membership.organization).only("id", "name"))
    )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if role:
        qs = qs.filter(role=role)
    if team_id:
        qs = qs.filter(teams__id=team_id)
    if search:
        qs = qs.filter(
            Q(user__full_name__icontains=search) | Q(user__email__icontains=search) | Q(job_title__icontains=search)
        )
    return qs.order_by("user__full_name", "id")


def person_get(*, membership: Membership, person_id: int) -> Membership:
    person = _people_base(membership).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


def teams(*, membership: Membership) -> QuerySet[Team]:
    return (
        Team.objects.for_org(membership.organization)
        .select_related("manager__user", "parent")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )


def team_get(*, membership: Membership, team_id: int) -> Team:
    team = (
        teams(membership=membership)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.for_org(membership.organization)
                .select_related("user")
                .order_by("user__full_name"),
            )
        )
        .filter(pk=team_id)
        .first()
    )
    if team is None:
        raise NotFound()
    return team


@dataclass
class TeamNode:
    """One team in the tree, with just what lists and select boxes show."""

    pk: int
    name: str
    parent_id: int | None
    manager_name: str | None
    member_count: int
    children: list[TeamNode] = field(default_factory=list)
    depth: int = 0


def team_tree(*, membership: Membership) -> list[TeamNode]:
    """The organization's teams as a forest (roots first, children by name), from one query of plain rows
    (a thousand teams must not become thousands of model instances)."""
    rows = (
        Team.objects.for_org(membership.organization)
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
        .values_list("pk", "name", "parent_id", "manager__user__full_name", "member_count")
    )
    nodes = {row[0]: TeamNode(*row) for row in rows}
    roots: list[TeamNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(node)

    def set_depth(items: list[TeamNode], depth: int) -> None:
        for item in items:
            item.depth = depth
            set_depth(item.children, depth + 1)

    set_depth(roots, 0)
    return roots


def flatten(tree: list[TeamNode]) -> list[TeamNode]:
    """Depth-first, for indented lists and select boxes."""
    out: list[TeamNode] = []
    for node in tree:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def invitations(*, membership: Membership) -> QuerySet[Invitation]:
    access.require_admin(membership)
    return Invitation.objects.for_org(membership.organization).select_related("team", "invited_by__user")


def invitation_get(*, membership: Membership, invitation_id: int) -> Invitation:
    if not membership.is_admin:
        raise NotFound()
    invitation = invitations(membership=membership).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound()
    return invitation


def invitation_by_token(raw: str) -> Invitation | None:
    """Any organization's invitation for a link's token: the link itself is the proof of access."""
    return (
        Invitation.objects.unscoped().select_related("organization", "team").filter(token_hash=hash_secret(raw)).first()
    )


def tokens(*, membership: Membership) -> QuerySet[ApiToken]:
    """The caller's own tokens; an admin sees everyone's in the organization."""
    qs = ApiToken.objects.for_org(membership.organization).select_related("membership__user")
    if not membership.is_admin:
        qs = qs.filter(membership=membership)
    return qs


def token_get(*, membership: Membership, token_id: int) -> ApiToken:
    token = tokens(membership=membership).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token


def organization_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def pending_invitation_count(*, membership: Membership) -> int:
    if not membership.is_admin:
        return 0
    return (
        Invitation.objects.for_org(membership.organization)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .count()
    )


CHOICES_MAX = 300


def own_team_ids(membership: Membership) -> set[int]:
    """The teams a person belongs to or manages directly."""
    return set(membership.teams.values_list("pk", flat=True)) | set(
        Team.objects.for_org(membership.organization).filter(manager=membership).values_list("pk", flat=True)
    )


def people_near(*, membership: Membership, people: Iterable[int] = (), teams: Iterable[int] = ()) -> list[Membership]:
    """The people a form offers to choose from: the author, their reports, the members of their teams and of
    ``teams``, and ``people`` (the current choice); at most 300, never the whole organization of thousands."""
    wanted = Q(pk=membership.pk) | Q(manager=membership) | Q(teams__in=own_team_ids(membership) | set(teams))
    wanted |= Q(pk__in=list(people))
    return list(
        Membership.objects.for_org(membership.organization)
        .filter(wanted, is_active=True)
        .select_related("user")
        .distinct()
        .order_by("user__full_name", "id")[:CHOICES_MAX]
    )


# Where ``managed_team_ids`` keeps its answer on the membership object.
MANAGED_TEAMS = "_managed_team_ids"


def managed_team_ids(membership: Membership) -> set[int]:
    """The teams this person manages, and every team below them. Read once per membership object, which
    lives for one request: a page asks the KPI, OKR and board rules several times. The team services
    forget it (``forget_managed_teams``) when the tree changes."""
    known = membership.__dict__.get(MANAGED_TEAMS)
    if known is None:
        known = membership.__dict__[MANAGED_TEAMS] = frozenset(_managed_team_ids(membership))
    return set(known)


def forget_managed_teams(membership: Membership) -> None:
    """After a change to the team tree or its managers: ``managed_team_ids`` reads it again."""
    membership.__dict__.pop(MANAGED_TEAMS, None)


def _managed_team_ids(membership: Membership) -> set[int]:
    rows = list(Team.objects.for_org(membership.organization).values_list("pk", "parent_id", "manager_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _manager in rows:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = [pk for pk, _parent, manager_id in rows if manager_id == membership.pk]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found
