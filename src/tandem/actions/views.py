"""Action pages: "my actions" and my teams' actions, the actions card embedded on KPI and objective pages
with its quick-add form, the status changed in place (HTMX), and the edit page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.actions import access, forms, selectors, services
from tandem.actions.models import Action, ActionStatus
from tandem.core import selectors as core_selectors
from tandem.core.errors import NotFound, ValidationError
from tandem.core.ids import parse_id
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import KeyResult, Objective
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership

ACTIONS_PER_PAGE = 50


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _people(
    me: Membership, *, kpi: Kpi | None = None, objective: Objective | None = None, also: int | None = None
) -> list[Membership]:
    """Whom an action may be given to, as a form offers them: the people near the author and near the KPI or
    objective, and the current owner."""
    if objective is not None:
        people = okr_selectors.people_to_choose(membership=me, near=objective)
        if also is not None and also not in {p.pk for p in people}:
            people += org_selectors.people_near(membership=me, people=[also])
        return sorted({p.pk: p for p in people}.values(), key=lambda p: (p.display_name, p.pk))
    near = [kpi.owner_id] if kpi is not None else []
    return org_selectors.people_near(
        membership=me,
        people=near + ([also] if also is not None else []),
        teams=[kpi.team_id] if kpi is not None and kpi.team_id else [],
    )


def actions_card(
    *,
    membership: Membership,
    kpi: Kpi | None = None,
    objective: Objective | None = None,
    key_results: list[KeyResult] | None = None,
    form: forms.QuickAddForm | None = None,
) -> dict[str, Any]:
    """What ``actions/partials/action_list.html`` draws for a KPI, or for an objective's key results: every
    action in one query, open ones first, and the quick-add form for those who write."""
    found = selectors.actions_on(membership=membership, kpi=kpi, objective=objective)
    rows = selectors.action_rows(membership=membership, actions=found)
    if form is None and membership.can_write and (kpi is not None or key_results):
        form = forms.QuickAddForm(
            auto_id="action_%s",
            initial={"owner": membership.pk},
            people=_people(membership, kpi=kpi, objective=objective),
            key_results=key_results if objective is not None else None,
        )
    return {
        "open_rows": [r for r in rows if not r["closed"]],
        "closed_rows": [r for r in rows if r["closed"]],
        "form": form,
        "kpi": kpi,
        "objective": objective,
        "needs_key_result": objective is not None and not key_results,
        "back": reverse("kpi_detail", args=[kpi.pk])
        if kpi is not None
        else reverse("objective_detail", args=[objective.pk])
        if objective is not None
        else "",
    }


@member_required
def action_list(request: HttpRequest) -> HttpResponse:
    """My actions (overdue first, then by due date), or the actions of the people in the teams I manage."""
    me = _me(request)
    managed = kpi_selectors.managed_team_ids(me)
    tab = "team" if request.GET.get("tab") == "team" and managed else "mine"
    status = request.GET.get("status") or ""
    status = status if status in ActionStatus.values else ""
    overdue = request.GET.get("overdue") == "1"
    show_done = request.GET.get("done") == "1"
    found = selectors.actions(
        membership=me,
        owner_id=me.pk if tab == "mine" else None,
        team_ids=managed if tab == "team" else None,
        status=status or None,
        overdue=overdue,
        open_only=not status and not show_done,
    )
    page = Paginator(found, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.action_rows(membership=me, actions=list(page.object_list))
    return render(
        request,
        "actions/list.html",
        {
            "tab": tab,
            "hide_owner": tab == "mine",
            "can_see_team": bool(managed),
            "page": page,
            "rows": rows,
            "filters": {"status": status, "overdue": overdue, "done": show_done},
            "statuses": ActionStatus.choices,
            "next": request.get_full_path(),
        },
    )


def _parent(request: HttpRequest, me: Membership) -> dict[str, Any]:
    """The KPI, or the objective with its key results, that a quick-add form was posted from."""
    kpi_id = parse_id(request.POST.get("kpi"))
    if kpi_id:
        return {"kpi": kpi_selectors.kpi_get(membership=me, kpi_id=kpi_id)}
    objective_id = parse_id(request.POST.get("objective"))
    if objective_id:
        objective = okr_selectors.objective_get(membership=me, objective_id=objective_id)
        return {
            "objective": objective,
            "key_results": list(okr_selectors.key_results(membership=me, objective_id=objective.pk)),
        }
    raise NotFound()


@require_POST
@member_required
def action_create(request: HttpRequest) -> HttpResponse:
    """The quick-add form: in place (HTMX) it answers with the refreshed card, or with the form's errors (422)."""
    me = _me(request)
    access.require_add(me)
    parent = _parent(request, me)
    objective: Objective | None = parent.get("objective")
    key_results: list[KeyResult] | None = parent.get("key_results")
    form = forms.QuickAddForm(
        request.POST,
        auto_id="action_%s",
        people=_people(me, kpi=parent.get("kpi"), objective=objective),
        key_results=key_results if objective is not None else None,
    )

    def create(data: dict[str, Any]) -> Action:
        chosen = next((kr for kr in key_results or [] if kr.pk == data.get("key_result")), None)
        if objective is not None and chosen is None:
            raise ValidationError("key_result", _("Choose one of the objective's key results."))
        return services.action_create(
            by=me,
            kpi=parent.get("kpi"),
            key_result=chosen,
            title=data["title"],
            owner=data["owner"],
            due_date=data["due_date"],
            expected_effect=data["expected_effect"],
        )

    created = run_form(request, form, create)
    if created is not None and not _htmx(request):
        messages.success(request, _("The action was added: %(title)s.") % {"title": created.title})
        return redirect(selectors.parent_url(created))
    card = actions_card(
        membership=me,
        kpi=parent.get("kpi"),
        objective=objective,
        key_results=key_results,
        form=None if created is not None else form,
    )
    status = 200 if created is not None else 422
    template = "actions/partials/action_list.html" if _htmx(request) else "actions/create.html"
    return render(request, template, {"card": card, "added": created, "nav_section": "actions"}, status=status)


def _back(request: HttpRequest, action: Action) -> str:
    back = request.POST.get("next") or request.GET.get("next") or selectors.parent_url(action)
    # The same check as sign-in's "next": "//elsewhere.example" starts with "/" too.
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return selectors.parent_url(action)
    return back


@require_POST
@member_required
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    """Move an action to another status; in place (HTMX) it answers with the row."""
    me = _me(request)
    action = selectors.action_get(membership=me, action_id=action_id)
    form = forms.StatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.action_update(by=me, action=action, status=form.cleaned_data["status"])
        except ValidationError as exc:
            error = exc.message
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if not _htmx(request):
        if error:
            messages.error(request, error)
        return redirect(_back(request, action))
    fresh = selectors.action_get(membership=me, action_id=action_id)
    row = selectors.action_rows(membership=me, actions=[fresh])[0]
    context = {
        "row": row,
        "show_parent": request.POST.get("show_parent") == "1",
        "hide_owner": request.POST.get("hide_owner") == "1",
        "error": error,
    }
    context["next"] = request.POST.get("next") or ""
    return render(request, "actions/partials/action_row.html", context, status=422 if error else 200)


@member_required
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    me = _me(request)
    action = selectors.action_get(membership=me, action_id=action_id)
    access.require_edit_action(me, action)
    objective = action.key_result.objective if action.key_result is not None else None
    form = forms.ActionForm(
        request.POST or None,
        initial={
            "title": action.title,
            "description": action.description,
            "owner": action.owner_id,
            "due_date": action.due_date,
            "status": action.status,
            "expected_effect": action.expected_effect,
        },
        people=_people(me, kpi=action.kpi, objective=objective, also=action.owner_id),
    )
    saved = run_form(request, form, lambda data: services.action_update(by=me, action=action, **data))
    if saved is not None:
        messages.success(request, _("The action was saved."))
        return redirect(_back(request, action))
    return render(
        request,
        "actions/edit.html",
        {
            "form": form,
            "action": action,
            "back": _back(request, action),
            "parent_title": action.kpi.name if action.kpi is not None else action.key_result.title,  # type: ignore[union-attr]
            "can_delete": action.status != ActionStatus.DONE,
            "history": core_selectors.history_page(membership=me, object_type="action", object_id=action.pk),
            "nav_section": "actions",
        },
        status=form_status(form),
    )


@require_POST
@member_required
def action_delete(request: HttpRequest, action_id: int) -> HttpResponse:
    """Delete an action added by mistake (done ones stay: 409)."""
    me = _me(request)
    action = selectors.action_get(membership=me, action_id=action_id)
    back = selectors.parent_url(action).split("#")[0]
    services.action_delete(by=me, action=action)
    messages.success(request, _("The action was deleted."))
    return redirect(back)
