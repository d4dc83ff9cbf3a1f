"""``/api/v1/imports``: CSV and Excel files turned into data points, with the same rules as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.integrations import import_schemas as schemas
from tandem.integrations import import_selectors as selectors
from tandem.integrations import imports
from tandem.integrations.models import DataImport
from tandem.orgs.models import Membership

router = Router(tags=["imports"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


def _preview(me: Membership, data_import: DataImport) -> DataImport:
    """The import with what its preview adds (columns, first rows, guessed mapping), for ``PreviewOut``."""
    preview = imports.data_import_preview(by=me, data_import=data_import)
    previous = preview["previous"]
    extra = {key: preview[key] for key in ("sheets", "sheet", "header_row", "columns", "rows")}
    extra["mapping"] = preview["guess"] or {}
    extra["already_imported"] = (
        {
            "id": previous.pk,
            "finished_at": previous.finished_at,
            "by": previous.uploaded_by.display_name if previous.uploaded_by_id else "",
        }
        if previous
        else None
    )
    for key, value in extra.items():
        setattr(data_import, key, value)
    return data_import


@router.post("/imports", response={201: schemas.PreviewOut})
def import_upload(request: HttpRequest, file: File[UploadedFile], encoding: Form[str] = "utf-8") -> Any:
    """Upload a CSV or .xlsx file (multipart: ``file``, optional ``encoding`` for CSV: utf-8, cp1258, cp1252,
    utf-16, latin-1). Answers with its columns, first rows and a guessed mapping; nothing is imported yet."""
    me = _me(request)
    created = imports.data_import_upload(by=me, upload=file, encoding=encoding)
    return Status(201, _preview(me, selectors.data_import_get(membership=me, import_id=created.pk, with_content=True)))


@router.get("/imports", response=list[schemas.ImportOut])
@paginate(Pagination)
def import_list(request: HttpRequest) -> Any:
    """Your imports (every import of the organization for administrators), newest first."""
    return selectors.data_imports(membership=_me(request))


@router.get("/imports/{import_id}", response=schemas.ImportOut)
def import_get(request: HttpRequest, import_id: Id) -> Any:
    return selectors.data_import_get(membership=_me(request), import_id=import_id)


@router.post("/imports/{import_id}/check", response=schemas.CheckOut)
def import_check(request: HttpRequest, import_id: Id, payload: schemas.MappingIn) -> Any:
    """Judge every row with this mapping; nothing is written."""
    me = _me(request)
    data_import = selectors.data_import_get(membership=me, import_id=import_id, with_content=True)
    mapping = imports.mapping_clean(by=me, data_import=data_import, raw=payload.dict())
    outcome = imports.data_import_check(by=me, data_import=data_import, mapping=mapping)
    return {**outcome.__dict__, "more_bad_rows": outcome.more_bad_rows}


@router.post("/imports/{import_id}/run", response={201: schemas.ImportOut})
def import_run(request: HttpRequest, import_id: Id, payload: schemas.RunIn) -> Any:
    """Import every row in one transaction. Any bad row: 422 with the bad rows, and nothing written, unless
    ``skip_bad_rows`` is true (then the good rows are imported and the status is ``partial``)."""
    me = _me(request)
    data_import = selectors.data_import_get(membership=me, import_id=import_id, with_content=True)
    raw = payload.dict()
    skip = bool(raw.pop("skip_bad_rows"))
    mapping = imports.mapping_clean(by=me, data_import=data_import, raw=raw)
    done = imports.data_import_run(by=me, data_import=data_import, mapping=mapping, skip_bad_rows=skip)
    return Status(201, selectors.data_import_get(membership=me, import_id=done.pk))
