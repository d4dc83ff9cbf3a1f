"""``/api/v1/connectors``: scheduled pulls from SQL databases and HTTP/JSON endpoints, with the same rules as
the pages. Credentials are write-only: they go in under ``secrets`` and come back masked."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.core.errors import NotFound, ValidationError
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.integrations import schemas, selectors, services
from tandem.integrations.models import ConnectorHealth
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi
from tandem.orgs.models import Membership

router = Router(tags=["connectors"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


def _kpi(me: Membership, kpi_id: int | None) -> Kpi | None:
    if kpi_id is None:
        return None
    try:
        return kpi_selectors.kpi_get(membership=me, kpi_id=kpi_id)
    except NotFound:
        raise ValidationError("kpi", _("No such KPI that you can see.")) from None


def _fields(me: Membership, payload: schemas.ConnectorFields) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    if "kpi" in data:
        data["kpi"] = _kpi(me, data["kpi"])
    if "secrets" in data:
        data["secrets"] = {k: v for k, v in (data["secrets"] or {}).items() if v is not None}
    for name in ("name", "kind", "config", "schedule_kind", "enabled"):
        if name in data and data[name] is None:
            raise ValidationError(name, _("This field may not be null."))
    return data


@router.get("/connectors", response=list[schemas.ConnectorOut])
@paginate(Pagination)
def connector_list(request: HttpRequest, kpi: Id | None = None, health: ConnectorHealth | None = None) -> Any:
    """The connectors you may see, by name: their schedule, health and last run (credentials masked)."""
    me = _me(request)
    return _ListWithRuns(me, selectors.connectors(membership=me, kpi_id=kpi, health=health))


class _ListWithRuns:
    """A queryset whose pages get their last runs in one query, for the paginator."""

    def __init__(self, membership: Membership, queryset: Any) -> None:
        self.membership, self.queryset = membership, queryset

    def count(self) -> int:
        return int(self.queryset.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Any]:
        return selectors.with_last_runs(membership=self.membership, connectors=list(self.queryset[index]))


@router.post("/connectors", response={201: schemas.ConnectorOut})
def connector_create(request: HttpRequest, payload: schemas.ConnectorIn) -> Any:
    """A new connector (managers and administrators). It connects to nothing until it runs: use
    ``POST /connectors/{id}/test`` for a dry run."""
    me = _me(request)
    created = services.connector_create(by=me, **({"config": {}, "secrets": {}} | _fields(me, payload)))
    return Status(201, selectors.connector_get(membership=me, connector_id=created.pk))


@router.get("/connectors/{connector_id}", response=schemas.ConnectorOut)
def connector_get(request: HttpRequest, connector_id: Id) -> Any:
    return selectors.connector_get(membership=_me(request), connector_id=connector_id)


@router.patch("/connectors/{connector_id}", response=schemas.ConnectorOut)
def connector_update(request: HttpRequest, connector_id: Id, payload: schemas.ConnectorFields) -> Any:
    """Change any field. ``secrets`` replace only the credentials they name; the others are kept."""
    me = _me(request)
    connector = selectors.connector_get(membership=me, connector_id=connector_id)
    services.connector_update(by=me, connector=connector, **_fields(me, payload))
    return selectors.connector_get(membership=me, connector_id=connector_id)


@router.delete("/connectors/{connector_id}", response={204: None})
def connector_delete(request: HttpRequest, connector_id: Id) -> Any:
    """Delete the connector and its run history; the data points it wrote stay."""
    me = _me(request)
    services.connector_delete(by=me, connector=selectors.connector_get(membership=me, connector_id=connector_id))
    return Status(204, None)


@router.post("/connectors/{connector_id}/run", response={202: schemas.ConnectorOut})
def connector_run(request: HttpRequest, connector_id: Id) -> Any:
    """Queue a run now; follow it in ``GET /connectors/{id}/runs``."""
    me = _me(request)
    services.connector_run_now(by=me, connector=selectors.connector_get(membership=me, connector_id=connector_id))
    return Status(202, selectors.connector_get(membership=me, connector_id=connector_id))


@router.post("/connectors/{connector_id}/test", response=schemas.PreviewOut)
def connector_test(request: HttpRequest, connector_id: Id) -> Any:
    """A dry run: the first rows as data points, with each bad row's error; nothing is written. A source
    that cannot be read answers 422 naming the setting at fault."""
    me = _me(request)
    return services.connector_test(by=me, connector=selectors.connector_get(membership=me, connector_id=connector_id))


@router.get("/connectors/{connector_id}/runs", response=list[schemas.RunOut])
@paginate(Pagination)
def connector_run_list(request: HttpRequest, connector_id: Id) -> Any:
    """The connector's runs, newest first: a run still ``running`` is in progress (or was interrupted)."""
    me = _me(request)
    return selectors.connector_runs(
        membership=me, connector=selectors.connector_get(membership=me, connector_id=connector_id)
    )
