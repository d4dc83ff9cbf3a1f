"""``/api/v1`` routes for the organization, people, teams, invitations and API tokens."""

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.orgs import schemas, selectors, services
from tandem.orgs.models import Membership, Organization, Role

router = Router()


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


@router.get("/organization", response=schemas.OrganizationOut, tags=["organization"])
def organization_read(request: HttpRequest) -> Organization:
    return _me(request).organization


@router.patch("/organization", response=schemas.OrganizationOut, tags=["organization"])
def organization_update(request: HttpRequest, payload: schemas.OrganizationPatch) -> Organization:
    return services.organization_update(by=_me(request), **payload.dict(exclude_unset=True))


@router.get("/me", response=schemas.MeOut, tags=["people"])
def me_read(request: HttpRequest) -> dict[str, object]:
    me = selectors.person_get(membership=_me(request), person_id=_me(request).pk)
    return {
        "person": me,
        "organization": me.organization,
        "organizations": [m.organization for m in selectors.memberships_of(me.user)],
    }


@router.patch("/me", response=schemas.PersonOut, tags=["people"])
def me_update(request: HttpRequest, payload: schemas.ProfilePatch) -> Membership:
    services.profile_update(by=_me(request), **payload.dict(exclude_unset=True))
    return selectors.person_get(membership=_me(request), person_id=_me(request).pk)


@router.get("/people", response=list[schemas.PersonOut], tags=["people"])
@paginate(Pagination)
def people_list(
    request: HttpRequest,
    role: Role | None = None,
    team: Id | None = None,
    q: str | None = Query(None, max_length=100),
    include_inactive: bool = False,
):
    return selectors.people(
        membership=_me(request), role=role, team_id=team, search=q, include_inactive=include_inactive
    )


@router.get("/people/{person_id}", response=schemas.PersonOut, tags=["people"])
def person_read(request: HttpRequest, person_id: Id) -> Membership:
    return selectors.person_get(membership=_me(request), person_id=person_id)


@router.patch("/people/{person_id}", response=schemas.PersonOut, tags=["people"])
def person_update(request: HttpRequest, person_id: Id, payload: schemas.PersonPatch) -> Membership:
    person = selectors.person_get(membership=_me(request), person_id=person_id)
    services.person_update(by=_me(request), person=person, **payload.dict(exclude_unset=True))
    return selectors.person_get(membership=_me(request), person_id=person_id)


@router.get("/teams", response=list[schemas.TeamOut], tags=["teams"])
@paginate(Pagination)
def team_list(request: HttpRequest):
    return selectors.teams(membership=_me(request))


@router.post("/teams", response={201: schemas.TeamDetailOut}, tags=["teams"])
def team_create(request: HttpRequest, payload: schemas.TeamIn):
    team = services.team_create(by=_me(request), **payload.dict())
    return Status(201, selectors.team_get(membership=_me(request), team_id=team.pk))


@router.get("/teams/{team_id}", response=schemas.TeamDetailOut, tags=["teams"])
def team_read(request: HttpRequest, team_id: Id):
    return selectors.team_get(membership=_me(request), team_id=team_id)


@router.patch("/teams/{team_id}", response=schemas.TeamDetailOut, tags=["teams"])
def team_update(request: HttpRequest, team_id: Id, payload: schemas.TeamPatch):
    team = selectors.team_get(membership=_me(request), team_id=team_id)
    services.team_update(by=_me(request), team=team, **payload.dict(exclude_unset=True))
    return selectors.team_get(membership=_me(request), team_id=team_id)


@router.delete("/teams/{team_id}", response={204: None}, tags=["teams"])
def team_delete(request: HttpRequest, team_id: Id):
    services.team_delete(by=_me(request), team=selectors.team_get(membership=_me(request), team_id=team_id))
    return Status(204, None)


@router.post("/teams/{team_id}/members", response=schemas.TeamDetailOut, tags=["teams"])
def team_member_add(request: HttpRequest, team_id: Id, payload: schemas.TeamMemberIn):
    team = selectors.team_get(membership=_me(request), team_id=team_id)
    person = services.resolve_person(_me(request), payload.person, "person")
    assert person is not None
    services.team_member_add(by=_me(request), team=team, person=person)
    return selectors.team_get(membership=_me(request), team_id=team_id)


@router.delete("/teams/{team_id}/members/{person_id}", response=schemas.TeamDetailOut, tags=["teams"])
def team_member_remove(request: HttpRequest, team_id: Id, person_id: Id):
    team = selectors.team_get(membership=_me(request), team_id=team_id)
    person = selectors.person_get(membership=_me(request), person_id=person_id)
    services.team_member_remove(by=_me(request), team=team, person=person)
    return selectors.team_get(membership=_me(request), team_id=team_id)


@router.get("/invitations", response=list[schemas.InvitationOut], tags=["invitations"])
@paginate(Pagination)
def invitation_list(request: HttpRequest):
    return selectors.invitations(membership=_me(request))


@router.post("/invitations", response={201: schemas.InvitationCreated}, tags=["invitations"])
def invitation_create(request: HttpRequest, payload: schemas.InvitationIn):
    invitation, raw = services.invitation_create(by=_me(request), **payload.dict())
    link = request.build_absolute_uri(reverse("invitation_accept", args=[raw]))
    invitation.link = link  # type: ignore[attr-defined]
    return Status(201, invitation)


@router.get("/invitations/{invitation_id}", response=schemas.InvitationOut, tags=["invitations"])
def invitation_read(request: HttpRequest, invitation_id: Id):
    return selectors.invitation_get(membership=_me(request), invitation_id=invitation_id)


@router.delete("/invitations/{invitation_id}", response={204: None}, tags=["invitations"])
def invitation_revoke(request: HttpRequest, invitation_id: Id):
    invitation = selectors.invitation_get(membership=_me(request), invitation_id=invitation_id)
    services.invitation_revoke(by=_me(request), invitation=invitation)
    return Status(204, None)


@router.get("/tokens", response=list[schemas.TokenOut], tags=["tokens"])
@paginate(Pagination)
def token_list(request: HttpRequest):
    return selectors.tokens(membership=_me(request))


@router.post("/tokens", response={201: schemas.TokenCreated}, tags=["tokens"])
def token_create(request: HttpRequest, payload: schemas.TokenIn):
    token, raw = services.token_create(by=_me(request), name=payload.name, scope=payload.scope)
    token.token = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None}, tags=["tokens"])
def token_revoke(request: HttpRequest, token_id: Id):
    services.token_revoke(by=_me(request), token=selectors.token_get(membership=_me(request), token_id=token_id))
    return Status(204, None)
