"""OKR pages: the cycle's tree, an objective with its key results and check-ins, the alignment map, cycles."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.actions import views as action_views
from tandem.core import selectors as core_selectors
from tandem.core.ids import parse_id
from tandem.core.periods import local_today
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.kpis import selectors as kpi_selectors
from tandem.okrs import access, check_ins, forms, selectors, services, templating
from tandem.okrs.models import Cycle, CycleState, KeyResult, Level, Objective
from tandem.orgs import access as orgs_access
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership
from tandem.templates_library import library
from tandem.templates_library import services as template_services


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _cycle(request: HttpRequest, me: Membership) -> Cycle | None:
    chosen = parse_id(request.GET.get("cycle"))
    if chosen:
        return selectors.cycle_get(membership=me, cycle_id=chosen)
    return selectors.current_cycle(membership=me, today=local_today(me.organization.tz))


@member_required
def okr_home(request: HttpRequest) -> HttpResponse:
    """The cycle's tree: company, then teams, then people, with progress, confidence and check-in age."""
    me = _me(request)
    cycle = _cycle(request, me)
    filters = {
        "team": request.GET.get("team") or "",
        "owner": request.GET.get("owner") or "",
        "level": request.GET.get("level") or "",
        "at_risk": request.GET.get("at_risk") or "",
        "mine": request.GET.get("mine") or "",
        "q": (request.GET.get("q") or "").strip()[:100],
    }
    rows: list[dict[str, Any]] = []
    more = 0
    if cycle is not None:
        if any(filters.values()):
            found = selectors.objectives(
                membership=me,
                cycle_id=cycle.pk,
                team_id=parse_id(filters["team"]),
                owner_id=me.pk if filters["mine"] else parse_id(filters["owner"]),
                level=filters["level"] if filters["level"] in Level.values else None,
                at_risk=bool(filters["at_risk"]),
                search=filters["q"] or None,
            )
        else:
            found = selectors.first_levels(membership=me, cycle=cycle)
        rows = selectors.tree_rows(membership=me, found=found)
        more = max(0, found.count() - len(rows)) if len(rows) >= selectors.TREE_PAGE else 0
    return render(
        request,
        "okrs/home.html",
        _tree_labels(cycle, request.get_full_path())
        | {
            "cycle": cycle,
            "cycles": list(selectors.cycles(membership=me)),
            "rows": rows,
            "more": more,
            "filters": filters,
            "levels": Level.choices,
            "owners": selectors.people_to_choose(membership=me),
            "teams": org_selectors.flatten(org_selectors.team_tree(membership=me)),
            "can_add": cycle is not None and me.can_write and cycle.state in access.EDITABLE,
        },
    )


@member_required
def objective_children(request: HttpRequest, objective_id: int) -> HttpResponse:
    """The objectives aligned right under one, as rows of the tree to unfold in place (HTMX)."""
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    depth = min(parse_id(request.GET.get("depth")) or 1, 20)
    rows = selectors.tree_rows(
        membership=me, found=selectors.objectives(membership=me, parent_id=objective.pk), depth=depth
    )
    back = f"{reverse('okrs')}?cycle={objective.cycle_id}"
    return render(request, "okrs/partials/tree_rows.html", _tree_labels(objective.cycle, back) | {"rows": rows})


def _tree_labels(cycle: Cycle | None, back: str) -> dict[str, Any]:
    """What every row of the tree shares, worked out once for the page."""
    return {
        "check_ins_open": cycle is not None and cycle.state == CycleState.ACTIVE,
        "next_q": quote(back, safe=""),
        "progress_label": _("Progress"),
        "check_in_label": _("Check in"),
    }


def _objective_form(
    request: HttpRequest, me: Membership, cycle: Cycle, objective: Objective | None = None
) -> forms.ObjectiveForm:
    initial: dict[str, Any] = {"owner": me.pk, "parent": parse_id(request.GET.get("parent"))}
    if objective is not None:
        initial = {
            "title": objective.title,
            "description": objective.description,
            "owner": objective.owner_id,
            "team": objective.team_id,
            "kind": objective.kind,
            "parent": objective.parent_id,
            "visibility": objective.visibility,
        }
    parents = selectors.parents_to_choose(
        membership=me, cycle=cycle, objective=objective, also=parse_id(request.GET.get("parent"))
    )
    return forms.ObjectiveForm(
        request.POST or None,
        initial=initial,
        people=selectors.people_to_choose(membership=me, near=objective),
        teams=org_selectors.flatten(org_selectors.team_tree(membership=me)),
        parents=parents,
    )


@member_required
def objective_create(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    orgs_access.require_writer(me)
    cycle = _cycle(request, me)
    if cycle is None:
        messages.info(request, _("There is no cycle yet: an administrator creates one first."))
        return redirect("okrs")
    form = _objective_form(request, me, cycle)
    created = run_form(request, form, lambda data: services.objective_create(by=me, cycle=cycle, **data))
    if created is not None:
        messages.success(request, _("The objective was added. Now give it two to five key results."))
        return redirect("objective_detail", objective_id=created.pk)
    return render(request, "okrs/objective_form.html", {"form": form, "cycle": cycle}, status=form_status(form))


@member_required
def objective_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    access.require_edit_objective(me, objective)
    access.require_open(objective.cycle)
    form = _objective_form(request, me, objective.cycle, objective)
    saved = run_form(request, form, lambda data: services.objective_update(by=me, objective=objective, **data))
    if saved is not None:
        messages.success(request, _("Saved. The owners above and below were told."))
        return redirect("objective_detail", objective_id=objective.pk)
    return render(
        request,
        "okrs/objective_form.html",
        {"form": form, "cycle": objective.cycle, "objective": objective},
        status=form_status(form),
    )


@require_POST
@member_required
def objective_delete(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    cycle_id = objective.cycle_id
    services.objective_delete(by=me, objective=objective)
    messages.success(request, _("The objective was deleted."))
    return redirect(f"{reverse('okrs')}?cycle={cycle_id}")


def _key_result_form(
    request: HttpRequest, me: Membership, objective: Objective, key_result: KeyResult | None = None
) -> forms.KeyResultForm:
    initial: dict[str, Any] = {"weight": 1, "start_value": 0}
    if key_result is not None:
        initial = {name: getattr(key_result, name) for name in services.KEY_RESULT_FIELDS}
        initial |= {"owner": key_result.owner_id, "kpi": key_result.kpi_id}
    people = selectors.people_to_choose(membership=me, near=objective)
    if key_result is not None and key_result.owner_id not in {p.pk for p in people}:
        people.append(key_result.owner)
    return forms.KeyResultForm(
        request.POST or None,
        initial=initial,
        people=people,
        kpis=selectors.kpis_to_choose(
            membership=me, objective=objective, current=key_result.kpi_id if key_result else None
        ),
    )


@member_required
def objective_detail(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    return _render_objective(request, me, selectors.objective_get(membership=me, objective_id=objective_id))


def _render_objective(
    request: HttpRequest, me: Membership, objective: Objective, status: int = 200, **forms_: Any
) -> HttpResponse:
    results = list(selectors.key_results(membership=me, objective_id=objective.pk))
    editable = access.can_edit_objective(me, objective)
    cycle = objective.cycle
    history_by_kr = selectors.check_in_series(objective=objective)
    context = {
        "objective": objective,
        "cycle": cycle,
        "key_results": [
            {
                "kr": kr,
                "can_edit": access.can_edit_key_result(me, kr, objective_editable=editable),
                "chart": _kr_chart(kr, cycle, history_by_kr.get(kr.pk, [])),
                "chart_id": f"kr-chart-{kr.pk}",
            }
            for kr in results
        ],
        "children": list(selectors.objectives(membership=me, parent_id=objective.pk)),
        "parent": selectors.objectives(membership=me).filter(pk=objective.parent_id).first()
        if objective.parent_id
        else None,
        "timeline": selectors.objective_timeline(objective=objective),
        "comments": selectors.comments(objective=objective),
        "history": core_selectors.history_page(membership=me, object_type="objective", object_id=objective.pk),
        "actions_card": action_views.actions_card(membership=me, objective=objective, key_results=results),
        "can_edit": editable,
        "open": cycle.state in access.EDITABLE,
        "active": cycle.state == CycleState.ACTIVE,
        "closing": cycle.state == CycleState.CLOSING,
        "closed": cycle.state == CycleState.CLOSED,
        "kr_form": forms_.get("kr_form") or (_key_result_form(request, me, objective) if editable else None),
        "comment_form": forms_.get("comment_form") or forms.CommentForm(key_results=results),
        "reflect_form": forms_.get("reflect_form")
        or forms.ReflectForm(initial={"went_well": objective.went_well, "to_change": objective.to_change}),
        "carry_form": forms.CarryOverForm(
            cycles=[c for c in selectors.cycles(membership=me).exclude(state=CycleState.CLOSED) if c.pk != cycle.pk]
        ),
    }
    return render(request, "okrs/objective_detail.html", context, status=status)


def _kr_chart(kr: KeyResult, cycle: Cycle, points: list[Any]) -> dict[str, Any]:
    """What the check-in chart draws: the values over the cycle against the ideal line from start to target."""
    return {
        "start": cycle.start.isoformat(),
        "end": cycle.end.isoformat(),
        "from": float(kr.start_value),
        "to": float(kr.target_value),
        "values": [[c.created_at.date().isoformat(), float(c.value)] for c in points],
        "names": {"value": _("Check-ins"), "ideal": _("Ideal line")},
    }


@require_POST
@member_required
def key_result_create(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    form = _key_result_form(request, me, objective)
    created = run_form(
        request,
        form,
        lambda _data: services.key_result_create(by=me, objective=objective, **form.changes(creating=True)),
    )
    if created is not None:
        messages.success(request, _("The key result was added."))
        return redirect("objective_detail", objective_id=objective.pk)
    return _render_objective(request, me, objective, status=422, kr_form=form)


@member_required
def key_result_edit(request: HttpRequest, key_result_id: int) -> HttpResponse:
    me = _me(request)
    kr = selectors.key_result_get(membership=me, key_result_id=key_result_id)
    access.require_edit_key_result(me, kr)
    access.require_open(kr.objective.cycle)
    form = _key_result_form(request, me, kr.objective, kr)
    saved = run_form(
        request, form, lambda _data: services.key_result_update(by=me, key_result=kr, **form.changes(creating=False))
    )
    if saved is not None:
        messages.success(request, _("Saved. The owners above and below were told."))
        return redirect("objective_detail", objective_id=kr.objective_id)
    return render(request, "okrs/key_result_form.html", {"form": form, "kr": kr}, status=form_status(form))


@require_POST
@member_required
def key_result_delete(request: HttpRequest, key_result_id: int) -> HttpResponse:
    me = _me(request)
    kr = selectors.key_result_get(membership=me, key_result_id=key_result_id)
    services.key_result_delete(by=me, key_result=kr)
    messages.success(request, _("The key result was deleted."))
    return redirect("objective_detail", objective_id=kr.objective_id)


@member_required
def key_result_check_in(request: HttpRequest, key_result_id: int) -> HttpResponse:
    """The check-in dialog (opened in place by HTMX from any list) and its submission."""
    me = _me(request)
    kr = selectors.key_result_get(membership=me, key_result_id=key_result_id)
    access.require_edit_key_result(me, kr)
    form = forms.CheckInForm(
        request.POST or None, initial={"value": kr.current_value.normalize(), "confidence": kr.confidence or "on_track"}
    )
    done = run_form(
        request,
        form,
        lambda data: check_ins.key_result_check_in(
            by=me, key_result=kr, value=data["value"], confidence=data["confidence"], note=data["note"]
        ),
    )
    back = request.POST.get("next") or request.GET.get("next") or reverse("objective_detail", args=[kr.objective_id])
    # The same check as sign-in's "next": "//elsewhere.example" starts with "/" too.
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    if done is not None:
        messages.success(request, _("Checked in: %(title)s.") % {"title": kr.title})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return redirect(back)
    template = "okrs/partials/check_in_dialog.html" if getattr(request, "htmx", False) else "okrs/check_in.html"
    return render(request, template, {"form": form, "kr": kr, "next": back}, status=form_status(form))


@require_POST
@member_required
def milestone_toggle(request: HttpRequest, milestone_id: int) -> HttpResponse:
    me = _me(request)
    milestone = selectors.milestone_get(membership=me, milestone_id=milestone_id)
    check_ins.milestone_set(by=me, milestone=milestone, done=request.POST.get("done") == "1")
    return redirect("objective_detail", objective_id=milestone.key_result.objective_id)


@require_POST
@member_required
def key_result_score(request: HttpRequest, key_result_id: int) -> HttpResponse:
    me = _me(request)
    kr = selectors.key_result_get(membership=me, key_result_id=key_result_id)
    form = forms.ScoreForm(request.POST)
    if run_form(
        request,
        form,
        lambda data: check_ins.key_result_score(by=me, key_result=kr, score=data["score"], reason=data["reason"]),
    ):
        messages.success(request, _("Scored: %(title)s.") % {"title": kr.title})
    else:
        messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("objective_detail", objective_id=kr.objective_id)


@require_POST
@member_required
def objective_reflect(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    form = forms.ReflectForm(request.POST)
    if run_form(request, form, lambda data: check_ins.objective_reflect(by=me, objective=objective, **data)):
        messages.success(request, _("The retrospective was saved."))
        return redirect("objective_detail", objective_id=objective.pk)
    return _render_objective(request, me, objective, status=422, reflect_form=form)


@require_POST
@member_required
def objective_carry_over(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    cycle = selectors.cycle_get(membership=me, cycle_id=parse_id(request.POST.get("cycle")) or 0)
    copy = check_ins.objective_carry_over(by=me, objective=objective, cycle=cycle)
    messages.success(request, _("Carried over to %(cycle)s.") % {"cycle": cycle.name})
    return redirect("objective_detail", objective_id=copy.pk)


@require_POST
@member_required
def comment_add(request: HttpRequest, objective_id: int) -> HttpResponse:
    me = _me(request)
    objective = selectors.objective_get(membership=me, objective_id=objective_id)
    results = list(selectors.key_results(membership=me, objective_id=objective.pk))
    form = forms.CommentForm(request.POST, key_results=results)

    def add(data: dict[str, Any]) -> object:
        kr = next((k for k in results if k.pk == data["key_result"]), None)
        return check_ins.comment_add(by=me, objective=objective, body=data["body"], key_result=kr)

    if run_form(request, form, add) is not None:
        return redirect(f"{reverse('objective_detail', args=[objective.pk])}#comments")
    return _render_objective(request, me, objective, status=422, comment_form=form)


@member_required
def alignment_map(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    root_id = parse_id(request.GET.get("root"))
    root = selectors.objective_get(membership=me, objective_id=root_id) if root_id else None
    cycle = root.cycle if root is not None else _cycle(request, me)
    return render(
        request,
        "okrs/map.html",
        {
            "cycle": cycle,
            "root": root,
            "cycles": list(selectors.cycles(membership=me)),
            "map": selectors.alignment_map(membership=me, cycle=cycle, root=root) if cycle else None,
            "labels": {"progress": _("Progress"), "owner": _("Owner"), "private": _("Private objective")},
        },
    )


@member_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Cycles, and for administrators the form to add one and the buttons that move them on."""
    me = _me(request)
    form = forms.CycleForm(request.POST or None)
    created = run_form(request, form, lambda data: services.cycle_create(by=me, **data))
    if created is not None:
        messages.success(request, _("%(name)s was created, in planning.") % {"name": created.name})
        return redirect("cycles")
    return render(
        request,
        "okrs/cycles.html",
        {"cycles": list(selectors.cycles(membership=me)), "form": form, "next_state": services.NEXT_STATE},
        status=form_status(form),
    )


@require_POST
@member_required
def cycle_advance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    me = _me(request)
    cycle = selectors.cycle_get(membership=me, cycle_id=cycle_id)
    services.cycle_advance(by=me, cycle=cycle, state=request.POST.get("state") or "")
    messages.success(
        request, _("%(name)s is now %(state)s.") % {"name": cycle.name, "state": cycle.get_state_display().lower()}
    )
    return redirect("cycles")


@member_required
def template_list(request: HttpRequest) -> HttpResponse:
    """The template library: the organization's own, then the built-in ones, by function."""
    me = _me(request)
    kind = "kpi" if request.GET.get("kind") == "kpi" else "okr"
    function = request.GET.get("function") or None
    if function not in dict(library.FUNCTIONS):
        function = None
    open_cycles = list(selectors.cycles(membership=me).exclude(state=CycleState.CLOSED))
    return render(
        request,
        "okrs/templates.html",
        {
            "kind": kind,
            "function": function,
            "functions": library.FUNCTIONS,
            "templates": template_services.templates(membership=me, kind=kind, function=function),
            "cycles": [c for c in open_cycles if c.state in access.EDITABLE],
            "current": selectors.current_cycle(membership=me, today=local_today(me.organization.tz)),
            "can_author_kpis": me.can_write and me.role in ("admin", "manager"),
        },
    )


@require_POST
@member_required
def template_use(request: HttpRequest) -> HttpResponse:
    """Create an objective (in a chosen cycle, owned by the author) or a draft KPI from a template."""
    me = _me(request)
    template = (request.POST.get("template") or "")[:80]
    if request.POST.get("kind") == "kpi":
        kpi = template_services.kpi_from_template(by=me, template=template, owner=me.pk)
        messages.success(
            request, _("%(name)s was created as a draft: check its target, then submit it.") % {"name": kpi.name}
        )
        return redirect("kpi_edit", kpi_id=kpi.pk)
    cycle = selectors.cycle_get(membership=me, cycle_id=parse_id(request.POST.get("cycle")) or 0)
    team = parse_id(request.POST.get("team"))
    objective = templating.objective_from_template(
        by=me, template=template, cycle=cycle, owner=None if team else me.pk, team=team
    )
    messages.success(request, _("The objective was created from the template: adjust its key results to your numbers."))
    return redirect("objective_detail", objective_id=objective.pk)


@require_POST
@member_required
def template_save(request: HttpRequest) -> HttpResponse:
    """Save an objective or a KPI as one of the organization's templates."""
    me = _me(request)
    objective_id, kpi_id = parse_id(request.POST.get("objective")), parse_id(request.POST.get("kpi"))
    if objective_id:
        objective = selectors.objective_get(membership=me, objective_id=objective_id)
        saved = templating.template_save_objective(by=me, objective=objective)
        back = reverse("objective_detail", args=[objective.pk])
    else:
        kpi = kpi_selectors.kpi_get(membership=me, kpi_id=kpi_id or 0)
        saved = template_services.template_save_kpi(by=me, kpi=kpi)
        back = reverse("kpi_detail", args=[kpi.pk])
    messages.success(request, _("Saved as the template “%(name)s” for your organization.") % {"name": saved.name})
    return redirect(back)
