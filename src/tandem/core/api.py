"""``/api/v1/audit``: the change history of one object."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from tandem.core import selectors
from tandem.core.pagination import Pagination
from tandem.core.schemas import AuditEventOut

router = Router(tags=["audit"])


@router.get("/audit", response=list[AuditEventOut])
@paginate(Pagination)
def audit_list(request: HttpRequest, object: str = Query(..., description="TYPE:ID, e.g. person:12")):  # noqa: A002
    object_type, object_id = selectors.parse_object_ref(object)
    return selectors.audit_history(membership=request.auth, object_type=object_type, object_id=object_id)  # type: ignore[attr-defined]
