"""KPI pages: the list with statuses and sparklines, a KPI's trend, data entry and change requests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from tandem.actions import views as action_views
from tandem.core import selectors as core_selectors
from tandem.core.errors import Conflict, ValidationError
from tandem.core.ids import parse_id
from tandem.core.periods import local_today
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.kpis import access, comments, forms, selectors, services
from tandem.kpis import points as kpi_points
from tandem.kpis.models import ChangeRequestState, Kpi, KpiState, RiskLevel
from tandem.kpis.status import lines
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership, Role

KPIS_PER_PAGE = 50


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


STATUSES = [
    ("red", _lazy("Off target")),
    ("amber", _lazy("At risk")),
    ("green", _lazy("On target")),
    ("no_data", _lazy("No data")),
]
SORTS = [
    ("name", _lazy("Name")),
    ("status", _lazy("Status, off target first")),
    ("risk", _lazy("Risk, highest first")),
    ("owner", _lazy("Owner")),
    ("team", _lazy("Team")),
]


@member_required
def kpi_list(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    state = request.GET.get("state") or None
    risk = request.GET.get("risk") or None
    status = request.GET.get("status") or None
    sort = request.GET.get("sort") or "name"
    search = (request.GET.get("q") or "").strip()[:100]
    owner_id = me.pk if request.GET.get("mine") else parse_id(request.GET.get("owner"))
    kpis = selectors.kpis(
        membership=me,
        team_id=parse_id(request.GET.get("team")),
        owner_id=owner_id,
        state=state if state in KpiState.values else None,
        risk_level=risk if risk in RiskLevel.values else None,
        search=search or None,
    )
    today = local_today(me.organization.tz)
    page, on_page = selectors.kpi_page(
        organization=me.organization,
        kpis=kpis,
        status=status if status in dict(STATUSES) else None,
        sort=sort if sort in dict(SORTS) else "name",
        page=request.GET.get("page"),
        per_page=KPIS_PER_PAGE,
        today=today,
    )
    return render(
        request,
        "kpis/list.html",
        {
            "page": page,
            "rows": selectors.kpi_rows(membership=me, kpis_page=on_page, today=today),
            "teams": org_selectors.flatten(org_selectors.team_tree(membership=me)),
            "owners": selectors.kpi_owners(membership=me),
            "states": KpiState.choices,
            "risks": RiskLevel.choices,
            "statuses": STATUSES,
            "sorts": SORTS,
            "filters": {
                "state": state,
                "risk": risk,
                "status": status,
                "sort": sort,
                "q": search,
                "team": request.GET.get("team"),
                "owner": request.GET.get("owner"),
                "mine": request.GET.get("mine"),
            },
            "can_create": me.can_write and me.role in (Role.ADMIN, Role.MANAGER),
        },
    )


def _kpi_form(request: HttpRequest, me: Membership, kpi: Kpi | None = None) -> forms.KpiForm:
    initial: dict[str, Any] = {"owner": me.pk}
    if kpi is not None:
        version = selectors.version_on(kpi, local_today(me.organization.tz))
        initial = {name: getattr(kpi, name) for name in services.DEFINITION_FIELDS} | {
            name: getattr(version, name) for name in forms.RULE_FIELDS
        }
        initial |= {"owner": kpi.owner_id, "team": kpi.team_id, "guardrails": [g.pk for g in kpi.guardrails.all()]}
        # 2400.000000 as stored reads as 2400 in the form.
        initial = {k: f"{v.normalize():f}" if isinstance(v, Decimal) else v for k, v in initial.items()}
    return forms.KpiForm(
        request.POST or None,
        initial=initial,
        people=org_selectors.people_near(
            membership=me,
            people=[kpi.owner_id] if kpi is not None else [],
            teams=[kpi.team_id] if kpi is not None and kpi.team_id else [],
        ),
        teams=org_selectors.flatten(org_selectors.team_tree(membership=me)),
        kpis=selectors.guardrails_to_choose(membership=me, kpi=kpi),
        rules_locked=kpi is not None and kpi.state != KpiState.DRAFT,
    )


@member_required
def kpi_create(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    access.require_kpi_author(me)
    form = _kpi_form(request, me)
    kpi = run_form(request, form, lambda _data: services.kpi_create(by=me, **form.cleaned_changes()))
    if kpi is not None:
        messages.success(
            request, _("%(name)s was created as a draft. Submit it when it is ready.") % {"name": kpi.name}
        )
        return redirect("kpi_detail", kpi_id=kpi.pk)
    return render(request, "kpis/form.html", {"form": form}, status=form_status(form))


@member_required
def kpi_edit(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = selectors.kpi_get(membership=me, kpi_id=kpi_id)
    access.require_can_edit(me, kpi)
    if kpi.state == KpiState.ARCHIVED:
        raise Conflict(_("This KPI is archived; it can no longer change."))
    form = _kpi_form(request, me, kpi)
    saved = run_form(request, form, lambda _data: services.kpi_update(by=me, kpi=kpi, **form.cleaned_changes()))
    if saved is not None:
        messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
        return redirect("kpi_detail", kpi_id=kpi.pk)
    return render(request, "kpis/form.html", {"form": form, "kpi": kpi}, status=form_status(form))


@require_POST
@member_required
def kpi_archive(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = services.kpi_archive(by=me, kpi=selectors.kpi_get(membership=me, kpi_id=kpi_id))
    messages.success(request, _("%(name)s is archived: its data and history stay.") % {"name": kpi.name})
    return redirect("kpi_detail", kpi_id=kpi.pk)


@require_POST
@member_required
def kpi_delete(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = selectors.kpi_get(membership=me, kpi_id=kpi_id)
    services.kpi_delete(by=me, kpi=kpi)
    messages.success(request, _("%(name)s was deleted.") % {"name": kpi.name})
    return redirect("kpis")


@require_POST
@member_required
def kpi_period_target(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = selectors.kpi_get(membership=me, kpi_id=kpi_id)
    form = forms.PeriodTargetForm(request.POST)

    def save(data: dict[str, Any]) -> Kpi:
        try:
            return services.kpi_update(by=me, kpi=kpi, period_targets={data["day"].isoformat(): data["target"]})
        except ValidationError as exc:  # "period_targets.2026-12-01" is the form's "day"
            raise ValidationError(errors=[{"field": "day", "message": e["message"]} for e in exc.errors]) from None

    if run_form(request, form, save) is not None:
        messages.success(request, _("The period's target was saved."))
        return redirect("kpi_detail", kpi_id=kpi.pk)
    return _render_detail(request, me, kpi, status=422, target_form=form)


@member_required
def kpi_detail(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    return _render_detail(request, me, selectors.kpi_get(membership=me, kpi_id=kpi_id))


def _render_detail(request: HttpRequest, me: Membership, kpi: Kpi, status: int = 200, **forms_: Any) -> HttpResponse:
    today = local_today(me.organization.tz)
    current = selectors.version_on(kpi, today)
    grains = selectors.grains_for(current.frequency)
    chosen = request.GET.get("grain") or ""
    grain = chosen if chosen in grains else current.frequency
    periods = selectors.kpi_periods(kpi=kpi, grain=grain, count=24 if grain in ("day", "week") else 12, today=today)
    context = _detail_context(request, me, kpi, today, **forms_) | {
        "grain": grain,
        "grains": grains,
        "periods": periods,
        "chart": _chart(periods, kpi),
    }
    return render(request, "kpis/detail.html", context, status=status)


# Roughly how long each frequency's period lasts, to call data stale after two periods without any.
PERIOD_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}


def _source_words(me: Membership, kpi: Kpi) -> tuple[str, str]:
    """Where a KPI's data last came from, in words, and a link to it when the reader may open it."""
    source = kpi.last_received_source
    kind, _sep, ref = source.partition(":")
    if source == "manual":
        return _("entered by hand"), ""
    if kind == "import":
        return _("a file import"), ""
    if kind == "connector" and ref.isdigit() and len(ref) <= 18:
        from tandem.integrations import selectors as integration_selectors
        from tandem.integrations.models import Connector

        visible = integration_selectors.connectors(membership=me).filter(pk=OuterRef("pk"))
        found = (
            Connector.objects.for_org(me.organization)
            .filter(pk=int(ref))
            .annotate(visible=Exists(visible))
            .values_list("name", "visible")
            .first()
        )
        if found is None:
            return _("a connector since deleted"), ""
        name, can_see = found
        try:
            url = reverse("connector_detail", kwargs={"connector_id": int(ref)}) if can_see else ""
        except NoReverseMatch:
            url = ""
        return _("connector %(name)s") % {"name": name}, url
    if source == "api":
        return _("the API"), ""
    return _("the API (source “%(source)s”)") % {"source": source}, ""


def _data_flow(me: Membership, kpi: Kpi, today: Any) -> dict[str, Any]:
    """When data last arrived and from where, and whether it looks stale (no data for two periods)."""
    if kpi.last_received_at is None:
        return {"at": None}
    words, url = _source_words(me, kpi)
    days = PERIOD_DAYS.get(selectors.version_on(kpi, today).frequency, 31)
    stale = timezone.now() - kpi.last_received_at > datetime.timedelta(days=2 * days)
    return {"at": kpi.last_received_at, "source": words, "url": url, "stale": stale}


def _detail_context(request: HttpRequest, me: Membership, kpi: Kpi, today: Any, **forms_: Any) -> dict[str, Any]:
    can_edit = kpi.owner_id == me.pk or access.is_kpi_manager(me, kpi)
    requests = list(selectors.change_requests(membership=me, kpi_id=kpi.pk)[:10])
    return {
        "kpi": kpi,
        "version": selectors.version_on(kpi, today),
        "versions": sorted(kpi.versions.all(), key=lambda v: v.number, reverse=True),
        "health": selectors.watermelon(membership=me, kpi=kpi, today=today),
        "change_requests": requests,
        "can_edit": me.can_write and can_edit,
        "can_decide": me.can_write and access.is_kpi_manager(me, kpi),
        "data_form": forms_.get("data_form") or forms.DataPointForm(initial={"date": today}),
        "target_form": forms_.get("target_form") or forms.PeriodTargetForm(),
        "points": list(selectors.points_of(kpi=kpi)[:10]),
        "last_received": selectors.last_received(kpi=kpi),
        "data_flow": _data_flow(me, kpi, today),
        "kpi_has_formula": bool(selectors.version_on(kpi, today).formula),
        "period_targets": sorted(selectors.version_on(kpi, today).period_targets.all(), key=lambda t: t.period_start),
        "change_form": forms_.get("change_form") or forms.ChangeRequestForm(),
        "pending": next((r for r in requests if r.state == ChangeRequestState.PENDING), None),
        "history": core_selectors.history_page(membership=me, object_type="kpi", object_id=kpi.pk),
        "actions_card": action_views.actions_card(membership=me, kpi=kpi),
        "comments": list(selectors.kpi_comments(kpi=kpi)),
        "comment_form": forms_.get("comment_form") or forms.CommentForm(),
    }


def _chart(periods: list[dict[str, Any]], kpi: Kpi) -> dict[str, Any]:
    """What the ECharts trend draws: values coloured by status, the target, and the amber and red lines."""

    def number(value: Any) -> float | None:
        return float(value) if value is not None else None

    amber, red = [], []
    for row in periods:
        version = next(v for v in kpi.versions.all() if v.number == row["version"])
        rule = selectors.rule_of(version)
        found = lines(rule, row["target"])
        amber.append(number(found[0]) if found else None)
        red.append(number(found[1]) if found else None)
    return {
        "labels": [row["period"] for row in periods],
        "values": [number(row["value"]) for row in periods],
        "projected": [number(row["projected"]) for row in periods],
        "statuses": [row["status"] for row in periods],
        "targets": [number(row["target"]) for row in periods],
        "amber": amber,
        "red": red,
        "direction": selectors.version_on(kpi, periods[-1]["start"]).direction,
        "names": {
            "value": _("Value"),
            "target": _("Target"),
            "amber": _("Amber line"),
            "red": _("Red line"),
            "projected": _("On pace for"),
        },
    }


@require_http_methods(["GET", "POST"])
@member_required
def kpi_record(request: HttpRequest, kpi_id: int) -> HttpResponse:
    """Record a value: the KPI page's form, or the dialog opened in place by HTMX from any list (the home
    page), which sends the person back to ``next`` once recorded."""
    me = _me(request)
    kpi = selectors.kpi_get(membership=me, kpi_id=kpi_id)
    in_place = bool(getattr(request, "htmx", False))
    if request.method == "GET" and not in_place:
        return redirect("kpi_detail", kpi_id=kpi.pk)
    if in_place:
        access.require_can_record(me, kpi)
    posted = request.POST if request.method == "POST" else None
    form = forms.DataPointForm(posted, initial={"date": local_today(me.organization.tz)})

    def record(data: dict[str, Any]) -> dict[str, int]:
        point = {"kpi": kpi.pk, "date": data["date"].isoformat(), "value": str(data["value"]), "note": data["note"]}
        try:
            return kpi_points.data_points_record(by=me, source="manual", points=[point])
        except ValidationError as exc:  # "points.0.value" is the form's "value"
            errors = [{"field": e["field"].rsplit(".", 1)[-1], "message": e["message"]} for e in exc.errors]
            raise ValidationError(errors=errors) from None

    done = run_form(request, form, record)
    if done is not None:
        messages.success(request, _("The value was recorded."))
    if not in_place:
        if done is not None:
            return redirect("kpi_detail", kpi_id=kpi.pk)
        return _render_detail(request, me, kpi, status=422, data_form=form)
    back = request.POST.get("next") or request.GET.get("next") or reverse("kpi_detail", args=[kpi.pk])
    # The same check as sign-in's "next": "//elsewhere.example" starts with "/" too.
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    if done is not None:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = back
        return response
    form.fields["value"].widget.attrs["autofocus"] = True  # the dialog opens to type the value
    now = selectors.kpi_now(kpi=kpi, today=local_today(me.organization.tz))
    context = {"form": form, "kpi": kpi, "next": back, "now": now}
    return render(request, "kpis/partials/record_dialog.html", context, status=form_status(form))


@require_POST
@member_required
def kpi_comment_add(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = selectors.kpi_get(membership=me, kpi_id=kpi_id)
    form = forms.CommentForm(request.POST)
    created = run_form(request, form, lambda data: comments.kpi_comment_create(by=me, kpi=kpi, body=data["body"]))
    if created is not None:
        return redirect(f"{reverse('kpi_detail', args=[kpi.pk])}#comment-{created.pk}")
    return _render_detail(request, me, kpi, status=422, comment_form=form)


@require_POST
@member_required
def kpi_submit(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = services.kpi_submit(by=me, kpi=selectors.kpi_get(membership=me, kpi_id=kpi_id))
    messages.success(
        request, _("%(name)s is active: its rules now change only through a change request.") % {"name": kpi.name}
    )
    return redirect("kpi_detail", kpi_id=kpi.pk)


@require_POST
@member_required
def kpi_change_request(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = selectors.kpi_get(membership=me, kpi_id=kpi_id)
    form = forms.ChangeRequestForm(request.POST)
    created = run_form(
        request,
        form,
        lambda data: services.change_request_create(
            by=me, kpi=kpi, changes=form.changes(), reason=data["reason"], effective_from=data["effective_from"]
        ),
    )
    if created is not None:
        messages.success(request, _("Your change request was sent for approval."))
        return redirect("kpi_detail", kpi_id=kpi.pk)
    return _render_detail(request, me, kpi, status=422, change_form=form)


@require_POST
@member_required
def change_request_decide(request: HttpRequest, request_id: int, decision: str) -> HttpResponse:
    me = _me(request)
    found = selectors.change_request_get(membership=me, request_id=request_id)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    if decision == "approve":
        services.change_request_approve(by=me, request=found, comment=comment)
        messages.success(request, _("Approved: the new rules apply from %(date)s.") % {"date": found.effective_from})
    else:
        services.change_request_reject(by=me, request=found, comment=comment)
        messages.success(request, _("Rejected; the KPI keeps its rules."))
    return redirect("kpi_detail", kpi_id=found.kpi_id)
