"""Every read of file imports, and of the KPIs a file may name, scoped to the organization and the person.

Administrators see every import of the organization; everyone else sees the imports they uploaded.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.core.errors import NotFound
from tandem.integrations.models import DataImport, ImportStatus
from tandem.kpis import selectors as kpi_selectors
from tandem.orgs.models import Membership

# The columns a list or a detail reads: never the file's content, which may be tens of megabytes.
LIGHT = ("content",)


def data_imports(*, membership: Membership) -> QuerySet[DataImport]:
    """The imports the person may see, newest first, with their uploaders (one query per page)."""
    qs = DataImport.objects.for_org(membership.organization).select_related("uploaded_by__user").defer(*LIGHT)
    if not membership.is_admin:
        qs = qs.filter(uploaded_by=membership)
    return qs.order_by("-created_at", "-id")


def data_import_get(*, membership: Membership, import_id: int, with_content: bool = False) -> DataImport:
    """One import the person may see (another's, or another organization's, is "not found")."""
    qs = data_imports(membership=membership)
    if with_content:
        qs = qs.defer(None).select_related("uploaded_by__user")
    found = qs.filter(pk=import_id).first()
    if found is None:
        raise NotFound()
    return found


def data_import_previous(*, membership: Membership, data_import: DataImport) -> DataImport | None:
    """The latest earlier import of the same file (same sha256) in the organization, whoever made it: importing
    it again updates the same points."""
    return (
        DataImport.objects.for_org(membership.organization)
        .filter(sha256=data_import.sha256, status__in=(ImportStatus.IMPORTED, ImportStatus.PARTIAL))
        .exclude(pk=data_import.pk)
        .select_related("uploaded_by__user")
        .defer(*LIGHT)
        .order_by("-finished_at", "-id")
        .first()
    )


def kpi_references(*, membership: Membership) -> dict[str, int]:
    """The visible KPIs by key and by name, both folded to lower case, for a file's KPI column: a name that
    two KPIs share maps to 0 (ambiguous: the file must use their keys)."""
    by_name: dict[str, int] = {}
    by_key: dict[str, int] = {}
    for pk, key, name in kpi_selectors.kpis(membership=membership).values_list("pk", "key", "name"):
        by_key[key.casefold()] = pk
        folded = name.strip().casefold()
        by_name[folded] = 0 if folded in by_name and by_name[folded] != pk else pk
    return {**by_name, **by_key}
