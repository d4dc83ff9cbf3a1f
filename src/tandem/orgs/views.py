"""HTML pages for people, teams, invitations, settings and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import selectors as core_selectors
from tandem.core.errors import DomainError
from tandem.core.ids import parse_id
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.feedback import access as feedback_access
from tandem.okrs import contribution
from tandem.orgs import access, forms, selectors, services
from tandem.orgs.middleware import SESSION_KEY
from tandem.orgs.models import Membership, Role, TokenScope


def _team_choices(membership: Membership) -> list[selectors.TeamNode]:
    return selectors.flatten(selectors.team_tree(membership=membership))


PEOPLE_PER_PAGE = 50


@member_required
def people_index(request: HttpRequest) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    role = request.GET.get("role") or None
    team_id = request.GET.get("team")
    search = (request.GET.get("q") or "").strip()[:100]
    people = selectors.people(
        membership=me,
        role=role if role in Role.values else None,
        team_id=parse_id(team_id),
        search=search or None,
    )
    return render(
        request,
        "orgs/people.html",
        {
            "page": Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page")),
            "teams": selectors.flatten(selectors.team_tree(membership=me)),
            "roles": Role.choices,
            "filters": {"role": role, "team": team_id, "q": search},
            "pending_invitations": selectors.pending_invitation_count(membership=me),
        },
    )


@member_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    person = selectors.person_get(membership=me, person_id=person_id)
    reports = selectors.people(membership=me).filter(manager=person)
    history = core_selectors.history_page(membership=me, object_type="person", object_id=person.pk, limit=50)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "reports": reports,
            "history": history,
            # The 1:1 thread with their manager: for the person, that manager and administrators only.
            "feedback": person.manager_id is not None
            and feedback_access.may_read(me, manager_id=person.manager_id, report_id=person.pk),
            "contribution": contribution.can_see_contribution(me, person),
        },
    )


@member_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    person = selectors.person_get(membership=me, person_id=person_id)
    access.require_admin(me)
    people = [p for p in selectors.people(membership=me) if p.pk != person.pk]
    initial = {
        "role": person.role,
        "job_title": person.job_title,
        "manager": person.manager_id,
        "is_active": person.is_active,
    }
    form = forms.PersonForm(request.POST or None, initial=initial, people=people)
    if run_form(request, form, lambda data: services.person_update(by=me, person=person, **data)):
        messages.success(request, _("%(name)s was updated.") % {"name": person.display_name})
        return redirect("person_detail", person_id=person.pk)
    return render(request, "orgs/person_edit.html", {"person": person, "form": form}, status=form_status(form))


@member_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    team = selectors.team_get(membership=me, team_id=team_id)
    sub_teams = selectors.teams(membership=me).filter(parent=team)
    history = core_selectors.history_page(membership=me, object_type="team", object_id=team.pk, limit=50)
    return render(request, "orgs/team_detail.html", {"team": team, "sub_teams": sub_teams, "history": history})


def _team_form(request: HttpRequest, me: Membership, team: Any = None) -> forms.TeamForm:
    people = list(selectors.people(membership=me))
    choices = [node for node in _team_choices(me) if team is None or node.pk != team.pk]
    initial = {}
    if team is not None:
        initial = {
            "name": team.name,
            "parent": team.parent_id,
            "manager": team.manager_id,
            "members": [m.pk for m in team.members.all()],
        }
    return forms.TeamForm(request.POST or None, initial=initial, people=people, teams=choices)


@member_required
def team_create(request: HttpRequest) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    access.require_admin(me)
    form = _team_form(request, me)
    team = run_form(request, form, lambda data: services.team_create(by=me, **data))
    if team is not None:
        messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
        return redirect("team_detail", team_id=team.pk)
    return render(request, "orgs/team_form.html", {"form": form, "team": None}, status=form_status(form))


@member_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    team = selectors.team_get(membership=me, team_id=team_id)
    access.require_admin(me)
    form = _team_form(request, me, team)
    if run_form(request, form, lambda data: services.team_update(by=me, team=team, **data)):
        messages.success(request, _("Team %(name)s was updated.") % {"name": team.name})
        return redirect("team_detail", team_id=team.pk)
    return render(request, "orgs/team_form.html", {"form": form, "team": team}, status=form_status(form))


@require_POST
@member_required
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    team = selectors.team_get(membership=me, team_id=team_id)
    services.team_delete(by=me, team=team)
    messages.success(request, _("Team %(name)s was deleted.") % {"name": team.name})
    return redirect("people")


@member_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    invitations = selectors.invitations(membership=me)
    form = forms.InvitationForm(request.POST or None, teams=_team_choices(me))
    link = None
    created = run_form(request, form, lambda data: services.invitation_create(by=me, **data))
    if created is not None:
        _invitation, raw = created
        link = request.build_absolute_uri(reverse("invitation_accept", args=[raw]))
        form = forms.InvitationForm(teams=_team_choices(me))
    return render(
        request,
        "orgs/invitations.html",
        {
            "invitations": invitations,
            "form": form,
            "new_link": link,
        },
        status=form_status(form),
    )


@require_POST
@member_required
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    invitation = selectors.invitation_get(membership=me, invitation_id=invitation_id)
    services.invitation_revoke(by=me, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("invitations")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link: a new person sets a password; a signed-in one just joins."""
    try:
        invitation = services.invitation_check(token)
    except DomainError as exc:
        return render(request, "orgs/invitation_invalid.html", {"error": exc}, status=exc.status)
    user = request.user if request.user.is_authenticated else None
    form = forms.AcceptInvitationForm(request.POST or None) if user is None else None
    if request.method == "POST":

        def accept(data: dict[str, Any]) -> Membership:
            return services.invitation_accept(
                raw_token=token,
                user=user,
                full_name=data.get("full_name", ""),
                password=data.get("password", ""),
            )

        try:
            membership = accept({}) if form is None else run_form(request, form, accept)
        except DomainError as exc:
            return render(request, "orgs/invitation_invalid.html", {"error": exc}, status=exc.status)
        if membership is not None:
            if user is None:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_KEY] = membership.organization_id
            messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
            return redirect("home")
    status = form_status(form) if form is not None else 200
    return render(request, "orgs/invitation_accept.html", {"invitation": invitation, "form": form}, status=status)


@require_POST
@member_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("organization", "")
    choice = next((m for m in selectors.memberships_of(request.user) if str(m.organization_id) == target), None)  # type: ignore[arg-type]
    if choice is None:
        messages.error(request, _("You are not a member of that organization."))
        return redirect("home")
    request.session[SESSION_KEY] = choice.organization_id
    return redirect("home")


@member_required
def settings_index(request: HttpRequest) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    org = me.organization
    org_form = forms.OrganizationForm(
        initial={
            "name": org.name,
            "time_zone": org.time_zone,
            "fiscal_year_start_month": org.fiscal_year_start_month,
            "language": org.language,
            "reminder_weekday": org.reminder_weekday,
            "reminder_hour": org.reminder_hour,
        }
    )
    profile_form = forms.ProfileForm(initial={"full_name": me.user.full_name, "language": me.user.language})
    token_form = forms.TokenForm()
    ingest_form = forms.IngestTokenForm()
    new_token = new_ingest_token = None
    status = 200
    done: object = None
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "organization":
            org_form = forms.OrganizationForm(request.POST)
            done = run_form(request, org_form, lambda data: services.organization_update(by=me, **data))
            status = form_status(org_form)
        elif section == "profile":
            profile_form = forms.ProfileForm(request.POST)
            done = run_form(request, profile_form, lambda data: services.profile_update(by=me, **data))
            status = form_status(profile_form)
            if done is not None:
                # Say "saved" in the language just chosen.
                translation.activate(me.user.language or me.organization.language)
        elif section == "token":
            token_form = forms.TokenForm(request.POST)
            created = run_form(request, token_form, lambda data: services.token_create(by=me, name=data["name"]))
            if created is not None:
                done, new_token = created
                token_form = forms.TokenForm()
            status = form_status(token_form)
        elif section == "ingest_token":
            ingest_form = forms.IngestTokenForm(request.POST)
            created = run_form(
                request,
                ingest_form,
                lambda data: services.token_create(by=me, name=data["name"], scope=TokenScope.INGEST),
            )
            if created is not None:
                done, new_ingest_token = created
                ingest_form = forms.IngestTokenForm()
            status = form_status(ingest_form)
        else:
            return HttpResponse(_("Unknown settings section."), status=400)
        if done is not None and new_token is None and new_ingest_token is None:
            messages.success(request, _("Saved."))
            return redirect("settings")
    return render(
        request,
        "orgs/settings.html",
        {
            "org_form": org_form,
            "profile_form": profile_form,
            "token_form": token_form,
            "tokens": selectors.tokens(membership=me).filter(membership=me, scope=TokenScope.FULL),
            "ingest_form": ingest_form,
            # The organization's ingestion tokens, whoever made them: administrators look after them together.
            "ingest_tokens": selectors.tokens(membership=me).filter(scope=TokenScope.INGEST) if me.is_admin else [],
            "new_ingest_token": new_ingest_token,
            "not_admin": not me.is_admin,
            "history": core_selectors.history_page(
                membership=me, object_type="organization", object_id=me.organization_id, limit=20
            ),
            "new_token": new_token,
        },
        status=status,
    )


@require_POST
@member_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    me: Membership = request.membership  # type: ignore[attr-defined]
    token = selectors.token_get(membership=me, token_id=token_id)
    services.token_revoke(by=me, token=token)
    messages.success(request, _("Token %(name)s was revoked.") % {"name": token.name})
    return redirect("settings")
