"""Every change to organizations, people, teams, invitations and tokens.

Each service checks permission, validates, writes in one transaction and records
the audit event in that same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import Conflict, Gone, NotFound, ValidationError, full_clean
from tandem.orgs import access, selectors
from tandem.orgs.keys import hash_secret, new_api_token, new_secret
from tandem.orgs.models import ApiToken, Invitation, Membership, Organization, Role, Team, TokenScope, User

ORGANIZATION_FIELDS = ["name", "time_zone", "fiscal_year_start_month", "language", "reminder_weekday", "reminder_hour"]
PERSON_FIELDS = ["role", "job_title", "manager", "is_active"]
TEAM_FIELDS = ["name", "parent", "manager"]


def _apply(obj: models.Model, changes: dict[str, Any], allowed: list[str]) -> None:
    for name, value in changes.items():
        if name not in allowed:
            raise ValidationError(name, _("This field cannot be changed here."))
        setattr(obj, name, value)


def resolve_person(membership: Membership, person_id: int | None, field: str) -> Membership | None:
    """A person of the caller's organization, or a field error that does not reveal other organizations."""
    if person_id is None:
        return None
    try:
        return selectors.person_get(membership=membership, person_id=person_id)
    except NotFound:
        raise ValidationError(field, _("No such person in this organization.")) from None


def _resolve_team(membership: Membership, team_id: int | None, field: str) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.for_org(membership.organization).filter(pk=team_id).first()
    if team is None:
        raise ValidationError(field, _("No such team in this organization."))
    return team


def _user_create(*, email: str, full_name: str, password: str) -> User:
    """A new login, after Django's password rules (reported on the "password" field)."""
    user = User(email=email, full_name=(full_name or "").strip())
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(errors=[{"field": "password", "message": m} for m in exc.messages]) from None
    user.set_password(password)
    full_clean(user)
    user.save()
    return user


# Organizations ------------------------------------------------------------------------------


def organization_create(
    *,
    name: str,
    owner: User,
    slug: str = "",
    time_zone: str = "UTC",
    fiscal_year_start_month: int = 1,
    language: str = "en",
) -> Membership:
    """A new organization with ``owner`` as its first admin (used by ``tandem createadmin`` and the demo)."""
    organization = Organization(
        name=name,
        slug=slug or slugify(name)[:60],
        time_zone=time_zone,
        fiscal_year_start_month=fiscal_year_start_month,
        language=language,
    )
    full_clean(organization)
    with transaction.atomic():
        organization.save()
        admin = Membership.objects.create(organization=organization, user=owner, role=Role.ADMIN)
        audit.record(
            organization=organization,
            actor=admin,
            obj=organization,
            action="created",
            changes=audit.diff({}, audit.snapshot(organization, ORGANIZATION_FIELDS)),
        )
    return admin


# What must follow a new fiscal year start (quarters and years move), registered by the apps that keep
# something per period (the KPIs' kept statuses): called in the change's transaction.
FISCAL_YEAR_CHANGED: list[Callable[..., object]] = []


def organization_update(*, by: Membership, **changes: Any) -> Organization:
    """Change the organization's name, time zone, fiscal year, default language or the day and hour of its
    weekly reminders and digests. Admins only."""
    access.require_admin(by)
    organization = Organization.objects.get(pk=by.organization_id)
    before = audit.snapshot(organization, ORGANIZATION_FIELDS)
    _apply(organization, changes, ORGANIZATION_FIELDS)
    full_clean(organization, exclude=["slug"])
    with transaction.atomic():
        organization.save()
        audit.record(
            organization=organization,
            actor=by,
            obj=organization,
            action="updated",
            changes=audit.diff(before, audit.snapshot(organization, ORGANIZATION_FIELDS)),
        )
        if before["fiscal_year_start_month"] != organization.fiscal_year_start_month:
            for hook in FISCAL_YEAR_CHANGED:
                hook(organization=organization)
    return organization


# People ---------------------------------------------------------------------------------------


def _check_reporting_line(person: Membership, manager: Membership | None) -> None:
    if manager is None:
        return
    if manager.pk == person.pk:
        raise ValidationError("manager", _("A person cannot be their own manager."))
    # Walk up from the new manager: meeting the person means the change would close a loop.
    seen: set[int] = set()
    current: Membership | None = manager
    while current is not None and current.pk not in seen:
        if current.manager_id == person.pk:
            raise ValidationError(
                "manager",
                _("%(name)s already reports to %(person)s, directly or not.")
                % {"name": manager.display_name, "person": person.display_name},
            )
        seen.add(current.pk)
        current = current.manager


def _check_admins_remain(person: Membership, *, new_role: str, active: bool) -> None:
    if person.role != Role.ADMIN or (new_role == Role.ADMIN and active):
        return
    others = Membership.objects.for_org(person.organization_id).filter(role=Role.ADMIN, is_active=True)
    if not others.exclude(pk=person.pk).exists():
        raise Conflict(_("An organization needs at least one active administrator."))


def person_update(*, by: Membership, person: Membership, **changes: Any) -> Membership:
    """Change a person's role, job title, manager (by id) or active state. Admins only."""
    access.require_admin(by)
    if "manager" in changes:
        changes["manager"] = resolve_person(by, changes["manager"], "manager")
        _check_reporting_line(person, changes["manager"])
    before = audit.snapshot(person, PERSON_FIELDS)
    _apply(person, changes, PERSON_FIELDS)
    full_clean(person, exclude=["organization", "user"])
    with transaction.atomic():
        locked = Membership.objects.for_org(by.organization).select_for_update().get(pk=person.pk)
        _check_admins_remain(locked, new_role=person.role, active=person.is_active)
        person.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=person,
            action="updated",
            changes=audit.diff(before, audit.snapshot(person, PERSON_FIELDS)),
        )
    return person


def profile_update(*, by: Membership, full_name: str | None = None, language: str | None = None) -> User:
    """A person's own name and language."""
    user = by.user
    before = audit.snapshot(user, ["full_name", "language"])
    if full_name is not None:
        user.full_name = full_name.strip()
    if language is not None:
        user.language = language
    full_clean(user, exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=["full_name", "language"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=by,
            action="profile_updated",
            changes=audit.diff(before, audit.snapshot(user, ["full_name", "language"])),
        )
    return user


# Teams ----------------------------------------------------------------------------------------


def _check_parent(team: Team, parent: Team | None) -> None:
    current = parent
    while current is not None:
        if current.pk == team.pk:
            raise ValidationError("parent", _("A team cannot be placed under itself or one of its own sub-teams."))
        current = current.parent


def _team_members(by: Membership, member_ids: list[int] | None) -> list[Membership]:
    if member_ids is None:
        raise ValidationError("members", _("Give a list of people ids, or [] for nobody."))
    found = list(Membership.objects.for_org(by.organization).filter(pk__in=member_ids))
    missing = set(member_ids) - {m.pk for m in found}
    if missing:
        raise ValidationError(
            "members",
            _("No such person in this organization: %(ids)s") % {"ids": ", ".join(str(i) for i in sorted(missing))},
        )
    return found


def team_create(
    *,
    by: Membership,
    name: str,
    parent: int | None = None,
    manager: int | None = None,
    members: list[int] | None = None,
) -> Team:
    access.require_admin(by)
    team = Team(
        organization=by.organization,
        name=(name or "").strip(),
        parent=_resolve_team(by, parent, "parent"),
        manager=resolve_person(by, manager, "manager"),
    )
    member_rows = _team_members(by, members or [])
    full_clean(team)
    with transaction.atomic():
        team.save()
        team.members.set(member_rows)
        after = audit.snapshot(team, TEAM_FIELDS) | {"members": sorted(m.pk for m in member_rows)}
        audit.record(organization=by.organization, actor=by, obj=team, action="created", changes=audit.diff({}, after))
    selectors.forget_managed_teams(by)
    return team


def team_update(*, by: Membership, team: Team, **changes: Any) -> Team:
    access.require_admin(by)
    before = audit.snapshot(team, TEAM_FIELDS) | {"members": sorted(m.pk for m in team.members.all())}
    member_rows = _team_members(by, changes.pop("members")) if "members" in changes else None
    if "parent" in changes:
        changes["parent"] = _resolve_team(by, changes["parent"], "parent")
        _check_parent(team, changes["parent"])
    if "manager" in changes:
        changes["manager"] = resolve_person(by, changes["manager"], "manager")
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    _apply(team, changes, TEAM_FIELDS)
    full_clean(team)
    with transaction.atomic():
        team.save()
        if member_rows is not None:
            team.members.set(member_rows)
        after = audit.snapshot(team, TEAM_FIELDS) | {"members": sorted(m.pk for m in team.members.all())}
        audit.record(
            organization=by.organization,
            actor=by,
            obj=team,
            action="updated",
            changes=audit.diff(before, after),
        )
    selectors.forget_managed_teams(by)
    return team


def team_delete(*, by: Membership, team: Team) -> None:
    access.require_admin(by)
    if team.children.exists():
        raise Conflict(_("Move or delete the sub-teams of %(team)s first.") % {"team": team.name})
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=team,
            action="deleted",
            changes=audit.diff(audit.snapshot(team, TEAM_FIELDS), {}),
        )
        team.delete()
    selectors.forget_managed_teams(by)


def team_member_add(*, by: Membership, team: Team, person: Membership) -> Team:
    access.require_admin(by)
    with transaction.atomic():
        team.members.add(person)
        audit.record(
            organization=by.organization,
            actor=by,
            obj=team,
            action="member_added",
            changes={"members": [None, person.pk]},
        )
    return team


def team_member_remove(*, by: Membership, team: Team, person: Membership) -> Team:
    access.require_admin(by)
    with transaction.atomic():
        team.members.remove(person)
        audit.record(
            organization=by.organization,
            actor=by,
            obj=team,
            action="member_removed",
            changes={"members": [person.pk, None]},
        )
    return team


def _revoke(by: Membership, obj: Invitation | ApiToken) -> None:
    """Stamp an invitation or token as revoked now, with its audit event (inside the caller's transaction)."""
    obj.revoked_at = timezone.now()
    obj.save(update_fields=["revoked_at"])
    audit.record(
        organization=by.organization,
        actor=by,
        obj=obj,
        action="revoked",
        changes={"revoked_at": [None, obj.revoked_at.isoformat()]},
    )


# Invitations ----------------------------------------------------------------------------------


def invitation_create(
    *, by: Membership, email: str, role: str = Role.MEMBER, team: int | None = None
) -> tuple[Invitation, str]:
    """A new invitation and its link token (shown once; only its hash is kept).

    An earlier pending invitation to the same address is revoked, so only the newest link works.
    """
    access.require_admin(by)
    email = (email or "").strip().lower()
    raw = new_secret()
    invitation = Invitation(
        organization=by.organization,
        email=email,
        role=role,
        team=_resolve_team(by, team, "team"),
        token_hash=hash_secret(raw),
        invited_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    full_clean(invitation, exclude=["invited_by"])
    if Membership.objects.for_org(by.organization).filter(user__email=email, is_active=True).exists():
        raise ValidationError("email", _("%(email)s is already a member of this organization.") % {"email": email})
    with transaction.atomic():
        for earlier in Invitation.objects.for_org(by.organization).filter(
            email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            _revoke(by, earlier)
        invitation.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=invitation,
            action="created",
            changes=audit.diff({}, audit.snapshot(invitation, ["email", "role", "team", "expires_at"])),
        )
    return invitation, raw


def invitation_revoke(*, by: Membership, invitation: Invitation) -> Invitation:
    access.require_admin(by)
    if invitation.status != "pending":
        raise Conflict(_("This invitation is already %(status)s.") % {"status": invitation.status})
    with transaction.atomic():
        _revoke(by, invitation)
    return invitation


def invitation_check(raw: str) -> Invitation:
    """The invitation behind a link, or a clear reason why the link no longer works."""
    invitation = selectors.invitation_by_token(raw)
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Ask your administrator for a new one."))
    if invitation.accepted_at:
        raise Gone(_("This invitation has already been used. Sign in instead."))
    if invitation.revoked_at:
        raise Gone(_("This invitation was withdrawn. Ask your administrator for a new one."))
    if invitation.expires_at <= timezone.now():
        raise Gone(_("This invitation has expired. Ask your administrator for a new one."))
    return invitation


def invitation_accept(*, raw_token: str, user: User | None, full_name: str = "", password: str = "") -> Membership:
    """Join the organization: as the signed-in ``user`` (whose email must match), or as a new account."""
    invitation = invitation_check(raw_token)
    with transaction.atomic():
        # Locking the row makes a double submit of the same link accept it once.
        invitation = Invitation.objects.unscoped().select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise Gone(_("This invitation has already been used. Sign in instead."))
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise Conflict(
                    _("An account with %(email)s exists: sign in first, then open the link again.")
                    % {"email": invitation.email}
                )
            user = _user_create(email=invitation.email, full_name=full_name, password=password)
        elif user.email.lower() != invitation.email:
            raise ValidationError(
                "email",
                _("This invitation is for %(email)s; you are signed in as %(me)s.")
                % {"email": invitation.email, "me": user.email},
            )
        membership = Membership.objects.for_org(invitation.organization).filter(user=user).first()
        if membership is None:
            membership = Membership.objects.create(
                organization=invitation.organization, user=user, role=invitation.role
            )
        else:
            membership.role, membership.is_active = invitation.role, True
            membership.save(update_fields=["role", "is_active"])
        if invitation.team:
            invitation.team.members.add(membership)
        invitation.accepted_at, invitation.accepted_by = timezone.now(), membership
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit.record(
            organization=invitation.organization,
            actor=membership,
            obj=invitation,
            action="accepted",
            changes={"accepted_at": [None, invitation.accepted_at.isoformat()]},
        )
        audit.record(
            organization=invitation.organization,
            actor=membership,
            obj=membership,
            action="joined",
            changes={"role": [None, membership.role]},
        )
    return membership


# API tokens -----------------------------------------------------------------------------------


def token_create(*, by: Membership, name: str, scope: str = TokenScope.FULL) -> tuple[ApiToken, str]:
    """A token acting as ``by``; the raw token is returned once and never stored. An ingestion token
    (``scope="ingest"``) is the organization's, made by an administrator for a system that pushes data:
    it may only send data points."""
    if not by.is_active:
        raise NotFound()
    if scope not in TokenScope.values:
        raise ValidationError("scope", _("Choose full or ingest."))
    if scope == TokenScope.INGEST:
        access.require_admin(by)
    raw, prefix = new_api_token()
    token = ApiToken(
        organization=by.organization,
        membership=by,
        name=(name or "").strip(),
        prefix=prefix,
        token_hash=hash_secret(raw),
        scope=scope,
    )
    full_clean(token)
    try:
        with transaction.atomic():
            token.save()
            audit.record(
                organization=by.organization,
                actor=by,
                obj=token,
                action="created",
                changes={"name": [None, token.name], "scope": [None, token.scope]},
            )
    except IntegrityError:  # pragma: no cover - 256 random bits do not collide
        raise Conflict() from None
    return token, raw


def token_revoke(*, by: Membership, token: ApiToken) -> ApiToken:
    if token.membership_id != by.pk:
        access.require_admin(by)
    if token.revoked_at:
        return token
    with transaction.atomic():
        _revoke(by, token)
    return token


def token_touch(token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute so reads stay reads."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.unscoped().filter(pk=token.pk).update(last_used_at=now)


# Bootstrap --------------------------------------------------------------------------------------


def person_add(
    *,
    by: Membership,
    user: User,
    role: str = Role.MEMBER,
    job_title: str = "",
    manager: Membership | None = None,
) -> Membership:
    """Add an existing user to the organization directly (the demo loader and admin tools; people
    normally join through an invitation)."""
    access.require_admin(by)
    person = Membership(organization=by.organization, user=user, role=role, job_title=job_title, manager=manager)
    full_clean(person, exclude=["user", "organization"])
    with transaction.atomic():
        person.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=person,
            action="created",
            changes=audit.diff({}, audit.snapshot(person, PERSON_FIELDS)),
        )
    return person


def admin_bootstrap(
    *,
    email: str,
    full_name: str,
    password: str,
    organization_name: str,
    slug: str = "",
    time_zone: str = "UTC",
) -> Membership:
    """``tandem createadmin``: the user (created if new) as an admin of the organization (created if new)."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = _user_create(email=email, full_name=full_name, password=password)
        organization = Organization.objects.filter(slug=slug or slugify(organization_name)[:60]).first()
        if organization is None:
            return organization_create(name=organization_name, owner=user, slug=slug, time_zone=time_zone)
        membership = Membership.objects.for_org(organization).filter(user=user).first()
        if membership is None:
            membership = Membership.objects.create(organization=organization, user=user, role=Role.ADMIN)
        before = audit.snapshot(membership, PERSON_FIELDS)
        membership.role, membership.is_active = Role.ADMIN, True
        membership.save()
        audit.record(
            organization=organization,
            actor=None,
            obj=membership,
            action="made_admin",
            changes=audit.diff(before, audit.snapshot(membership, PERSON_FIELDS)),
        )
        return membership
