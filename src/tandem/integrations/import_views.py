"""File import pages: the upload card with the history of imports, the preview with its column mapping, the
check (in place with HTMX) and the run."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tandem.core.errors import ValidationError
from tandem.core.views_helpers import form_status, member_required
from tandem.integrations import import_forms as forms
from tandem.integrations import import_selectors as selectors
from tandem.integrations import imports
from tandem.integrations.models import DataImport, ImportStatus
from tandem.kpis import selectors as kpi_selectors
from tandem.orgs import access
from tandem.orgs.models import Membership

IMPORTS_PER_PAGE = 25


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@member_required
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload card and the history; a good upload goes on to its preview."""
    me = _me(request)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        access.require_writer(me)
        if form.is_valid():
            try:
                created = imports.data_import_upload(
                    by=me, upload=form.cleaned_data["file"], encoding=form.cleaned_data["encoding"]
                )
            except ValidationError as exc:
                for error in exc.errors or [{"field": "file", "message": exc.message}]:
                    form.add_error(error["field"] if error["field"] in form.fields else "file", error["message"])
            else:
                return redirect("import_detail", import_id=created.pk)
    page = Paginator(selectors.data_imports(membership=me), IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/imports.html",
        {"form": form, "page": page, "can_upload": me.can_write},
        status=form_status(form),
    )


def _mapping_form(request: HttpRequest, me: Membership, preview: dict[str, Any], data: Any = None) -> forms.MappingForm:
    guess = dict(preview["guess"])
    return forms.MappingForm(
        data,
        auto_id="mapping_%s",
        initial=guess,
        columns=preview["columns"],
        kpis=kpi_selectors.kpis_recordable(membership=me),
        sheets=preview["sheets"],
    )


def _page(
    request: HttpRequest,
    me: Membership,
    data_import: DataImport,
    *,
    sheet: str | None = None,
    form_data: Any = None,
    outcome: imports.Outcome | None = None,
    status: int = 200,
) -> HttpResponse:
    """The preview page, or (in place) its mapping card with the check's outcome."""
    preview = imports.data_import_preview(by=me, data_import=data_import, sheet=sheet)
    form = _mapping_form(request, me, preview, form_data)
    if form_data is not None:
        form.is_valid()
    context = {
        "data_import": data_import,
        "preview": preview,
        "form": form,
        "outcome": outcome,
        "can_run": data_import.status in (ImportStatus.UPLOADED, ImportStatus.REJECTED) and me.can_write,
    }
    htmx = bool(getattr(request, "htmx", False)) and request.method == "POST"
    template = "integrations/partials/import_mapping.html" if htmx else "integrations/import_detail.html"
    return render(request, template, context, status=status)


@member_required
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview: the first rows under the detected header, the sheet choice, the mapping form; after an
    import, its outcome and bad rows."""
    me = _me(request)
    data_import = selectors.data_import_get(membership=me, import_id=import_id, with_content=True)
    return _page(request, me, data_import, sheet=request.GET.get("sheet"))


def _mapping(request: HttpRequest, me: Membership, data_import: DataImport) -> imports.Mapping:
    raw: dict[str, Any] = {key: request.POST.get(key, "") for key in imports.Mapping.__dataclass_fields__}
    raw["kpi"] = raw["kpi"] or None
    return imports.mapping_clean(by=me, data_import=data_import, raw=raw)


def _refused(request: HttpRequest, me: Membership, data_import: DataImport, exc: ValidationError) -> HttpResponse:
    """The page again with the mapping's field errors (or the file's problem) on the form: 422."""
    preview = imports.data_import_preview(by=me, data_import=data_import, sheet=request.POST.get("sheet"))
    form = _mapping_form(request, me, preview, request.POST)
    form.is_valid()
    for error in exc.errors or [{"field": "", "message": exc.message}]:
        form.add_error(error["field"] if error["field"] in form.fields else None, error["message"])
    context = {"data_import": data_import, "preview": preview, "form": form, "outcome": None, "can_run": True}
    htmx = bool(getattr(request, "htmx", False))
    template = "integrations/partials/import_mapping.html" if htmx else "integrations/import_detail.html"
    return render(request, template, context, status=422)


@require_POST
@member_required
def import_check(request: HttpRequest, import_id: int) -> HttpResponse:
    """Judge every row with the posted mapping and show the counts, the bad rows and the import buttons."""
    me = _me(request)
    access.require_writer(me)
    data_import = selectors.data_import_get(membership=me, import_id=import_id, with_content=True)
    try:
        mapping = _mapping(request, me, data_import)
        outcome = imports.data_import_check(by=me, data_import=data_import, mapping=mapping)
    except ValidationError as exc:
        return _refused(request, me, data_import, exc)
    return _page(request, me, data_import, sheet=mapping.sheet, form_data=request.POST, outcome=outcome)


@require_POST
@member_required
def import_run(request: HttpRequest, import_id: int) -> HttpResponse:
    """Import: every row, or (``skip_bad_rows=1``, only for the mapping that was checked) the good ones."""
    me = _me(request)
    access.require_writer(me)
    data_import = selectors.data_import_get(membership=me, import_id=import_id, with_content=True)
    skip = request.POST.get("skip_bad_rows") == "1"
    try:
        mapping = _mapping(request, me, data_import)
        if skip and request.POST.get("checked") != mapping.signature():
            raise ValidationError("", _("The mapping changed since the check: check the file again."))
        done = imports.data_import_run(by=me, data_import=data_import, mapping=mapping, skip_bad_rows=skip)
    except imports.BadRows as exc:
        fresh = selectors.data_import_get(membership=me, import_id=import_id, with_content=True)
        exc.outcome.signature = mapping.signature()
        return _page(request, me, fresh, sheet=mapping.sheet, form_data=request.POST, outcome=exc.outcome, status=422)
    except ValidationError as exc:
        return _refused(request, me, data_import, exc)
    text = ngettext(
        "Imported %(written)s row from %(file)s.", "Imported %(written)s rows from %(file)s.", done.rows_written
    )
    text %= {"written": done.rows_written, "file": done.file_name}
    if done.rows_skipped:
        skipped = ngettext("%(skipped)s bad row was skipped.", "%(skipped)s bad rows were skipped.", done.rows_skipped)
        text += " " + skipped % {"skipped": done.rows_skipped}
    messages.success(request, text)
    return redirect("imports")
