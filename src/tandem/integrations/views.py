"""Connector pages under Data: the list with each connector's health, the form (with "Test", a dry run
that saves nothing, swapped in place by HTMX), the detail page with the run history, "Run now" and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core import selectors as core_selectors
from tandem.core.errors import PermissionDenied, ValidationError
from tandem.core.views_helpers import form_status, member_required
from tandem.integrations import forms, selectors, services
from tandem.integrations.models import Connector
from tandem.integrations.selectors import Access, access_connector
from tandem.kpis import selectors as kpi_selectors
from tandem.orgs.models import Membership

RUNS_PER_PAGE = 25
NAV = "data"


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _require_manage(me: Membership, connector: Connector | None = None) -> None:
    if access_connector(me, connector) != Access.MANAGE:
        raise PermissionDenied(_("Connectors are set up by managers and administrators."))


def _form(
    request: HttpRequest, me: Membership, connector: Connector | None
) -> tuple[forms.ConnectorForm, dict[int, Any]]:
    owner = connector.owner if connector is not None else me
    kpis = kpi_selectors.kpis_recordable(membership=me, by=owner)
    if connector is not None and connector.kpi is not None and connector.kpi_id not in {k.pk for k in kpis}:
        kpis.append(connector.kpi)
    form = forms.ConnectorForm(
        request.POST or None,
        initial=forms.initial_of(connector) if connector is not None else {"owner": me.pk, "enabled": True},
        kpis=kpis,
        owners=selectors.owners_to_choose(membership=me) if me.is_admin else None,
        masked=selectors.secrets_described(connector) if connector is not None else None,
    )
    return form, {k.pk: k for k in kpis}


def _submit(form: forms.ConnectorForm, kpis: dict[int, Any], call: Callable[[dict[str, Any]], Any]) -> Any:
    """Validate the form and hand its data to a service; the service's errors land on the form's fields."""
    if not form.is_valid():
        return None
    try:
        return call(form.service_fields(kpis))
    except ValidationError as exc:
        kind = form.cleaned_data.get("kind", "")
        for error in exc.errors or [{"field": "", "message": exc.message}]:
            name = forms.form_field(error["field"], kind)
            form.add_error(name if name in form.fields else None, error["message"])
        return None


@member_required
def connector_list(request: HttpRequest) -> HttpResponse:
    """Every connector the person may see, with its health and last run: two queries, whatever their number."""
    me = _me(request)
    found = selectors.with_last_runs(membership=me, connectors=list(selectors.connectors(membership=me)))
    return render(
        request,
        "integrations/connector_list.html",
        {
            "rows": [selectors.connector_row(me, c) for c in found],
            "can_create": access_connector(me) == Access.MANAGE,
            "nav_section": NAV,
        },
    )


@member_required
def connector_create(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    _require_manage(me)
    form, kpis = _form(request, me, None)
    created = None
    if request.method == "POST":
        created = _submit(form, kpis, lambda data: services.connector_create(by=me, **data))
    if created is not None:
        messages.success(request, _("The connector was saved: %(name)s.") % {"name": created.name})
        return redirect("connector_detail", connector_id=created.pk)
    return render(
        request,
        "integrations/connector_form.html",
        {"form": form, "connector": None, "nav_section": NAV},
        status=form_status(form),
    )


@member_required
def connector_detail(request: HttpRequest, connector_id: int) -> HttpResponse:
    """Settings (credentials masked), health, next runs and the run history, newest first."""
    me = _me(request)
    connector = selectors.connector_get(membership=me, connector_id=connector_id)
    page = Paginator(selectors.connector_runs(membership=me, connector=connector), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    runs = [{"run": run, "duration": selectors.duration(run)} for run in page.object_list]
    return render(
        request,
        "integrations/connector_detail.html",
        {
            "row": selectors.connector_row(me, connector),
            "connector": connector,
            "masked": selectors.secrets_described(connector),
            "next_runs": selectors.next_runs(connector),
            "page": page,
            "runs": runs,
            "nav_section": NAV,
        },
    )


@member_required
def connector_edit(request: HttpRequest, connector_id: int) -> HttpResponse:
    me = _me(request)
    connector = selectors.connector_get(membership=me, connector_id=connector_id)
    _require_manage(me, connector)
    form, kpis = _form(request, me, connector)
    saved = None
    if request.method == "POST":
        saved = _submit(form, kpis, lambda data: services.connector_update(by=me, connector=connector, **data))
    if saved is not None:
        messages.success(request, _("The connector was saved."))
        return redirect("connector_detail", connector_id=connector.pk)
    return render(
        request,
        "integrations/connector_form.html",
        {
            "form": form,
            "connector": connector,
            "history": core_selectors.history_page(membership=me, object_type="connector", object_id=connector.pk),
            "nav_section": NAV,
        },
        status=form_status(form),
    )


def _name_kpis(me: Membership, points: list[dict[str, Any]]) -> None:
    """Each previewed point's KPI by name, as people know it (the rows carry an id or a key): one query."""
    refs = {str(point.get("kpi", "")) for point in points}
    found = kpi_selectors.kpis_by_reference(membership=me, references=refs)
    for point in points:
        kpi = found.get(str(point.get("kpi", "")))
        point["kpi_name"] = kpi.name if kpi else point.get("kpi", "")


def _test_answer(
    request: HttpRequest, connector: Connector | None, run: Callable[[], Any], form: Any = None
) -> HttpResponse:
    """The result panel of a dry run: the first rows as points with their errors, or why the source could
    not be read. In place (HTMX) it is the panel alone; otherwise a page around it."""
    context: dict[str, Any] = {"connector": connector, "nav_section": NAV}
    status = 200
    try:
        preview = run()
    except ValidationError as exc:
        status = 422
        kind = form.cleaned_data.get("kind", "") if form is not None and hasattr(form, "cleaned_data") else ""
        context["failure"] = [
            {"field": forms.form_field(e["field"], kind) if e["field"] else "", "message": e["message"]}
            for e in exc.errors or [{"field": "", "message": exc.message}]
        ]
    else:
        context["preview"] = preview
        if preview is not None:
            _name_kpis(_me(request), preview.points)
    if form is not None and not form.is_valid():
        status = 422
        context["failure"] = [
            {"field": name if name != "__all__" else "", "message": " ".join(str(e) for e in errors)}
            for name, errors in form.errors.items()
        ]
        context.pop("preview", None)
    template = (
        "integrations/partials/connector_test_result.html" if _htmx(request) else "integrations/connector_test.html"
    )
    return render(request, template, context, status=status)


@require_POST
@member_required
def connector_preview(request: HttpRequest) -> HttpResponse:
    """ "Test" on the new-connector form: the unsaved settings tried as they are, nothing saved."""
    me = _me(request)
    _require_manage(me)
    form, kpis = _form(request, me, None)

    def run() -> Any:
        if not form.is_valid():
            return None
        draft = services.connector_build(by=me, **form.service_fields(kpis))
        return services.connector_test(by=me, connector=draft)

    return _test_answer(request, None, run, form)


@require_POST
@member_required
def connector_test(request: HttpRequest, connector_id: int) -> HttpResponse:
    """ "Test" on the edit form (its unsaved changes, blank credentials keeping the stored ones) or on the
    detail page (the saved settings): a dry run, nothing saved."""
    me = _me(request)
    connector = selectors.connector_get(membership=me, connector_id=connector_id)
    _require_manage(me, connector)
    if "kind" not in request.POST:
        return _test_answer(request, connector, lambda: services.connector_test(by=me, connector=connector))
    form, kpis = _form(request, me, connector)

    def run() -> Any:
        if not form.is_valid():
            return None
        draft = services.connector_draft(by=me, connector=connector, **form.service_fields(kpis))
        return services.connector_test(by=me, connector=draft)

    return _test_answer(request, connector, run, form)


@require_POST
@member_required
def connector_run(request: HttpRequest, connector_id: int) -> HttpResponse:
    me = _me(request)
    connector = selectors.connector_get(membership=me, connector_id=connector_id)
    services.connector_run_now(by=me, connector=connector)
    messages.success(request, _("A run was started: its outcome appears in the history below."))
    return redirect("connector_detail", connector_id=connector.pk)


@require_POST
@member_required
def connector_delete(request: HttpRequest, connector_id: int) -> HttpResponse:
    me = _me(request)
    connector = selectors.connector_get(membership=me, connector_id=connector_id)
    name = connector.name
    services.connector_delete(by=me, connector=connector)
    messages.success(request, _("The connector %(name)s was deleted; the data it brought in stays.") % {"name": name})
    return redirect("connectors")
